"""A pod's managed identity cannot mint credentials through Microsoft Graph.

The external-dns pod of the tutorial gets tokens for its user-assigned identity from NMI. Covers: its ARM-audience
token (what external-dns uses) is Graph's 401 "Invalid audience"; its Graph-audience token authenticates but
the identity holds nothing, so addPassword on the operator's application (which has Owner on the subscription),
a new application and a directory read are all 403 Authorization_RequestDenied.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests

from podid.sandbox import Endpoints
from tests.conftest import GRAPH_SCOPE, graph_call
from tests.graph._graph import DENIED, application_of, caller, error_of
from tests.podidentity.conftest import (
    LOCATION,
    add_identity,
    as_pod,
    create_cluster,
    make_clients,
    pod_credential,
    register_feature,
    run_pod,
    update_profile,
)

NAMESPACE, BINDING = "external-dns", "dns-identity"


@pytest.fixture(scope="module")
def dns_pod(endpoints: Endpoints, operator_credential: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(pod IP, identity): a pod bound to a user-assigned identity on a cluster with the pod identity add-on."""
    clients = make_clients(endpoints, operator_credential)
    register_feature(clients)
    directory = tmp_path_factory.mktemp("kube")
    group = f"podid-graph-{os.getpid()}"
    cluster = create_cluster(clients, group, "aks", directory, podIdentityProfile={"enabled": True})
    identity = clients.msi.user_assigned_identities.create_or_update(group, BINDING, {"location": LOCATION})
    update_profile(clients, group, cluster.name, add_identity(identity, NAMESPACE, BINDING))
    return run_pod(cluster, NAMESPACE, "external-dns", {"aadpodidbinding": BINDING}), identity


def test_a_pod_identity_cannot_mint_credentials(
    endpoints: Endpoints, operator_credential: Any, dns_pod: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ip, identity = dns_pod
    operator_app = application_of(caller(endpoints, operator_credential), endpoints.operator.client_id)
    with as_pod(ip, endpoints, monkeypatch):
        credential = pod_credential(identity.client_id)
        arm_token = credential.get_token(endpoints.arm_url + ".default").token
        credential.get_token(GRAPH_SCOPE)  # cached for the calls below

    add_password = f"{endpoints.arm_url}v1.0/applications/{operator_app['id']}/addPassword"
    with_arm_token = requests.post(
        add_password, json={}, headers={"Authorization": f"Bearer {arm_token}"}, verify=endpoints.ca_bundle, timeout=30
    )
    assert error_of(with_arm_token) == (
        401,
        "InvalidAuthenticationToken",
        "Access token validation failure. Invalid audience.",
    )
    with_graph_token = graph_call(
        endpoints, credential, "POST", f"/applications/{operator_app['id']}/addPassword", json={}
    )
    assert error_of(with_graph_token) == DENIED
    assert error_of(graph_call(endpoints, credential, "POST", "/applications", json={"displayName": "pwned"})) == DENIED
    assert error_of(graph_call(endpoints, credential, "GET", "/servicePrincipals")) == DENIED
