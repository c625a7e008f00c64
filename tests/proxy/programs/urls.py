"""Raw requests to Azure's hostnames: the URLs the answers name (instance and OIDC discovery, an LRO's Location).

Usage: urls.py <group>. Prints JSON.
"""

import json
import os
import sys

import requests
from azure.identity import DefaultAzureCredential

tenant, subscription, group = os.environ["AZURE_TENANT_ID"], os.environ["AZURE_SUBSCRIPTION_ID"], sys.argv[1]
login = "https://login.microsoftonline.com"
oidc = requests.get(f"{login}/{tenant}/v2.0/.well-known/openid-configuration", timeout=30)
authorize = f"{login}/{tenant}/oauth2/v2.0/authorize"
instance = requests.get(
    f"{login}/common/discovery/instance",
    params={"api-version": "1.1", "authorization_endpoint": authorize},
    timeout=30,
)
token = DefaultAzureCredential().get_token("https://management.azure.com/.default").token
url = f"https://management.azure.com/subscriptions/{subscription}/resourcegroups/{group}"
headers = {"Authorization": f"Bearer {token}"}
requests.put(url, params={"api-version": "2021-04-01"}, json={"location": "westus2"}, headers=headers, timeout=30)
deleted = requests.delete(url, params={"api-version": "2021-04-01"}, headers=headers, timeout=30)
print(
    json.dumps(
        {
            "token_endpoint": oidc.json()["token_endpoint"],
            "tenant_discovery_endpoint": instance.json()["tenant_discovery_endpoint"],
            "delete_status": deleted.status_code,
            "location": deleted.headers.get("Location"),
        }
    )
)
