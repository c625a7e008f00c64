"""The node scale set of a cluster through azure-mgmt-compute, and its identity under RBAC.

Covers: the scale set AKS creates (name, capacity, zones, the kubelet identity attached) and its instances
(one per node, spread over the zones, with the scale set's identity); `virtualMachines` in the node resource
group is empty for a scale-set cluster (what the aad-pod-identity demo lists); identity PATCH semantics ({}
attaches, null detaches, others stay, type transitions, None); Virtual Machine Contributor may PATCH but
attaching an identity also needs Managed Identity Operator on it (403 LinkedAuthorizationFailed before);
Reader may read but not PATCH; the Python API the AKS add-on uses (attach, detach, list, linked authorization).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.compute.models import VirtualMachineScaleSet
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import Identity
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints, Sandbox
from podid.sandbox.arm.errors import ArmError
from tests.aks.conftest import LOCATION, Principal, Tutorial, cluster_body, grant
from tests.conftest import mgmt_client


def _lower_keys(mapping: dict[str, object] | None) -> set[str]:
    return {key.lower() for key in (mapping or {})}


def test_tutorial_scale_set(tutorial: Tutorial, compute: ComputeManagementClient) -> None:
    [vmss] = compute.virtual_machine_scale_sets.list(tutorial.cluster.node_resource_group)
    assert re.fullmatch(r"aks-nodepool1-\d{8}-vmss", vmss.name)
    assert vmss.id.split("/")[4] == tutorial.cluster.node_resource_group.upper()  # compute upper-cases groups
    assert (vmss.sku.name, vmss.sku.capacity, vmss.zones) == ("Standard_DS2_v2", 3, ["1", "2", "3"])
    assert vmss.location == LOCATION and vmss.orchestration_mode == "Uniform"
    kubelet = tutorial.cluster.identity_profile["kubeletidentity"]
    assert vmss.identity.type == "UserAssigned"
    assert _lower_keys(vmss.identity.user_assigned_identities) == {kubelet.resource_id.lower()}
    [attached] = vmss.identity.user_assigned_identities.values()
    assert (attached.client_id, attached.principal_id) == (kubelet.client_id, kubelet.object_id)


def test_instances_carry_the_scale_set_identity(tutorial: Tutorial, compute: ComputeManagementClient) -> None:
    group = tutorial.cluster.node_resource_group
    [vmss] = compute.virtual_machine_scale_sets.list(group)
    instances = list(compute.virtual_machine_scale_set_vms.list(group, vmss.name))
    assert [item.instance_id for item in instances] == ["0", "1", "2"]
    assert [item.zones for item in instances] == [["1"], ["2"], ["3"]]
    assert instances[0].os_profile.computer_name == f"{vmss.name}000000"
    kubelet = tutorial.cluster.identity_profile["kubeletidentity"].resource_id.lower()
    assert all(_lower_keys(item.identity.user_assigned_identities) == {kubelet} for item in instances)
    one = compute.virtual_machine_scale_set_vms.get(group, vmss.name, "2")
    assert one.name == f"{vmss.name}_2" and one.id.endswith(f"/virtualMachineScaleSets/{vmss.name}/virtualMachines/2")


def test_standalone_vm_list_is_empty(tutorial: Tutorial, compute: ComputeManagementClient) -> None:
    assert list(compute.virtual_machines.list(tutorial.cluster.node_resource_group)) == []
    with pytest.raises(ResourceNotFoundError) as raised:
        list(compute.virtual_machines.list("no-such-group"))
    assert raised.value.error.code == "ResourceGroupNotFound"


@pytest.fixture(scope="module")
def scale_set(
    aks: ContainerServiceClient, resources: ResourceManagementClient, compute: ComputeManagementClient
) -> Iterator[tuple[str, str]]:
    """(node resource group, scale set name) of a one-node cluster whose scale set these tests change."""
    group = "vmss-identity"
    resources.resource_groups.create_or_update(group, {"location": LOCATION})
    cluster = aks.managed_clusters.begin_create_or_update(group, "ids", cluster_body("ids", count=1)).result()
    [vmss] = compute.virtual_machine_scale_sets.list(cluster.node_resource_group)
    yield cluster.node_resource_group, vmss.name
    resources.resource_groups.begin_delete(group).result()


@pytest.fixture
def identity(msi: ManagedServiceIdentityClient, scale_set: tuple[str, str], unique: str) -> Identity:
    return msi.user_assigned_identities.create_or_update(scale_set[0], unique, {"location": LOCATION})


def _patch(
    client: ComputeManagementClient, scale_set: tuple[str, str], identity: dict[str, object]
) -> VirtualMachineScaleSet:
    return client.virtual_machine_scale_sets.begin_update(*scale_set, {"identity": identity}).result()


def test_patch_attaches_and_detaches(
    compute: ComputeManagementClient, scale_set: tuple[str, str], identity: Identity
) -> None:
    before = _lower_keys(compute.virtual_machine_scale_sets.get(*scale_set).identity.user_assigned_identities)
    attached = _patch(compute, scale_set, {"type": "UserAssigned", "userAssignedIdentities": {identity.id: {}}})
    assert _lower_keys(attached.identity.user_assigned_identities) == before | {identity.id.lower()}
    # MIC sends lower-cased ids and only the ones that change
    detached = _patch(
        compute, scale_set, {"type": "UserAssigned", "userAssignedIdentities": {identity.id.lower(): None}}
    )
    assert _lower_keys(detached.identity.user_assigned_identities) == before


def test_identity_type_transitions(compute: ComputeManagementClient, scale_set: tuple[str, str]) -> None:
    kubelet = _lower_keys(compute.virtual_machine_scale_sets.get(*scale_set).identity.user_assigned_identities)
    both = compute.virtual_machine_scale_sets.begin_update(
        *scale_set, {"identity": {"type": "SystemAssigned, UserAssigned"}}
    ).result()
    assert both.identity.type == "SystemAssigned, UserAssigned" and both.identity.principal_id
    assert _lower_keys(both.identity.user_assigned_identities) == kubelet
    user_only = _patch(compute, scale_set, {"type": "UserAssigned"})
    assert user_only.identity.type == "UserAssigned" and user_only.identity.principal_id is None
    none = _patch(compute, scale_set, {"type": "None"})
    assert none.identity.type == "None" and not none.identity.user_assigned_identities
    restored = _patch(
        compute, scale_set, {"type": "UserAssigned", "userAssignedIdentities": {key: {} for key in kubelet}}
    )
    assert _lower_keys(restored.identity.user_assigned_identities) == kubelet


def test_attaching_needs_managed_identity_operator(
    endpoints: Endpoints,
    authorization: AuthorizationManagementClient,
    principal: Callable[..., Principal],
    resources: ResourceManagementClient,
    scale_set: tuple[str, str],
    identity: Identity,
) -> None:
    node_group = resources.resource_groups.get(scale_set[0]).id
    contributor = principal(("Virtual Machine Contributor", node_group))
    client = mgmt_client(ComputeManagementClient, endpoints, contributor.credential)
    attach = {"type": "UserAssigned", "userAssignedIdentities": {identity.id: {}}}
    with pytest.raises(HttpResponseError) as raised:
        _patch(client, scale_set, attach)
    assert (raised.value.status_code, raised.value.error.code) == (403, "LinkedAuthorizationFailed")
    assert (
        f"'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on the linked scope(s) '{identity.id}'"
        in (raised.value.error.message)
    )
    grant(authorization, endpoints, "Managed Identity Operator", identity.id, contributor.object_id)
    attached = _patch(client, scale_set, attach)
    assert identity.id.lower() in _lower_keys(attached.identity.user_assigned_identities)
    detached = _patch(client, scale_set, {"type": "UserAssigned", "userAssignedIdentities": {identity.id: None}})
    assert identity.id.lower() not in _lower_keys(detached.identity.user_assigned_identities)


def test_reader_reads_but_cannot_patch(
    endpoints: Endpoints,
    principal: Callable[..., Principal],
    resources: ResourceManagementClient,
    scale_set: tuple[str, str],
) -> None:
    reader = principal(("Reader", resources.resource_groups.get(scale_set[0]).id))
    client = mgmt_client(ComputeManagementClient, endpoints, reader.credential)
    assert client.virtual_machine_scale_sets.get(*scale_set).name == scale_set[1]
    assert len(list(client.virtual_machine_scale_set_vms.list(*scale_set))) == 1
    assert list(client.virtual_machines.list(scale_set[0])) == []
    with pytest.raises(HttpResponseError) as raised:
        _patch(client, scale_set, {"type": "None"})
    assert (raised.value.status_code, raised.value.error.code) == (403, "AuthorizationFailed")
    assert "'Microsoft.Compute/virtualMachineScaleSets/write'" in raised.value.error.message


def test_identity_api_for_pod_identity(
    sandbox: Sandbox,
    compute: ComputeManagementClient,
    principal: Callable[..., Principal],
    scale_set: tuple[str, str],
    identity: Identity,
) -> None:
    """`cloud.compute.vmss_assign_identities` / `vmss_identities`, as the AKS add-on calls them."""
    assert sandbox.cloud is not None
    api = sandbox.cloud.compute
    vmss_id = compute.virtual_machine_scale_sets.get(*scale_set).id.lower()  # node providerIDs are lower-cased
    before = {key.lower() for key in api.vmss_identities(vmss_id)}
    outsider = principal()
    with pytest.raises(ArmError) as raised:
        api.vmss_assign_identities(vmss_id, [identity.id], [], acting_principal=outsider.object_id)
    assert raised.value.code == "LinkedAuthorizationFailed"
    api.vmss_assign_identities(vmss_id, [identity.id.lower(), identity.id], [])
    assert {key.lower() for key in api.vmss_identities(vmss_id)} == before | {identity.id.lower()}
    seen = compute.virtual_machine_scale_sets.get(*scale_set).identity.user_assigned_identities
    assert seen[identity.id].client_id == identity.client_id  # stored under the identity's own id
    api.vmss_assign_identities(vmss_id, [], [identity.id.upper()])
    assert {key.lower() for key in api.vmss_identities(vmss_id)} == before
