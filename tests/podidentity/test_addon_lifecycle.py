"""The add-on as things come and go (issue 4, "In the cluster"; issue 13, managed mode).

Covers: `pod-identity add` attaches the identity to the scale set and creates its AzureIdentity and binding; a
bound pod gets the identity's token at once and no AzureAssignedIdentity is ever made (managed mode: no MIC);
removing the pod identity from the profile removes its AzureIdentity and binding and detaches the identity from
the scale set, while the kubelet identity stays, and the pod then gets NMI's 404; the add-on's own exception
exists in kube-system; objects a user created are left alone.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient

from podid.sandbox import Endpoints
from podid.sandbox.testing import pod_session
from tests.conftest import mgmt_client
from tests.podidentity.conftest import LOCATION, Clients, Cluster, add_identity, run_pod, update_profile

GROUP, VERSION = "aadpodidentity.k8s.io", "v1"
NAMESPACE = "lifecycle"


def attached(endpoints: Endpoints, credential: ClientSecretCredential, cluster: Cluster) -> set[str]:
    compute = mgmt_client(ComputeManagementClient, endpoints, credential)
    (vmss,) = compute.virtual_machine_scale_sets.list(cluster.node_group)
    return {key.lower() for key in (vmss.identity.user_assigned_identities or {})}


def custom(cluster: Cluster, plural: str, namespace: str) -> list[dict[str, Any]]:
    result = cluster.kubectl("get", plural, "-n", namespace, "-o", "json")
    assert result.returncode == 0, result.stderr
    items: list[dict[str, Any]] = json.loads(result.stdout)["items"]
    return items


def token(endpoints: Endpoints, ip: str) -> requests.Response:
    """A token request from the pod at ``ip``, as a pod's process makes it."""
    with pod_session(ip) as session:
        return session.get(
            endpoints.imds_url + "/metadata/identity/oauth2/token",
            params={"api-version": "2018-02-01", "resource": "https://management.azure.com/"},
            headers={"Metadata": "true"},
            timeout=10,
        )


@pytest.fixture
def identity(clients: Clients, addon_cluster: Cluster, unique: str) -> Any:
    return clients.msi.user_assigned_identities.create_or_update(addon_cluster.group, unique, {"location": LOCATION})


def test_the_identity_follows_the_profile_without_assignments(
    clients: Clients,
    addon_cluster: Cluster,
    identity: Any,
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    unique: str,
) -> None:
    user_made = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "AzurePodIdentityException",
        "metadata": {"name": "mine", "namespace": "kube-system"},
        "spec": {"podLabels": {"team": "platform"}},
    }
    addon_cluster.kubectl("apply", "-f", "-", stdin=json.dumps(user_made))
    update_profile(clients, addon_cluster.group, addon_cluster.name, add_identity(identity, NAMESPACE, unique))
    assert identity.id.lower() in attached(endpoints, operator_credential, addon_cluster)
    names = {item["metadata"]["name"] for item in custom(addon_cluster, "azureidentitybindings", NAMESPACE)}
    assert f"{unique}-binding" in names

    ip = run_pod(addon_cluster, NAMESPACE, "worker", {"aadpodidbinding": unique})
    assert token(endpoints, ip).status_code == 200
    assert custom(addon_cluster, "azureassignedidentities", NAMESPACE) == []
    listed = addon_cluster.kubectl("get", "azureassignedidentities", "-A")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "", "No resources found\n")

    def remove(profile: dict[str, Any]) -> None:
        profile["userAssignedIdentities"] = [
            item for item in profile["userAssignedIdentities"] if item["name"] != unique
        ]

    update_profile(clients, addon_cluster.group, addon_cluster.name, remove)
    assert all(item["metadata"]["name"] != unique for item in custom(addon_cluster, "azureidentities", NAMESPACE))
    assert all(
        item["metadata"]["name"] != f"{unique}-binding"
        for item in custom(addon_cluster, "azureidentitybindings", NAMESPACE)
    )
    still = attached(endpoints, operator_credential, addon_cluster)
    assert identity.id.lower() not in still
    assert addon_cluster.kubelet.resource_id.lower() in still
    gone = token(endpoints, ip)
    assert (gone.status_code, gone.text) == (404, "no azure identity found for request clientID \n")

    exceptions = {
        item["metadata"]["name"]: item for item in custom(addon_cluster, "azurepodidentityexceptions", "kube-system")
    }
    assert exceptions["aks-addon-exception"]["spec"] == {"podLabels": {"kubernetes.azure.com/managedby": "aks"}}
    assert exceptions["aks-addon-exception"]["metadata"]["labels"] == {"kubernetes.azure.com/managedby": "aks"}
    assert exceptions["mine"]["spec"] == {"podLabels": {"team": "platform"}}
