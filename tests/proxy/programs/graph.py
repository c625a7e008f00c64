"""Microsoft Graph as code for Azure calls it: a token for graph.microsoft.com, then GET /v1.0/applications.
Prints the status and the @odata.context the answer names."""

import json

import requests
from azure.identity import DefaultAzureCredential

token = DefaultAzureCredential().get_token("https://graph.microsoft.com/.default").token
response = requests.get(
    "https://graph.microsoft.com/v1.0/applications", headers={"Authorization": f"Bearer {token}"}, timeout=30
)
print(json.dumps({"status": response.status_code, "context": response.json().get("@odata.context")}))
