"""ManagedIdentityCredential as code on an AKS node writes it: IMDS at 169.254.169.254. Prints the token's oid."""

import base64
import json

from azure.identity import ManagedIdentityCredential

token = ManagedIdentityCredential().get_token("https://management.azure.com/.default").token
payload = token.split(".")[1]
print(json.dumps({"oid": json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["oid"]}))
