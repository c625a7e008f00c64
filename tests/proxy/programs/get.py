"""One HTTPS GET with a bearer token, as any client sends it. Usage: get.py <url> <token>. Prints status and body."""

import json
import sys

import requests

response = requests.get(sys.argv[1], headers={"Authorization": f"Bearer {sys.argv[2]}"}, timeout=30)
print(json.dumps({"status": response.status_code, "body": response.text}))
