"""Fixtures for workload identity: a cluster with the OIDC issuer and workload identity enabled, its
Kubernetes client, service-account tokens from the TokenRequest API, and identities with federated credentials.

Everything is made through the real clients (azure-mgmt-*, kubernetes); the cluster is created once per test
process and only read by tests, which make their own namespaces, accounts and identities.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from azure.identity import WorkloadIdentityCredential
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import FederatedIdentityCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.sandbox import Endpoints
from tests.aks import conftest as aks_fixtures
from tests.aks.conftest import LOCATION, cluster_body

# The AKS tests' clients, their one-poll LROs and `group`, for this directory too.
aks, authorization, msi = aks_fixtures.aks, aks_fixtures.authorization, aks_fixtures.msi
resources, fast_lro, group = aks_fixtures.resources, aks_fixtures.fast_lro, aks_fixtures.group

AUDIENCE = "api://AzureADTokenExchange"


@dataclass(frozen=True)
class WiCluster:
    id: str
    group: str
    name: str
    issuer: str  # oidcIssuerProfile.issuerURL, with its trailing slash
    api: k8s.ApiClient


def admin_client(aks: ContainerServiceClient, group: str, name: str) -> k8s.ApiClient:
    [entry] = aks.managed_clusters.list_cluster_admin_credentials(group, name).kubeconfigs
    return k8s_config.new_client_from_config_dict(yaml.safe_load(entry.value))


def wi_cluster_body(dns_prefix: str, *, workload_identity: bool = True) -> dict[str, Any]:
    return cluster_body(
        dns_prefix,
        count=1,
        zones=(),
        oidcIssuerProfile={"enabled": True},
        securityProfile={"workloadIdentity": {"enabled": workload_identity}},
    )


@pytest.fixture(scope="session")
def wi_cluster(aks: ContainerServiceClient, resources: ResourceManagementClient) -> WiCluster:
    group, name = f"wi{os.getpid()}", "wiCluster"
    resources.resource_groups.create_or_update(group, {"location": LOCATION})
    cluster = aks.managed_clusters.begin_create_or_update(group, name, wi_cluster_body(f"wi-{os.getpid()}")).result()
    issuer = cluster.oidc_issuer_profile.issuer_url
    return WiCluster(cluster.id, group, name, issuer, admin_client(aks, group, name))


@pytest.fixture
def namespace(wi_cluster: WiCluster, unique: str) -> str:
    k8s.CoreV1Api(wi_cluster.api).create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=unique)))
    return unique


def service_account_token(
    api: k8s.ApiClient, namespace: str, account: str, audiences: list[str], seconds: int = 3600
) -> str:
    """A token from the TokenRequest API (``kubectl create token``), creating the account if needed."""
    core = k8s.CoreV1Api(api)
    names = {item.metadata.name for item in core.list_namespaced_service_account(namespace).items}
    if account not in names:
        core.create_namespaced_service_account(namespace, k8s.V1ServiceAccount(metadata=k8s.V1ObjectMeta(name=account)))
    spec = k8s.V1TokenRequestSpec(audiences=audiences, expiration_seconds=seconds)
    body = k8s.AuthenticationV1TokenRequest(spec=spec)
    request = core.create_namespaced_service_account_token(account, namespace, body)
    return str(request.status.token)


@dataclass(frozen=True)
class FederatedIdentity:
    id: str
    client_id: str
    principal_id: str


@pytest.fixture
def federated_identity(
    msi: ManagedServiceIdentityClient, wi_cluster: WiCluster, unique: str
) -> Callable[..., FederatedIdentity]:
    """``federated_identity(subject, issuer=cluster issuer, audience=AUDIENCE)``: a new identity with one FIC."""
    count = iter(range(100))

    def make(subject: str, issuer: str | None = None, audience: str = AUDIENCE) -> FederatedIdentity:
        name = f"{unique}-id{next(count)}"
        identity = msi.user_assigned_identities.create_or_update(wi_cluster.group, name, {"location": LOCATION})
        credential = FederatedIdentityCredential(
            issuer=issuer or wi_cluster.issuer, subject=subject, audiences=[audience]
        )
        msi.federated_identity_credentials.create_or_update(wi_cluster.group, name, "fic", credential)
        return FederatedIdentity(identity.id, identity.client_id, identity.principal_id)

    return make


@pytest.fixture
def workload_credential(
    endpoints: Endpoints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, str], WorkloadIdentityCredential]:
    """``workload_credential(client_id, assertion)``: azure-identity's credential as a mutated pod has it."""
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", endpoints.authority)
    count = iter(range(100))

    def make(client_id: str, assertion: str) -> WorkloadIdentityCredential:
        token_file = tmp_path / f"azure-identity-token-{next(count)}"
        token_file.write_text(assertion)
        return WorkloadIdentityCredential(
            tenant_id=endpoints.tenant_id,
            client_id=client_id,
            token_file_path=str(token_file),
            connection_verify=endpoints.ca_bundle,
        )

    return make
