"""The classic pod identity check: exec into the pod and ask IMDS for a token.

Covers, on a cluster with the pod identity add-on: ``kubectl exec <pod> -- curl -s -H Metadata:true
'http://169.254.169.254/metadata/identity/oauth2/token?...'`` gets the token of the identity bound to that pod
(its client id as the token's ``appid``, its principal as ``oid``), because the command runs with the pod's environment
(the proxy acting as the pod); from a pod no identity is bound to, managed mode's 404.

curl reads the proxy for ``http://`` URLs from ``http_proxy`` only, never ``HTTP_PROXY``
(https://everything.curl.dev/usingcurl/proxies/env): the check passes once the workload environment the
kubelet gives its containers (and exec) names the proxy in lower case as well.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest
from azure.identity import ClientSecretCredential

from podid.sandbox import Endpoints
from tests.kube.conftest import eventually
from tests.podidentity.conftest import (
    LOCATION,
    Clients,
    Cluster,
    add_identity,
    create_cluster,
    make_clients,
    register_feature,
    run_pod,
    update_profile,
)

NAMESPACE = "exec-imds"
TOKEN_URL = (
    "http://169.254.169.254/metadata/identity/oauth2/token"
    "?api-version=2018-02-01&resource=https://management.azure.com/"
)


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def curl(cluster: Cluster, pod: str) -> tuple[str, str]:
    """(body, HTTP status) of the token request, as the pod asks for it."""
    request = ["curl", "-s", "-m", "10", "-w", "\n%{http_code}", "-H", "Metadata:true", TOKEN_URL]
    result = cluster.kubectl("exec", "-n", NAMESPACE, pod, "--", *request)
    assert result.returncode == 0, result.stderr
    body, _, status = result.stdout.rpartition("\n")
    return body, status


@pytest.fixture(scope="module")
def clients(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> Clients:
    return make_clients(endpoints, operator_credential)


@pytest.fixture(scope="module")
def addon_cluster(clients: Clients, tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    """A one-node cluster with the pod identity add-on (``az aks create --enable-pod-identity``)."""
    register_feature(clients)
    group = f"podid-exec-{os.getpid()}"
    profile = {"enabled": True}
    return create_cluster(clients, group, "aks", tmp_path_factory.mktemp("kube"), podIdentityProfile=profile)


def test_exec_curl_gets_the_pods_identity_token(clients: Clients, addon_cluster: Cluster) -> None:
    identity = clients.msi.user_assigned_identities.create_or_update(
        addon_cluster.group, "exec-imds-identity", {"location": LOCATION}
    )
    update_profile(clients, addon_cluster.group, addon_cluster.name, add_identity(identity, NAMESPACE, "exec-imds"))
    run_pod(addon_cluster, NAMESPACE, "bound", {"aadpodidbinding": "exec-imds"})
    body, status = eventually(lambda: (answer := curl(addon_cluster, "bound"))[1] == "200" and answer, "a token")
    found = claims(json.loads(body)["access_token"])
    assert (found["appid"], found["oid"]) == (identity.client_id, identity.principal_id)
    run_pod(addon_cluster, NAMESPACE, "unbound", {"app": "other"})
    body, status = curl(addon_cluster, "unbound")
    assert status == "404"
    assert body.startswith("no azure identity found for request clientID")
