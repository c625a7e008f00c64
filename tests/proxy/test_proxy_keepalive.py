"""Plain HTTP through the proxy keeps the client's connection open, and still judges every request by its own
Proxy-Authorization (RFC 9110 section 11.7.4: it belongs to one request, not to the connection).

Covers, over one connection of http.client (a real client, which sends each request with the header it is given):
a bound pod's credential, then none, then an unbound pod's, then a forged one, then the bound pod's again, each
answered as its own credential says (the pod's token, NMI's 500 for no pod, NMI's 404, the proxy's 407, the
token again); a chunked request body and a Content-Length one are relayed whole, so the next request on the
connection is read as a request.
"""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any

import pytest

from podid.sandbox import Endpoints
from podid.sandbox.proxy import ProxyService
from tests.podidentity.conftest import LOCATION, Clients, Cluster, add_identity, run_pod, update_profile

NAMESPACE, BINDING = "proxy-keepalive", "proxy-keepalive"
TOKEN_URL = "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/"
FORGED = base64.b64encode(b"127.244.0.9:0123456789abcdef").decode()


@pytest.fixture(scope="module")
def identity(clients: Clients, proxy_cluster: Cluster) -> Any:
    created = clients.msi.user_assigned_identities.create_or_update(
        proxy_cluster.group, "proxy-keepalive-identity", {"location": LOCATION}
    )
    update_profile(clients, proxy_cluster.group, proxy_cluster.name, add_identity(created, NAMESPACE, BINDING))
    return created


def credential(proxy: ProxyService, cluster: Cluster, name: str, binding: str) -> str:
    """The Basic credential of a new pod, as a client sends the userinfo of the proxy URL the kubelet gives it."""
    ip = run_pod(cluster, NAMESPACE, name, {"aadpodidbinding": binding})
    uid = cluster.core.read_namespaced_pod(name, NAMESPACE).metadata.uid
    return base64.b64encode(proxy.credentials.for_pod(ip, uid).encode()).decode()


def connect(endpoints: Endpoints) -> http.client.HTTPConnection:
    host, port = endpoints.proxy_url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


def ask(connection: http.client.HTTPConnection, authorization: str | None, **request: Any) -> tuple[int, str]:
    headers = {"Host": "169.254.169.254", "Metadata": "true", **request.pop("headers", {})}
    if authorization is not None:
        headers["Proxy-Authorization"] = f"Basic {authorization}"
    connection.request(request.pop("method", "GET"), TOKEN_URL, headers=headers, **request)
    response = connection.getresponse()
    return response.status, response.read().decode()


def oid(body: str) -> str:
    payload = json.loads(body)["access_token"].split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["oid"])


def test_each_request_on_a_connection_is_judged_by_its_own_credential(
    endpoints: Endpoints, proxy: ProxyService, proxy_cluster: Cluster, identity: Any
) -> None:
    bound = credential(proxy, proxy_cluster, "keepalive-bound", BINDING)
    unbound = credential(proxy, proxy_cluster, "keepalive-unbound", "someone-else")
    connection = connect(endpoints)
    answers, sockets = [], []
    for authorization in (bound, None, unbound, FORGED, bound):
        answers.append(ask(connection, authorization))
        sockets.append(connection.sock)
    assert all(sock is sockets[0] for sock in sockets)  # one connection: http.client reconnects only once closed
    assert [status for status, _ in answers] == [200, 500, 404, 407, 200]
    assert oid(answers[0][1]) == oid(answers[4][1]) == identity.principal_id
    assert answers[1][1] == "pod list is empty\n"  # no credential: not the pod, whatever came before
    assert answers[2][1] == "no azure identity found for request clientID \n"
    assert answers[3][1] == "podid sandbox proxy: no such pod credential\n"


def test_request_bodies_are_relayed_whole(endpoints: Endpoints, proxy_cluster: Cluster) -> None:
    connection = connect(endpoints)
    chunked = ask(connection, None, method="POST", body=iter([b"first", b"second"]), encode_chunked=True)
    sized = ask(connection, None, method="POST", body=b"x" * 70000)
    plain = ask(connection, None)
    assert chunked == sized == plain == (500, "pod list is empty\n")
