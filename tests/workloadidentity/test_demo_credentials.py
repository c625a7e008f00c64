"""The demo's credential choice and the webhook's token file inside a pod's root.

Covers: ``federated_token_file`` maps the webhook's container path under PODID_POD_ROOT (and is None without the
webhook); without the webhook's variables the demo uses the managed identity endpoint, a fresh credential per
request; with them it uses workload identity, one credential per client id per round (the pod's default client
id and the same id given by --clientid share it, so both tokens are the same), and the token file is read from
the pod's root, so a real exchange at the sandbox's Entra ID succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from azure.identity import WorkloadIdentityCredential

from podid.sandbox import Endpoints
from podid.workloads._runtime import federated_token_file
from podid.workloads.demo.auth import FederatedToken, MsiToken, RoundCredentials
from tests.workloadidentity.conftest import AUDIENCE, FederatedIdentity, WiCluster, service_account_token

TOKEN_PATH = "/var/run/secrets/azure/tokens/azure-identity-token"  # where the webhook projects the token


def test_without_a_pod_root_the_token_file_is_as_given() -> None:
    env = {"AZURE_FEDERATED_TOKEN_FILE": TOKEN_PATH}
    assert federated_token_file({}) is None
    assert federated_token_file({**env, "PODID_POD_ROOT": ""}) == TOKEN_PATH  # outside the sandbox: as given


def test_the_token_file_under_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODID_POD_ROOT", str(tmp_path))
    expected = tmp_path / "var/run/secrets/azure/tokens/azure-identity-token"
    assert federated_token_file({"AZURE_FEDERATED_TOKEN_FILE": TOKEN_PATH}) == str(expected)


def test_without_the_webhook_the_demo_asks_the_identity_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_FEDERATED_TOKEN_FILE", raising=False)
    with RoundCredentials() as credentials:
        assert not credentials.federated
        first, second = credentials.get(), credentials.get()
        assert isinstance(first, MsiToken) and isinstance(second, MsiToken)
        assert first is not second  # every request goes to NMI again, as the Go demo's fresh authorizers do


@pytest.fixture
def mutated_pod(endpoints: Endpoints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], None]:
    """``mutated_pod(client_id, token)``: this process's environment as the webhook leaves a pod's."""

    def mutate(client_id: str, token: str) -> None:
        root = tmp_path / "pod"
        (root / TOKEN_PATH.lstrip("/")).parent.mkdir(parents=True)
        (root / TOKEN_PATH.lstrip("/")).write_text(token)
        for name, value in {
            "PODID_POD_ROOT": str(root),
            "AZURE_FEDERATED_TOKEN_FILE": TOKEN_PATH,
            "AZURE_CLIENT_ID": client_id,
            "AZURE_TENANT_ID": endpoints.tenant_id,
            "AZURE_AUTHORITY_HOST": endpoints.authority,
            "REQUESTS_CA_BUNDLE": endpoints.ca_bundle,
        }.items():
            monkeypatch.setenv(name, value)

    return mutate


def test_with_the_webhook_the_demo_exchanges_its_token(
    wi_cluster: WiCluster,
    namespace: str,
    federated_identity: Callable[..., FederatedIdentity],
    mutated_pod: Callable[[str, str], None],
    endpoints: Endpoints,
) -> None:
    identity = federated_identity(f"system:serviceaccount:{namespace}:demo")
    mutated_pod(identity.client_id, service_account_token(wi_cluster.api, namespace, "demo", [AUDIENCE]))
    resource = endpoints.arm_url
    with RoundCredentials() as credentials:
        assert credentials.federated
        default, named = credentials.get(), credentials.get(identity.client_id)
        assert isinstance(default, FederatedToken) and default is named
        assert isinstance(default.credential, WorkloadIdentityCredential)
        assert default(resource).access_token == named(resource).access_token
