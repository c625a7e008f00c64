"""An assertion is accepted only within its lifetime, checked on a sandbox of its own whose clock is moved.

Covers: a TokenRequest token is exchanged while valid; once the sandbox clock passes its ``exp``, and again
when the clock is before its ``nbf``, Entra answers AADSTS700024 with the current time and the assertion's
validity window, and issues no token.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import WorkloadIdentityCredential
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import FederatedIdentityCredential
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.aks.conftest import LOCATION, lro_polls
from tests.conftest import ARM_SCOPE, credential_for, mgmt_client, start_sandbox
from tests.workloadidentity.conftest import AUDIENCE, admin_client, service_account_token, wi_cluster_body

SUBJECT = "system:serviceaccount:default:workload"


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """A sandbox only this module uses: moving its clock disturbs no other test."""
    sandbox, endpoints = start_sandbox(tmp_path_factory.mktemp("lifetime"))
    yield endpoints
    sandbox.stop()


@pytest.fixture(scope="module")
def federated(own_sandbox: Endpoints) -> tuple[str, str]:
    """(client id of an identity federated with the account `default/workload`, a token for that account)."""
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
    token = service_account_token(admin_client(aks, "lifetime", "aks"), "default", "workload", [AUDIENCE])
    return identity.client_id, token


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
    response = requests.post(
        endpoints.arm_url + "_sandbox/clock", json={"advanceSeconds": seconds}, verify=endpoints.ca_bundle, timeout=10
    )
    response.raise_for_status()


def stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def test_an_assertion_outside_its_lifetime_is_refused(
    own_sandbox: Endpoints, federated: tuple[str, str], tmp_path: Path
) -> None:
    client_id, token = federated
    claims = jwt.decode(token, options={"verify_signature": False})
    window = f"assertion valid from {stamp(claims['nbf'])}, expiry time of assertion {stamp(claims['exp'])}."
    assert exchange(own_sandbox, client_id, token, tmp_path / "t0")

    for offset in (claims["exp"] - claims["iat"] + 1, -7200):  # past exp, then before nbf
        move_clock(own_sandbox, offset)
        with pytest.raises(ClientAuthenticationError) as refused:
            exchange(own_sandbox, client_id, token, tmp_path / f"t{offset}")
        message = str(refused.value.message)
        assert "AADSTS700024: Client assertion is not within its valid time range. Current time: " in message
        assert window in message
