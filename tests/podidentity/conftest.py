"""Fixtures for the pod identity tests: SDK clients, a cluster with the add-on, and acting as a pod.

Everything goes through real clients: azure-mgmt-* for ARM, kubectl and the kubernetes client for the cluster,
azure-identity's ManagedIdentityCredential for NMI. Acting "as a pod" means what a pod's process does: its
connections leave from the pod's IP (``PODID_POD_IP``, as the sandbox kubelet sets it), so NMI sees the pod.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential, ManagedIdentityCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.features import FeatureClient
from azure.mgmt.resource.resources import ResourceManagementClient
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.sandbox import Endpoints
from podid.sandbox.testing import eventually as wait_for
from podid.sandbox.testing import pod_transport
from tests.conftest import control_call, mgmt_client

LOCATION = "westus2"
FEATURE = ("Microsoft.ContainerService", "EnablePodIdentityPreview")
ROLES = {
    "Virtual Machine Contributor": "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
    "DNS Zone Contributor": "befefa01-2a29-4197-83a8-272ff33ce314",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
}
DEMO_IMAGE = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"


@dataclass(frozen=True)
class Clients:
    aks: ContainerServiceClient
    msi: ManagedServiceIdentityClient
    resources: ResourceManagementClient
    authorization: AuthorizationManagementClient
    features: FeatureClient
    dns: DnsManagementClient


def make_clients(endpoints: Endpoints, credential: ClientSecretCredential) -> Clients:
    """The SDK clients, with managed-cluster operations completing after one poll."""
    control_call(endpoints, "PUT", "/settings", json={"lroPolls": {"managedClusters": 1}}).raise_for_status()

    def make(client_class: Any) -> Any:
        return mgmt_client(client_class, endpoints, credential)

    return Clients(
        make(ContainerServiceClient),
        make(ManagedServiceIdentityClient),
        make(ResourceManagementClient),
        make(AuthorizationManagementClient),
        make(FeatureClient),
        make(DnsManagementClient),
    )


@pytest.fixture(scope="session")
def clients(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> Clients:
    return make_clients(endpoints, operator_credential)


def register_feature(clients: Clients) -> None:
    """`az feature register` then `az feature show` (the sandbox settles the registration on that read)."""
    clients.features.features.register(*FEATURE)
    assert clients.features.features.get(*FEATURE).properties.state == "Registered"


def cluster_body(prefix: str, **props: Any) -> dict[str, Any]:
    pool = {"name": "nodepool1", "count": 1, "vmSize": "Standard_DS2_v2", "mode": "System", "osType": "Linux"}
    properties = {"dnsPrefix": prefix, "agentPoolProfiles": [pool], "networkProfile": {"networkPlugin": "azure"}}
    return {"location": LOCATION, "identity": {"type": "SystemAssigned"}, "properties": {**properties, **props}}


def arm_get(endpoints: Endpoints, credential: ClientSecretCredential, resource_id: str) -> dict[str, Any]:
    """A raw GET, to compare the JSON the sandbox returns field by field."""
    token = credential.get_token("https://management.azure.com/.default").token
    response = requests.get(
        f"{endpoints.arm_url.rstrip('/')}{resource_id}",
        params={"api-version": "2025-10-01"},
        headers={"Authorization": f"Bearer {token}"},
        verify=endpoints.ca_bundle,
        timeout=30,
    )
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def grant(clients: Clients, endpoints: Endpoints, role: str, scope: str, principal_id: str) -> None:
    definition = f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
    clients.authorization.role_assignments.create(
        scope,
        str(uuid.uuid4()),
        {
            "role_definition_id": definition + ROLES[role],
            "principal_id": principal_id,
            "principal_type": "ServicePrincipal",
        },
    )


def update_profile(clients: Clients, group: str, name: str, change: Callable[[dict[str, Any]], None]) -> Any:
    """What aks-preview does: GET the cluster, change podIdentityProfile, PUT the whole object, wait."""
    cluster = clients.aks.managed_clusters.get(group, name).as_dict()
    profile = cluster["properties"].get("podIdentityProfile") or {}
    change(profile)
    cluster["properties"]["podIdentityProfile"] = profile
    return clients.aks.managed_clusters.begin_create_or_update(group, name, cluster).result()


def enable(profile: dict[str, Any]) -> None:
    """`az aks update --enable-pod-identity` (aks-preview sends empty lists)."""
    profile.update(enabled=True, userAssignedIdentities=[], userAssignedIdentityExceptions=[])


def add_identity(
    identity: Any, namespace: str, name: str, selector: str | None = None
) -> Callable[[dict[str, Any]], None]:
    """`az aks pod-identity add`'s change to the profile."""

    def change(profile: dict[str, Any]) -> None:
        entry: dict[str, Any] = {
            "name": name,
            "namespace": namespace,
            "identity": {"resourceId": identity.id, "clientId": identity.client_id, "objectId": identity.principal_id},
        }
        if selector:
            entry["bindingSelector"] = selector
        profile["userAssignedIdentities"] = [*(profile.get("userAssignedIdentities") or []), entry]

    return change


