"""An assertion is accepted only within its lifetime, checked on a sandbox of its own whose clock is moved.

Covers: a TokenRequest token is exchanged while valid; once the sandbox clock passes its ``exp``, and again
when the clock is before its ``nbf``, Entra answers AADSTS700024 with the current time and the assertion's
validity window, and issues no token. The sandbox clock only moves forward, so "before nbf" is a token
issued while the clock was ahead, offered after a restart on the same port (the clock is the wall clock again).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import WorkloadIdentityCredential
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import FederatedIdentityCredential
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints, Sandbox
from tests.aks.conftest import LOCATION, lro_polls
from tests.conftest import ARM_SCOPE, control_call, credential_for, mgmt_client, start_sandbox
from tests.workloadidentity.conftest import AUDIENCE, admin_client, service_account_token, wi_cluster_body

SUBJECT = "system:serviceaccount:default:workload"


@dataclass
class Running:
    """The sandbox only this module uses (moving its clock disturbs no other test), restarted by one test."""

    data_dir: Path
    sandbox: Sandbox
    endpoints: Endpoints

    def restart(self) -> None:
        """Stop, then start again on the same ARM port: the issuer URLs that federations name stay valid."""
        port = urlsplit(self.endpoints.arm_url).port
        self.sandbox.stop()
        self.sandbox, self.endpoints = start_sandbox(self.data_dir, arm_port=port)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    data_dir = tmp_path_factory.mktemp("lifetime")
    current = Running(data_dir, *start_sandbox(data_dir))
    yield current
    current.sandbox.stop()


@pytest.fixture(scope="module")
def own_sandbox(running: Running) -> Endpoints:
    return running.endpoints


@pytest.fixture(scope="module")
def federated(own_sandbox: Endpoints) -> tuple[str, str]:
    """(client id of an identity federated with the account `default/workload`, the cluster's admin client)."""
    operator = credential_for(own_sandbox, own_sandbox.operator.client_id, own_sandbox.operator.client_secret)
    lro_polls(own_sandbox, 1)
    mgmt_client(ResourceManagementClient, own_sandbox, operator).resource_groups.create_or_update(
        "lifetime", {"location": LOCATION}
    )
    aks = mgmt_client(ContainerServiceClient, own_sandbox, operator)
    cluster = aks.managed_clusters.begin_create_or_update("lifetime", "aks", wi_cluster_body("lifetime")).result()
    msi = mgmt_client(ManagedServiceIdentityClient, own_sandbox, operator)
    identity = msi.user_assigned_identities.create_or_update("lifetime", "workload", {"location": LOCATION})
    fic = FederatedIdentityCredential(
        issuer=cluster.oidc_issuer_profile.issuer_url, subject=SUBJECT, audiences=[AUDIENCE]
    )
    msi.federated_identity_credentials.create_or_update("lifetime", "workload", "fic", fic)
    return identity.client_id, admin_client(aks, "lifetime", "aks")


def exchange(endpoints: Endpoints, client_id: str, token: str, token_file: Path) -> str:
    """A fresh credential each time: azure-identity would otherwise answer from its cache."""
    token_file.write_text(token)
    credential = WorkloadIdentityCredential(
        tenant_id=endpoints.tenant_id,
        client_id=client_id,
        token_file_path=str(token_file),
        authority=endpoints.authority,
        connection_verify=endpoints.ca_bundle,
    )
    return credential.get_token(ARM_SCOPE).token


def move_clock(endpoints: Endpoints, seconds: float) -> None:
    control_call(endpoints, "POST", "/clock", json={"advanceSeconds": seconds}).raise_for_status()


def stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def assert_outside_lifetime(endpoints: Endpoints, client_id: str, token: str, token_file: Path) -> None:
    claims = jwt.decode(token, options={"verify_signature": False})
    window = f"assertion valid from {stamp(claims['nbf'])}, expiry time of assertion {stamp(claims['exp'])}."
    with pytest.raises(ClientAuthenticationError) as refused:
        exchange(endpoints, client_id, token, token_file)
    message = str(refused.value.message)
    assert "AADSTS700024: Client assertion is not within its valid time range. Current time: " in message
    assert window in message


def test_an_assertion_past_its_expiry_is_refused(
    own_sandbox: Endpoints, federated: tuple[str, str], tmp_path: Path
) -> None:
    client_id, admin = federated
    token = service_account_token(admin, "default", "workload", [AUDIENCE])
    assert exchange(own_sandbox, client_id, token, tmp_path / "valid")
    claims = jwt.decode(token, options={"verify_signature": False})
    move_clock(own_sandbox, claims["exp"] - claims["iat"] + 1)
    assert_outside_lifetime(own_sandbox, client_id, token, tmp_path / "expired")


def test_an_assertion_before_its_start_is_refused(running: Running, federated: tuple[str, str], tmp_path: Path) -> None:
    client_id, admin = federated
    move_clock(running.endpoints, 7200)
    token = service_account_token(admin, "default", "workload", [AUDIENCE])  # nbf two hours from now
    running.restart()
    assert_outside_lifetime(running.endpoints, client_id, token, tmp_path / "early")
