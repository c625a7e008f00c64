"""A raw IMDS token request, as a pod on AKS sends it to 169.254.169.254. Prints status and body."""

import json

import requests

response = requests.get(
    "http://169.254.169.254/metadata/identity/oauth2/token",
    params={"api-version": "2018-02-01", "resource": "https://management.azure.com/"},
    headers={"Metadata": "true"},
    timeout=30,
)
print(json.dumps({"status": response.status_code, "body": response.text}))