def add_exception(namespace: str, name: str, labels: dict[str, str]) -> Callable[[dict[str, Any]], None]:
    """`az aks pod-identity exception add`'s change to the profile."""

    def change(profile: dict[str, Any]) -> None:
        entry = {"name": name, "namespace": namespace, "podLabels": labels}
        profile["userAssignedIdentityExceptions"] = [*(profile.get("userAssignedIdentityExceptions") or []), entry]

    return change


@dataclass(frozen=True)
class Cluster:
    """A sandbox AKS cluster and the clients a user has for it."""

    group: str
    name: str
    node_group: str
    kubelet: Any  # identityProfile.kubeletidentity: resource_id, client_id, object_id
    kubeconfig: Path
    core: k8s.CoreV1Api

    def kubectl(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["kubectl", "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def create_cluster(clients: Clients, group: str, name: str, directory: Path, **props: Any) -> Cluster:
    """A one-node cluster (`az aks create`), opened as `open_cluster` does."""
    clients.resources.resource_groups.create_or_update(group, {"location": LOCATION})
    body = cluster_body(f"{name}{os.getpid()}", **props)
    clients.aks.managed_clusters.begin_create_or_update(group, name, body).result()
    return open_cluster(clients, group, name, directory)


def open_cluster(clients: Clients, group: str, name: str, directory: Path) -> Cluster:
    """An existing cluster with its clients (`az aks show` + `az aks get-credentials --admin`)."""
    cluster = clients.aks.managed_clusters.get(group, name)
    kubeconfig = directory / f"{group}-{name}.kubeconfig"
    credentials = clients.aks.managed_clusters.list_cluster_admin_credentials(group, name)
    kubeconfig.write_bytes(credentials.kubeconfigs[0].value)
    core = k8s.CoreV1Api(k8s_config.new_client_from_config(str(kubeconfig)))
    kubelet = cluster.identity_profile["kubeletidentity"]
    return Cluster(group, name, cluster.node_resource_group, kubelet, kubeconfig, core)


@pytest.fixture(scope="session")
def addon_cluster(clients: Clients, tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    """A one-node cluster with the pod identity add-on enabled (identities are added by the tests)."""
    register_feature(clients)
    directory = tmp_path_factory.mktemp("kube")
    return create_cluster(clients, f"podid-pi-{os.getpid()}", "aks", directory, podIdentityProfile={"enabled": True})


def pod_ip(cluster: Cluster, namespace: str, name: str) -> str:
    def running() -> str | None:
        pod = cluster.core.read_namespaced_pod(name, namespace)
        return pod.status.pod_ip if pod.status.phase == "Running" else None

    ip: str = wait_for(running, f"pod {namespace}/{name} to run")
    return ip


def run_pod(cluster: Cluster, namespace: str, name: str, labels: dict[str, str], image: str = "busybox:1.36") -> str:
    """A pod that runs nothing (an image with no built-in workload); returns its IP once Running."""
    if not any(item.metadata.name == namespace for item in cluster.core.list_namespace().items):
        cluster.core.create_namespace({"metadata": {"name": namespace}})
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "main", "image": image}]},
    }
    cluster.core.create_namespaced_pod(namespace, manifest)
    return pod_ip(cluster, namespace, name)


@contextmanager
def as_pod(ip: str, endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make this process's Azure connections leave from a pod's IP, towards the sandbox's metadata endpoint."""
    with monkeypatch.context() as patch:
        patch.setenv("PODID_POD_IP", ip)
        patch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", endpoints.imds_url)
        patch.setenv("REQUESTS_CA_BUNDLE", endpoints.ca_bundle)
        yield


def pod_credential(client_id: str | None = None, **options: Any) -> ManagedIdentityCredential:
    """ManagedIdentityCredential as a pod builds it (use inside ``as_pod``); ``options`` are its pipeline's."""
    return ManagedIdentityCredential(
        client_id=client_id, transport=pod_transport(os.environ["PODID_POD_IP"]), **options
    )


def pod_dns_client(endpoints: Endpoints, credential: Any) -> DnsManagementClient:
    return mgmt_client(
        DnsManagementClient,
        endpoints,
        credential,
        transport=pod_transport(os.environ["PODID_POD_IP"], endpoints.ca_bundle),
    )
