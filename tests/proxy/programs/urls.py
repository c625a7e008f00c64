"""Raw requests to Azure's hostnames: the URLs the answers name (OIDC discovery, an LRO's Location).

Usage: urls.py <group>. Prints JSON.
"""

import json
import os
import sys

import requests
from azure.identity import DefaultAzureCredential

tenant, subscription, group = os.environ["AZURE_TENANT_ID"], os.environ["AZURE_SUBSCRIPTION_ID"], sys.argv[1]
oidc = requests.get(f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration", timeout=30)
token = DefaultAzureCredential().get_token("https://management.azure.com/.default").token
url = f"https://management.azure.com/subscriptions/{subscription}/resourcegroups/{group}"
headers = {"Authorization": f"Bearer {token}"}
requests.put(url, params={"api-version": "2021-04-01"}, json={"location": "westus2"}, headers=headers, timeout=30)
deleted = requests.delete(url, params={"api-version": "2021-04-01"}, headers=headers, timeout=30)
print(
    json.dumps(
        {
            "token_endpoint": oidc.json()["token_endpoint"],
            "delete_status": deleted.status_code,
            "location": deleted.headers.get("Location"),
        }
    )
)
