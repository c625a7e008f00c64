"""Pod identity across a sandbox restart (a sandbox of its own, on the same data directory twice).

Covers: after a restart, a bound pod still gets its identity's token from NMI (the add-on's state and NMI's
caches come back), and a pod created after the restart gets it too.
"""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from podid.sandbox import Endpoints, Sandbox
from tests.conftest import credential_for, start_sandbox
from tests.podidentity.conftest import (
    LOCATION,
    Clients,
    add_identity,
    as_pod,
    create_cluster,
    make_clients,
    open_cluster,
    pod_credential,
    pod_ip,
    register_feature,
    run_pod,
    update_profile,
)

ARM_SCOPE = "https://management.azure.com/.default"


def start(data_dir: Path) -> tuple[Sandbox, Endpoints, Clients]:
    sandbox, endpoints = start_sandbox(data_dir)
    credential = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    return sandbox, endpoints, make_clients(endpoints, credential)


def oid(endpoints: Endpoints, ip: str, client_id: str, monkeypatch: pytest.MonkeyPatch) -> str:
    with as_pod(ip, endpoints, monkeypatch):
        token = pod_credential(client_id).get_token(ARM_SCOPE).token
    return str(jwt.decode(token, options={"verify_signature": False})["oid"])


def test_bound_pods_keep_their_identity_across_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox, endpoints, clients = start(tmp_path / "sandbox")
    try:
        register_feature(clients)
        cluster = create_cluster(clients, "rg", "aks", tmp_path, podIdentityProfile={"enabled": True})
        identity = clients.msi.user_assigned_identities.create_or_update("rg", "app", {"location": LOCATION})
        update_profile(clients, "rg", "aks", add_identity(identity, "apps", "app"))
        ip = run_pod(cluster, "apps", "before", {"aadpodidbinding": "app"})
        assert oid(endpoints, ip, identity.client_id, monkeypatch) == identity.principal_id
    finally:
        sandbox.stop()
    sandbox, endpoints, clients = start(tmp_path / "sandbox")
    try:
        cluster = open_cluster(clients, "rg", "aks", tmp_path)
        before = pod_ip(cluster, "apps", "before")
        assert oid(endpoints, before, identity.client_id, monkeypatch) == identity.principal_id
        after = run_pod(cluster, "apps", "after", {"aadpodidbinding": "app"})
        assert oid(endpoints, after, identity.client_id, monkeypatch) == identity.principal_id
    finally:
        sandbox.stop()
