"""SDK models → the JSON az prints: flattened camelCase attributes (both SDK model generations), every declared
attribute present, and `resourceGroup` added to objects whose id is inside a resource group (not to groups)."""

from __future__ import annotations

from azure.mgmt.containerservice import models as aks
from azure.mgmt.msi.models import Identity
from azure.mgmt.resource.resources.models import ResourceGroup

from podid.provision.shape import az_json

SUB = "/subscriptions/11111111-2222-3333-4444-555555555555"


def test_msrest_model_is_flattened_and_gets_its_resource_group() -> None:
    identity = Identity.deserialize(
        {
            "id": f"{SUB}/resourcegroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1",
            "name": "id1",
            "location": "westus2",
            "properties": {"clientId": "c", "principalId": "p", "tenantId": "t"},
        }
    )
    shown = az_json(identity)
    assert shown["clientId"] == "c" and shown["principalId"] == "p" and shown["tenantId"] == "t"
    assert shown["resourceGroup"] == "rg1"
    assert "properties" not in shown and shown["tags"] is None


def test_typespec_model_is_flattened_with_nulls_for_unset_attributes() -> None:
    cluster = aks.ManagedCluster(
        {
            "id": f"{SUB}/resourcegroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1",
            "location": "x",
            "properties": {"podIdentityProfile": {"enabled": True}},
        }
    )
    shown = az_json(cluster)
    assert shown["podIdentityProfile"] == {
        "allowNetworkPluginKubenet": None,
        "enabled": True,
        "userAssignedIdentities": None,
        "userAssignedIdentityExceptions": None,
    }
    assert shown["nodeResourceGroup"] is None and shown["resourceGroup"] == "rg1"


def test_a_resource_group_has_no_resource_group_key() -> None:
    shown = az_json(ResourceGroup({"id": f"{SUB}/resourceGroups/rg1", "name": "rg1", "location": "x"}))
    assert "resourceGroup" not in shown
    assert shown["properties"] is None
