"""The add-on and MIC as things come and go (issue 4, "In the cluster").

Covers: a bound pod gets its AzureAssignedIdentity (name, label, finalizer, Created → Assigned) and the identity
is on the scale set; deleting the pod removes the assignment; removing the pod identity from the profile removes
its AzureIdentity and binding and detaches the identity from the scale set, while the kubelet identity stays;
the add-on's own exception exists in kube-system; objects a user created are left alone.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient

from podid.sandbox import Endpoints
from tests.conftest import mgmt_client
from tests.podidentity.conftest import LOCATION, Clients, Cluster, add_identity, run_pod, update_profile, wait_for

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


@pytest.fixture
def identity(clients: Clients, addon_cluster: Cluster, unique: str) -> Any:
    return clients.msi.user_assigned_identities.create_or_update(addon_cluster.group, unique, {"location": LOCATION})


def test_assignment_follows_the_pod_and_the_profile(
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

    run_pod(addon_cluster, NAMESPACE, "worker", {"aadpodidbinding": unique})
    name = f"worker-{NAMESPACE}-{unique}"

    def assigned() -> dict[str, Any] | None:
        found = [
            item
            for item in custom(addon_cluster, "azureassignedidentities", NAMESPACE)
            if item["metadata"]["name"] == name
        ]
        return found[0] if found and found[0]["status"]["status"] == "Assigned" else None

    assignment = wait_for(assigned, "the assignment")
    assert assignment["metadata"]["labels"] == {"nodename": assignment["spec"]["nodename"]}
    assert assignment["metadata"]["finalizers"] == ["azureassignedidentity.finalizers.aadpodidentity.k8s.io"]
    assert assignment["spec"]["azureIdentityRef"]["spec"]["clientID"] == identity.client_id
    assert assignment["spec"]["azureBindingRef"]["metadata"]["name"] == f"{unique}-binding"

    addon_cluster.core.delete_namespaced_pod("worker", NAMESPACE, grace_period_seconds=0)
    wait_for(
        lambda: all(
            item["metadata"]["name"] != name for item in custom(addon_cluster, "azureassignedidentities", NAMESPACE)
        ),
        "the assignment to go",
    )

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

    exceptions = {
        item["metadata"]["name"]: item for item in custom(addon_cluster, "azurepodidentityexceptions", "kube-system")
    }
    assert exceptions["aks-addon-exception"]["spec"] == {"podLabels": {"kubernetes.azure.com/managedby": "aks"}}
    assert exceptions["aks-addon-exception"]["metadata"]["labels"] == {"kubernetes.azure.com/managedby": "aks"}
    assert exceptions["mine"]["spec"] == {"podLabels": {"team": "platform"}}
