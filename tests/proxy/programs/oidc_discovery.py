"""OIDC discovery as a relying party does it: the issuer's configuration, then its keys. Prints JSON.

Usage: oidc_discovery.py <issuer URL>.
"""

import json
import sys

import requests

configuration = requests.get(sys.argv[1] + ".well-known/openid-configuration", timeout=30).json()
keys = requests.get(configuration["jwks_uri"], timeout=30).json()
print(json.dumps({"configuration": configuration, "kids": [key["kid"] for key in keys["keys"]]}))
