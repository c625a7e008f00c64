"""Fixtures for the AKS tests: SDK clients, the tutorial's cluster, and principals with chosen roles.

Long-running operations complete after one poll here (`PUT /_sandbox/settings`), so each create or delete
costs one `Retry-After: 1` wait. The tutorial's cluster is created once per session and only read by tests;
tests that change a cluster create their own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.containerservice.models import ManagedCluster
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints, Sandbox
from tests.conftest import control_call, credential_for, mgmt_client

LOCATION = "westus2"
ROLES = {
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Virtual Machine Contributor": "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
}


def lro_polls(endpoints: Endpoints, polls: int) -> None:
    """How many polls a managedClusters operation stays InProgress (the sandbox's control surface)."""
    response = control_call(endpoints, "PUT", "/settings", json={"lroPolls": {"managedClusters": polls}})
    response.raise_for_status()


@pytest.fixture(scope="session", autouse=True)
def fast_lro(endpoints: Endpoints) -> None:
    lro_polls(endpoints, 1)


def cluster_body(
    dns_prefix: str, *, count: int = 3, zones: tuple[str, ...] = ("1", "2", "3"), **props: Any
) -> dict[str, Any]:
    """What `az aks create --enable-managed-identity --vm-set-type VirtualMachineScaleSets --node-count N
    --zones 1 2 3 --load-balancer-sku standard` sends."""
    pool: dict[str, Any] = {
        "name": "nodepool1",
        "count": count,
        "vmSize": "Standard_DS2_v2",
        "mode": "System",
        "osType": "Linux",
        "type": "VirtualMachineScaleSets",
    }
    if zones:
        pool["availabilityZones"] = list(zones)
    properties = {
        "dnsPrefix": dns_prefix,
        "agentPoolProfiles": [pool],
        "networkProfile": {"loadBalancerSku": "standard"},
        **props,
    }
    return {"location": LOCATION, "identity": {"type": "SystemAssigned"}, "properties": properties}


@pytest.fixture(scope="session")
def aks(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> ContainerServiceClient:
    return mgmt_client(ContainerServiceClient, endpoints, operator_credential)


@pytest.fixture(scope="session")
def compute(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> ComputeManagementClient:
    return mgmt_client(ComputeManagementClient, endpoints, operator_credential)


@pytest.fixture(scope="session")
def resources(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> ResourceManagementClient:
    return mgmt_client(ResourceManagementClient, endpoints, operator_credential)


@pytest.fixture(scope="session")
def msi(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> ManagedServiceIdentityClient:
    return mgmt_client(ManagedServiceIdentityClient, endpoints, operator_credential)


@pytest.fixture(scope="session")
def authorization(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> AuthorizationManagementClient:
    return mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)


@dataclass(frozen=True)
class Tutorial:
    group: str
    name: str
    cluster: ManagedCluster


@pytest.fixture(scope="session")
def tutorial(aks: ContainerServiceClient, resources: ResourceManagementClient) -> Iterator[Tutorial]:
    """The tutorial's cluster (myResourceGroup/myAKSCluster, made unique per test process)."""
    group, name = f"myResourceGroup{os.getpid()}", "myAKSCluster"
    resources.resource_groups.create_or_update(group, {"location": LOCATION})
    cluster = aks.managed_clusters.begin_create_or_update(group, name, cluster_body(f"myaks-{os.getpid()}")).result()
    yield Tutorial(group, name, cluster)


@pytest.fixture
def group(resources: ResourceManagementClient, unique: str) -> str:
    resources.resource_groups.create_or_update(unique, {"location": LOCATION})
    return unique


@dataclass(frozen=True)
class Principal:
    object_id: str
    credential: ClientSecretCredential


@pytest.fixture
def principal(
    sandbox: Sandbox, endpoints: Endpoints, authorization: AuthorizationManagementClient, unique: str
) -> Callable[..., Principal]:
    """``principal(("Reader", scope), ...)``: a new service principal holding those roles."""

    def make(*grants: tuple[str, str]) -> Principal:
        assert sandbox.cloud is not None
        directory = sandbox.cloud.directory  # the tenant set-up only; everything else goes over the wire
        app = directory.create_application(f"{unique}-sp")
        sp = directory.create_service_principal(app)
        secret, _ = directory.add_password(app, "test")
        for role, scope in grants:
            grant(authorization, endpoints, role, scope, sp.object_id)
        return Principal(sp.object_id, credential_for(endpoints, app.app_id, secret))

    return make


def grant(
    authorization: AuthorizationManagementClient, endpoints: Endpoints, role: str, scope: str, object_id: str
) -> None:
    definition = f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
    authorization.role_assignments.create(
        scope,
        str(uuid.uuid4()),
        {
            "role_definition_id": definition + ROLES[role],
            "principal_id": object_id,
            "principal_type": "ServicePrincipal",
        },
    )
