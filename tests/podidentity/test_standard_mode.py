"""aad-pod-identity in standard mode (MIC and NMI installed by hand), the sandbox's ``nmi_mode = "standard"``,
and NMI's ``--set-retry-after-header`` (``nmi_retry_after``): each in a sandbox of its own.

Covers: MIC gives a bound pod its AzureAssignedIdentity (name, nodename label, finalizer, Created → Assigned) and
deletes it with the pod; an unbound pod and another identity's client id get standard mode's "… in CREATED state
failed after 16 attempts …" at once, in IMDS's 400 JSON error, which azure-identity reports with the text; and in
managed mode with the Retry-After option, an unbound pod gets 503 with ``Retry-After: 20``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.identity import CredentialUnavailableError

from podid.sandbox import Endpoints
from podid.sandbox.testing import pod_session
from tests.conftest import credential_for, start_sandbox
from tests.podidentity.conftest import (
    LOCATION,
    Cluster,
    add_identity,
    as_pod,
    create_cluster,
    make_clients,
    pod_credential,
    register_feature,
    run_pod,
    update_profile,
    wait_for,
)

NAMESPACE, BINDING, ARM = "apps", "app", "https://management.azure.com/"
CREATED_FAILURE = (
    "getting assigned identities for pod apps/{pod} in CREATED state failed after 16 attempts, retry duration [5]s, "
    "error: <nil>. Check MIC pod logs for identity assignment errors"
)


@dataclass(frozen=True)
class World:
    endpoints: Endpoints
    cluster: Cluster
    identity: Any


def start_world(directory: Path, **options: Any) -> tuple[Any, World]:
    """A sandbox with ``options``, a cluster with the add-on and one pod identity (apps/app)."""
    sandbox, endpoints = start_sandbox(directory / "sandbox", **options)
    operator = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    clients = make_clients(endpoints, operator)
    register_feature(clients)
    cluster = create_cluster(clients, "rg", "aks", directory, podIdentityProfile={"enabled": True})
    identity = clients.msi.user_assigned_identities.create_or_update("rg", "app", {"location": LOCATION})
    update_profile(clients, "rg", "aks", add_identity(identity, NAMESPACE, BINDING))
    return sandbox, World(endpoints, cluster, identity)


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    sandbox, world = start_world(tmp_path_factory.mktemp("standard"), nmi_mode="standard")
    yield world
    sandbox.stop()


def token(endpoints: Endpoints, ip: str, **query: str) -> requests.Response:
    with pod_session(ip) as session:
        return session.get(
            endpoints.imds_url + "/metadata/identity/oauth2/token",
            params={"api-version": "2018-02-01", "resource": ARM, **query},
            headers={"Metadata": "true"},
            timeout=10,
        )


def assignments(cluster: Cluster) -> list[dict[str, Any]]:
    result = cluster.kubectl("get", "azureassignedidentities", "-n", NAMESPACE, "-o", "json")
    assert result.returncode == 0, result.stderr
    items: list[dict[str, Any]] = json.loads(result.stdout)["items"]
    return items


def test_mic_assigns_the_identity_to_a_bound_pod_and_takes_it_back(standard: World) -> None:
    ip = run_pod(standard.cluster, NAMESPACE, "worker", {"aadpodidbinding": BINDING})
    name = f"worker-{NAMESPACE}-{BINDING}"

    def assigned() -> dict[str, Any] | None:
        found = [item for item in assignments(standard.cluster) if item["metadata"]["name"] == name]
        return found[0] if found and found[0]["status"]["status"] == "Assigned" else None

    assignment = wait_for(assigned, "the assignment")
    assert assignment["metadata"]["labels"] == {"nodename": assignment["spec"]["nodename"]}
    assert assignment["metadata"]["finalizers"] == ["azureassignedidentity.finalizers.aadpodidentity.k8s.io"]
    assert assignment["spec"]["azureIdentityRef"]["spec"]["clientID"] == standard.identity.client_id
    assert assignment["spec"]["azureBindingRef"]["metadata"]["name"] == f"{BINDING}-binding"
    assert token(standard.endpoints, ip).status_code == 200

    standard.cluster.core.delete_namespaced_pod("worker", NAMESPACE, grace_period_seconds=0)
    wait_for(lambda: all(item["metadata"]["name"] != name for item in assignments(standard.cluster)), "its removal")


def test_an_unbound_pod_gets_standard_modes_message(standard: World, monkeypatch: pytest.MonkeyPatch) -> None:
    ip = run_pod(standard.cluster, NAMESPACE, "stranger", {"app": "stranger"})
    with as_pod(ip, standard.endpoints, monkeypatch), pytest.raises(CredentialUnavailableError) as caught:
        pod_credential().get_token(ARM + ".default")
    assert CREATED_FAILURE.format(pod="stranger") in str(caught.value)


def test_another_client_id_gets_standard_modes_message(standard: World) -> None:
    ip = run_pod(standard.cluster, NAMESPACE, "bound", {"aadpodidbinding": BINDING})
    response = token(standard.endpoints, ip, client_id="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    described = "clientID in request: 0000##### REDACTED #####0000, " + CREATED_FAILURE.format(pod="bound")
    assert response.json() == {"error": "invalid_request", "error_description": described}


def test_with_retry_after_nmi_answers_503(tmp_path: Path) -> None:
    sandbox, world = start_world(tmp_path, nmi_retry_after=True)
    try:
        ip = run_pod(world.cluster, NAMESPACE, "stranger", {"app": "stranger"})
        response = token(world.endpoints, ip)
        bound = run_pod(world.cluster, NAMESPACE, "bound", {"aadpodidbinding": BINDING})
        assert token(world.endpoints, bound).status_code == 200
    finally:
        sandbox.stop()
    assert (response.status_code, response.text) == (503, "no azure identity found for request clientID \n")
    assert response.headers["Retry-After"] == "20"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
