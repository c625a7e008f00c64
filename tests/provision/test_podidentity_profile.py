"""aks-preview's client-side pod identity logic: rebuilding podIdentityProfile (exception labels back-filled,
the kubenet consent rule and its message, disabling drops everything), the add-on check's message, the cluster
identity it grants Managed Identity Operator to, and how `up` decides that an entry is stale."""

from __future__ import annotations

import pytest
from azure.mgmt.containerservice import models as aks
from azure.mgmt.msi.models import Identity

from podid.provision import podidentity
from podid.provision.errors import BadRequest
from podid.provision.steps.podidentities import entry_diff

IDENTITY_ID = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"


def cluster(plugin: str = "azure", profile: dict[str, object] | None = None) -> aks.ManagedCluster:
    properties: dict[str, object] = {"networkProfile": {"networkPlugin": plugin}}
    if profile is not None:
        properties["podIdentityProfile"] = profile
    return aks.ManagedCluster(
        {"location": "westus2", "identity": {"type": "SystemAssigned", "principalId": "cp"}, "properties": properties}
    )


def test_enabling_builds_the_profile_and_back_fills_exception_labels() -> None:
    target = cluster()
    exception = aks.ManagedClusterPodIdentityException(name="e", namespace="ns", pod_labels={})
    exception.pod_labels = None  # type: ignore[assignment]
    podidentity.set_profile(target, True, [], [exception])
    profile = target.pod_identity_profile
    assert profile is not None and profile.enabled is True
    assert profile.user_assigned_identities == [] and profile.user_assigned_identity_exceptions[0].pod_labels == {}


def test_kubenet_needs_consent_and_records_it() -> None:
    with pytest.raises(BadRequest, match="--enable-pod-identity-with-kubenet is required"):
        podidentity.set_profile(cluster("kubenet"), True)
    consented = cluster("kubenet")
    podidentity.set_profile(consented, True, kubenet_consent=True)
    assert consented.pod_identity_profile.allow_network_plugin_kubenet is True
    remembered = cluster("kubenet", {"enabled": True, "allowNetworkPluginKubenet": True})
    podidentity.set_profile(remembered, True)  # the earlier consent is reused
    assert remembered.pod_identity_profile.enabled is True


def test_disabling_drops_identities_and_exceptions() -> None:
    target = cluster(profile={"enabled": True, "userAssignedIdentities": [{"name": "x", "namespace": "y"}]})
    podidentity.set_profile(target, False)
    assert target.pod_identity_profile.as_dict() == {"enabled": False}


def test_adding_to_a_cluster_without_the_addon_is_refused_with_aks_previews_message() -> None:
    with pytest.raises(podidentity.NotEnabled, match='To enable, run "az aks update --enable-pod-identity'):
        podidentity.require_enabled(cluster(profile={"enabled": False}))


def test_the_cluster_identity_is_the_control_plane_one() -> None:
    assert podidentity.cluster_principal(cluster()) == "cp"
    user_assigned = aks.ManagedCluster(
        {
            "location": "x",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {IDENTITY_ID: {"principalId": "ua"}}},
        }
    )
    assert podidentity.cluster_principal(user_assigned) == "ua"
    with pytest.raises(BadRequest, match="unsupported identity type: None"):
        podidentity.cluster_principal(aks.ManagedCluster({"location": "x", "identity": {"type": "None"}}))


def test_entry_diff_compares_the_bound_identity_ignoring_id_case() -> None:
    identity = Identity.deserialize({"id": IDENTITY_ID, "properties": {"clientId": "c", "principalId": "o"}})
    good = aks.ManagedClusterPodIdentity(
        {
            "name": "n",
            "namespace": "ns",
            "identity": {"resourceId": IDENTITY_ID.upper(), "clientId": "c", "objectId": "o"},
            "provisioningState": "Assigned",
        }
    )
    assert entry_diff(good, identity) == []
    stale = aks.ManagedClusterPodIdentity(
        {
            "name": "n",
            "namespace": "ns",
            "identity": {"resourceId": IDENTITY_ID, "clientId": "old", "objectId": "o"},
            "provisioningState": "Failed",
        }
    )
    assert entry_diff(stale, identity) == ["identity.clientId: old → c", "provisioningState: Failed → Assigned"]
    assert entry_diff(None, identity) == ["(absent) → present"]
