"""podid verify's probe: one action from inside a pod, reported as one JSON line on stdout.

Run as ``python -c "<this file>" <action> <args...>`` in the stock ``python`` image, so it uses the standard
library only. Actions:

* ``write <arm-url> <record-set-id> <client-id>``: with the identity's ARM token, PUT an A record set; if that
  succeeds, DELETE it again;
* ``mint <graph-url> <application-object-id> <client-id>``: with the identity's Graph token, add a password to the
  application (``POST /v1.0/applications/{id}/addPassword``); if that succeeds, remove it again;
* ``token <client-id>``: ask for the identity's ARM token once, as a pod that should get none: no client's retry
  schedule (azure-identity and adal retry a 404 for tens of seconds), so the answer is the service's first one;
  the token itself is never printed;
* ``reach <url>``: GET the url with no credential.

Requests go as the standard library sends them: through the proxy the environment names, which in a sandbox pod
is the sandbox's proxy acting for the pod (IMDS at 169.254.169.254 is NMI's, as on a node).

Tokens come from the workload identity exchange when the webhook mutated the pod (``AZURE_FEDERATED_TOKEN_FILE``),
otherwise from the node's identity endpoint, which on AKS with pod identity is NMI; an empty client id asks for the
pod's own identity. The report is ``{"action", "status", "code", "message", "undone"}`` (for ``token``: the token
request's); ``{"action": "token", "error"}`` when no token was had; ``{"action", "error"}`` when the request could
not be sent (``"refused"``: the connection was refused).
"""

import http.client
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

ARM_RESOURCE = "https://management.azure.com/"
GRAPH_RESOURCE = "https://graph.microsoft.com/"
IMDS_HOST = "http://169.254.169.254"
TOKEN_PATH = "/metadata/identity/oauth2/token"
DNS_API_VERSION = "2018-05-01"
TIMEOUT = 30.0
Reply = tuple[int, dict[str, Any]]


class NoToken(Exception):
    pass


class _FromPod(urllib.request.HTTPHandler):
    """Plain connections from PODID_POD_IP when set: the sandbox tells direct callers (NO_PROXY's) apart by their
    address, as NMI does on a node."""

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(http.client.HTTPConnection, req, source_address=_source())


class _FromPodTls(urllib.request.HTTPSHandler):
    def __init__(self) -> None:
        super().__init__()
        self.tls = ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE") or None)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(http.client.HTTPSConnection, req, context=self.tls, source_address=_source())


def _source() -> tuple[str, int] | None:
    return (os.environ["PODID_POD_IP"], 0) if os.environ.get("PODID_POD_IP") else None


def send(method: str, url: str, headers: dict[str, str], body: str | None = None) -> Reply:
    """(status, JSON body), through the proxy the environment names (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), trusting
    REQUESTS_CA_BUNDLE when set, the system roots otherwise."""
    opener = urllib.request.build_opener(_FromPod, _FromPodTls)
    request = urllib.request.Request(url, body.encode() if body is not None else None, headers, method=method)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode("utf-8", "replace")
    except urllib.error.URLError as error:  # the connection's own error, as main reports it
        if isinstance(error.reason, OSError):
            raise error.reason from None
        raise
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        found = {"message": text[:300]}
    return status, found if isinstance(found, dict) else {}


def send_json(method: str, url: str, token: str, body: dict[str, Any] | None = None) -> Reply:
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return send(method, url, headers, None if body is None else json.dumps(body))


def token_reply(resource: str, client_id: str) -> Reply:
    """One token request: the workload identity exchange in a mutated pod, the identity endpoint otherwise."""
    if os.environ.get("AZURE_FEDERATED_TOKEN_FILE"):
        return federated_token(resource)
    query = urllib.parse.urlencode(
        {"api-version": "2018-02-01", "resource": resource, **({"client_id": client_id} if client_id else {})}
    )
    return send("GET", f"{IMDS_HOST}{TOKEN_PATH}?{query}", {"Metadata": "true"})


def token(resource: str, client_id: str) -> str:
    status, found = token_reply(resource, client_id)
    if status != 200 or "access_token" not in found:
        raise NoToken(f"{status} {found.get('error', '')}: {found.get('error_description') or found.get('message')}")
    return str(found["access_token"])


def federated_token(resource: str) -> Reply:
    """The ServiceAccount token the webhook projected, exchanged as a client assertion."""
    path = os.environ["AZURE_FEDERATED_TOKEN_FILE"]
    root = os.environ.get("PODID_POD_ROOT")  # the sandbox's stand-in for the container's filesystem
    with open(os.path.join(root, path.lstrip("/")) if root else path) as file:
        assertion = file.read().strip()
    form = {
        "client_id": os.environ["AZURE_CLIENT_ID"],
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": resource + ".default",
    }
    authority = os.environ["AZURE_AUTHORITY_HOST"].rstrip("/")
    url = f"{authority}/{os.environ['AZURE_TENANT_ID']}/oauth2/v2.0/token"
    return send("POST", url, {"Content-Type": "application/x-www-form-urlencoded"}, urllib.parse.urlencode(form))


def report(action: str, reply: Reply, undone: bool = False) -> dict[str, Any]:
    status, found = reply
    inner = found.get("error")
    error: dict[str, Any] = inner if isinstance(inner, dict) else found
    return {
        "action": action,
        "status": status,
        "code": str(error.get("code") or ""),
        "message": str(error.get("message") or ""),
        "undone": undone,
    }


def write(arm_url: str, record_set: str, client_id: str) -> dict[str, Any]:
    bearer = token(ARM_RESOURCE, client_id)
    url = f"{arm_url.rstrip('/')}{record_set}?api-version={DNS_API_VERSION}"
    reply = send_json("PUT", url, bearer, {"properties": {"TTL": 60, "ARecords": [{"ipv4Address": "192.0.2.1"}]}})
    undone = reply[0] in (200, 201) and send_json("DELETE", url, bearer)[0] in (200, 204)
    return report("write", reply, undone)


def mint(graph_url: str, application: str, client_id: str) -> dict[str, Any]:
    bearer = token(GRAPH_RESOURCE, client_id)
    base = f"{graph_url.rstrip('/')}/v1.0/applications/{application}"
    reply = send_json("POST", f"{base}/addPassword", bearer, {"passwordCredential": {"displayName": "podid-verify"}})
    key = reply[1].get("keyId")
    undone = reply[0] == 200 and send_json("POST", f"{base}/removePassword", bearer, {"keyId": key})[0] == 204
    return report("mint", reply, undone)


def ask(client_id: str) -> dict[str, Any]:
    """The token request's answer; a refusal is an OAuth error document (IMDS, Entra ID) or NMI's plain text."""
    status, found = token_reply(ARM_RESOURCE, client_id)
    if status == 200 and "access_token" in found:
        return report("token", (status, {}))
    description = str(found.get("error_description") or found.get("message") or "").strip()
    return report("token", (status, {"code": found.get("error"), "message": description}))


def reach(url: str) -> dict[str, Any]:
    return report("reach", send("GET", url, {}))


def main(argv: list[str]) -> int:
    action, args = argv[0], argv[1:]
    actions: dict[str, Callable[..., dict[str, Any]]] = {"write": write, "mint": mint, "token": ask, "reach": reach}
    try:
        outcome = actions[action](*args)
    except NoToken as error:
        outcome = {"action": "token", "error": str(error)}
    except ConnectionRefusedError:
        outcome = {"action": action, "error": "refused"}
    except OSError as error:
        outcome = {"action": action, "error": f"{type(error).__name__}: {error}"}
    print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
