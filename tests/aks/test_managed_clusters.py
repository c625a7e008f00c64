"""Managed clusters through azure-mgmt-containerservice: the tutorial's cluster and its lifecycle.

Covers: the create LRO and the resulting shape (system-assigned identity, node resource group managed by the
cluster, kubelet identity as a real user-assigned identity, agent pool, network defaults per plugin, fqdn,
versions, power state); list by group and subscription; an update that resends the GET object (server-owned
values kept, the scale set scaled); OIDC issuer and workload identity; delete (LRO, node resource group and
kubelet identity gone, 204 when absent) and resource-group delete.
"""

from __future__ import annotations

import re

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.aks.conftest import LOCATION, Tutorial, cluster_body, lro_polls

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_tutorial_cluster_shape(tutorial: Tutorial, endpoints: Endpoints) -> None:
    cluster = tutorial.cluster
    assert cluster.id == (
        f"/subscriptions/{endpoints.subscription_id}/resourcegroups/{tutorial.group}"
        f"/providers/Microsoft.ContainerService/managedClusters/{tutorial.name}"
    )
    assert cluster.type == "Microsoft.ContainerService/ManagedClusters"
    assert cluster.provisioning_state == "Succeeded"
    assert cluster.power_state.code == "Running"
    assert cluster.identity.type == "SystemAssigned"
    assert GUID.match(cluster.identity.principal_id) and cluster.identity.tenant_id == endpoints.tenant_id
    assert cluster.node_resource_group == f"MC_{tutorial.group}_{tutorial.name}_{LOCATION}"
    assert re.fullmatch(rf"myaks-\d+-[0-9a-f]{{8}}\.hcp\.{LOCATION}\.azmk8s\.io", cluster.fqdn)
    assert cluster.azure_portal_fqdn == cluster.fqdn.replace(".hcp.", ".portal.hcp.")
    assert cluster.kubernetes_version == cluster.current_kubernetes_version
    assert cluster.service_principal_profile.client_id == "msi"
    [pool] = cluster.agent_pool_profiles
    assert (pool.name, pool.count, pool.type, pool.mode) == ("nodepool1", 3, "VirtualMachineScaleSets", "System")
    assert pool.availability_zones == ["1", "2", "3"] and pool.provisioning_state == "Succeeded"
    assert cluster.oidc_issuer_profile.enabled is False and cluster.oidc_issuer_profile.issuer_url is None


def test_kubelet_identity_is_a_user_assigned_identity_in_the_node_group(
    tutorial: Tutorial, msi: ManagedServiceIdentityClient, resources: ResourceManagementClient
) -> None:
    kubelet = tutorial.cluster.identity_profile["kubeletidentity"]
    node_group = tutorial.cluster.node_resource_group
    identity = msi.user_assigned_identities.get(node_group, f"{tutorial.name}-agentpool")
    assert kubelet.resource_id.lower() == identity.id.lower()
    assert (kubelet.client_id, kubelet.object_id) == (identity.client_id, identity.principal_id)
    group = resources.resource_groups.get(node_group)
    assert group.managed_by == tutorial.cluster.id and group.location == LOCATION


def test_network_profile_defaults(tutorial: Tutorial) -> None:
    network = tutorial.cluster.network_profile
    assert (network.network_plugin, network.network_plugin_mode, network.pod_cidr) == (
        "azure",
        "overlay",
        "10.244.0.0/16",
    )
    assert (network.service_cidr, network.dns_service_ip) == ("10.0.0.0/16", "10.0.0.10")
    assert (network.load_balancer_sku, network.outbound_type) == ("standard", "loadBalancer")


def test_kubenet_cluster_gets_a_pod_cidr(aks: ContainerServiceClient, group: str) -> None:
    body = cluster_body("kubenet", count=1, zones=(), networkProfile={"networkPlugin": "kubenet"})
    cluster = aks.managed_clusters.begin_create_or_update(group, "kubenet", body).result()
    assert cluster.network_profile.network_plugin == "kubenet"
    assert cluster.network_profile.pod_cidr == "10.244.0.0/16"
    assert cluster.agent_pool_profiles[0].max_pods == 110


def test_list_by_group_and_subscription(tutorial: Tutorial, aks: ContainerServiceClient) -> None:
    assert [item.name for item in aks.managed_clusters.list_by_resource_group(tutorial.group)] == [tutorial.name]
    assert tutorial.cluster.id in [item.id for item in aks.managed_clusters.list()]


