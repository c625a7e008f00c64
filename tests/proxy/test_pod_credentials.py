"""A pod's credential in the proxy URL makes the proxy act for that pod, from the pod's address: IMDS at
169.254.169.254 answers as NMI answers that pod.

Covers: a bound pod's credential gets that pod's identity's token, by a raw request and by azure-identity's
ManagedIdentityCredential with no arguments; an unbound pod's gets NMI's 404 for no identity; no credential is
the machine's own request, which NMI answers as from no pod (500); a pod's HTTPS tunnels leave from its address.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from podid.sandbox import Endpoints
from podid.sandbox.proxy import ProxyService
from tests.podidentity.conftest import LOCATION, Clients, Cluster, add_identity, run_pod, update_profile
from tests.proxy.conftest import run_program

NAMESPACE = "proxy-imds"


@pytest.fixture(scope="module")
def identity(clients: Clients, proxy_cluster: Cluster) -> Any:
    created = clients.msi.user_assigned_identities.create_or_update(
        proxy_cluster.group, "proxy-imds-identity", {"location": LOCATION}
    )
    update_profile(clients, proxy_cluster.group, proxy_cluster.name, add_identity(created, NAMESPACE, "proxy-imds"))
    return created


def pod_proxy(proxy: ProxyService, cluster: Cluster, name: str, labels: dict[str, str]) -> str:
    """The proxy URL the kubelet gives the pod: its credential in the userinfo."""
    ip = run_pod(cluster, NAMESPACE, name, labels)
    uid = cluster.core.read_namespaced_pod(name, NAMESPACE).metadata.uid
    return proxy.url.replace("http://", f"http://{proxy.credentials.for_pod(ip, uid)}@")


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_a_bound_pods_credential_gets_its_identitys_token(
    proxy: ProxyService, proxy_cluster: Cluster, identity: Any
) -> None:
    url = pod_proxy(proxy, proxy_cluster, "bound", {"aadpodidbinding": "proxy-imds"})
    result = run_program("imds_token.py", {"HTTP_PROXY": url})
    assert result["status"] == 200, result["body"]
    token = json.loads(result["body"])["access_token"]
    assert claims(token)["oid"] == identity.principal_id


def test_managed_identity_credential_gets_the_pods_token(
    proxy: ProxyService, proxy_cluster: Cluster, identity: Any
) -> None:
    url = pod_proxy(proxy, proxy_cluster, "azure-identity", {"aadpodidbinding": "proxy-imds"})
    assert run_program("managed_identity.py", {"HTTP_PROXY": url}) == {"oid": identity.principal_id}


def test_an_unbound_pods_credential_gets_no_token(proxy: ProxyService, proxy_cluster: Cluster, identity: Any) -> None:
    url = pod_proxy(proxy, proxy_cluster, "unbound", {"aadpodidbinding": "someone-else"})
    result = run_program("imds_token.py", {"HTTP_PROXY": url})
    assert (result["status"], result["body"]) == (404, "no azure identity found for request clientID \n")


def test_without_a_credential_the_caller_is_no_pod(endpoints: Endpoints, proxy_cluster: Cluster) -> None:
    result = run_program("imds_token.py", {"HTTP_PROXY": endpoints.proxy_url})
    assert (result["status"], result["body"]) == (500, "pod list is empty\n")


def test_a_pods_https_requests_leave_from_the_pod(
    endpoints: Endpoints, proxy: ProxyService, proxy_cluster: Cluster, identity: Any
) -> None:
    """Through the proxy with a pod's credential, a tunnel reaches the sandbox from the pod's address too: the
    control surface, which the owner reaches with its token, refuses the pod whatever it carries."""
    url = pod_proxy(proxy, proxy_cluster, "https-caller", {"aadpodidbinding": "someone-else"})
    control = "https://management.azure.com/_sandbox/metrics"
    env = {"REQUESTS_CA_BUNDLE": endpoints.ca_bundle}
    owner = run_program("get.py", {**env, "HTTPS_PROXY": endpoints.proxy_url}, control, endpoints.control_token)
    assert owner["status"] == 200
    pod = run_program("get.py", {**env, "HTTPS_PROXY": url}, control, endpoints.control_token)
    assert pod["status"] == 403
    assert json.loads(pod["body"])["error"]["message"] == "The sandbox's control surface does not answer pods."