def test_update_resends_the_get_object(
    aks: ContainerServiceClient, compute: ComputeManagementClient, group: str
) -> None:
    created = aks.managed_clusters.begin_create_or_update(group, "scaled", cluster_body("scaled", count=2)).result()
    fetched = aks.managed_clusters.get(group, "scaled")
    fetched.agent_pool_profiles[0].count = 4
    fetched.tags = {"env": "test"}
    updated = aks.managed_clusters.begin_create_or_update(group, "scaled", fetched).result()
    assert updated.tags == {"env": "test"} and updated.agent_pool_profiles[0].count == 4
    assert (updated.fqdn, updated.identity.principal_id) == (created.fqdn, created.identity.principal_id)
    assert (
        updated.identity_profile["kubeletidentity"].client_id == created.identity_profile["kubeletidentity"].client_id
    )
    [vmss] = compute.virtual_machine_scale_sets.list(created.node_resource_group)
    assert vmss.sku.capacity == 4
    tagged = aks.managed_clusters.begin_update_tags(group, "scaled", {"tags": {"env": "prod"}}).result()
    assert tagged.tags == {"env": "prod"} and tagged.fqdn == created.fqdn


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"properties": {"dnsPrefix": "other"}}, "PropertyChangeNotAllowed"),
        ({"properties": {"nodeResourceGroup": "MC_elsewhere"}}, "PropertyChangeNotAllowed"),
        ({"location": "eastus"}, "InvalidResourceLocation"),
    ],
)
def test_immutable_values_cannot_change(
    tutorial: Tutorial, aks: ContainerServiceClient, change: dict[str, object], code: str
) -> None:
    body = aks.managed_clusters.get(tutorial.group, tutorial.name).as_dict()
    for key, value in change.items():
        if isinstance(value, dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    with pytest.raises(HttpResponseError) as raised:
        aks.managed_clusters.begin_create_or_update(tutorial.group, tutorial.name, body)
    assert (raised.value.status_code, raised.value.error.code) == (400, code)


def test_oidc_issuer_and_workload_identity(aks: ContainerServiceClient, endpoints: Endpoints, group: str) -> None:
    body = cluster_body(
        "oidc", count=1, oidcIssuerProfile={"enabled": True}, securityProfile={"workloadIdentity": {"enabled": True}}
    )
    cluster = aks.managed_clusters.begin_create_or_update(group, "oidc", body).result()
    issuer = cluster.oidc_issuer_profile.issuer_url
    assert issuer.startswith(f"https://{LOCATION}.oic.prod-aks.azure.com/{endpoints.tenant_id}/") and issuer.endswith(
        "/"
    )
    assert cluster.security_profile.workload_identity.enabled is True
    fetched = aks.managed_clusters.get(group, "oidc")
    fetched.oidc_issuer_profile.enabled = False
    with pytest.raises(HttpResponseError) as raised:
        aks.managed_clusters.begin_create_or_update(group, "oidc", fetched)
    assert (raised.value.status_code, raised.value.error.code) == (400, "InvalidParameter")


def test_delete_removes_the_node_resource_group(
    aks: ContainerServiceClient, resources: ResourceManagementClient, msi: ManagedServiceIdentityClient, group: str
) -> None:
    cluster = aks.managed_clusters.begin_create_or_update(group, "doomed", cluster_body("doomed", count=1)).result()
    aks.managed_clusters.begin_delete(group, "doomed").result()
    with pytest.raises(ResourceNotFoundError) as raised:
        aks.managed_clusters.get(group, "doomed")
    assert raised.value.error.code == "ResourceNotFound" and "was not found" in raised.value.error.message
    assert resources.resource_groups.check_existence(cluster.node_resource_group) is False
    assert not any(
        identity.name == "doomed-agentpool" for identity in msi.user_assigned_identities.list_by_subscription()
    )
    aks.managed_clusters.begin_delete(group, "doomed").result()  # absent: 204, still a success


def test_resource_group_delete_takes_the_cluster_and_its_node_group(
    aks: ContainerServiceClient, resources: ResourceManagementClient, group: str
) -> None:
    cluster = aks.managed_clusters.begin_create_or_update(group, "grouped", cluster_body("grouped", count=1)).result()
    resources.resource_groups.begin_delete(group).result()
    assert resources.resource_groups.check_existence(cluster.node_resource_group) is False
    assert cluster.id not in [item.id for item in aks.managed_clusters.list()]


def test_operation_in_progress_refuses_another_and_gets_converge(
    aks: ContainerServiceClient, endpoints: Endpoints, group: str
) -> None:
    lro_polls(endpoints, 3)
    try:
        aks.managed_clusters.begin_create_or_update(group, "busy", cluster_body("busy", count=1), polling=False)
        with pytest.raises(HttpResponseError) as raised:
            aks.managed_clusters.begin_create_or_update(group, "busy", cluster_body("busy", count=2), polling=False)
        assert (raised.value.status_code, raised.value.error.code) == (409, "OperationNotAllowed")
        assert re.fullmatch(
            r"Operation is not allowed because there's an in progress create managed cluster operation \(operation "
            r"ID: [0-9a-f-]{36}\) on the managed cluster started on UTC \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\. Please wait "
            r"for it to finish before starting a new operation\. You can also use 'az aks operation-abort \.\.\.' to "
            r"abort the ongoing operation\.",
            raised.value.error.message,
        )
        states = [aks.managed_clusters.get(group, "busy").provisioning_state for _ in range(3)]
        assert states == ["Creating", "Creating", "Succeeded"]
    finally:
        lro_polls(endpoints, 1)
