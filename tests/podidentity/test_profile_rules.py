"""podIdentityProfile rules (pure): the tutorial's three states, every refusal AKS gives, names, limits, states.

Covers: null when never enabled; enabling gives enabled with null members; adding an identity gives it
Assigned with clientId/objectId from the identity resource; absent profile keeps the stored one; kubenet
without allowNetworkPluginKubenet; the preview feature; clusters without managed identity; identities when
disabled; invalid name and namespace; nonexistent identity (lookups are case-insensitive); duplicates;
exceptions without podLabels; the 200/200 limits; names generated for ""; Updating for new or changed
identities until the operation completes.
"""

from __future__ import annotations

from typing import Any

import pytest

from podid.sandbox.arm.errors import BadRequest
from podid.sandbox.podidentity.controller import assigned, with_states
from podid.sandbox.podidentity.profile import (
    ClusterFacts,
    IdentityRef,
    PodIdentityFeatureNotEnabled,
    normalize_profile,
)

IDENTITY_ID = (
    "/subscriptions/s1/resourcegroups/myIdentityResourceGroup/providers/Microsoft.ManagedIdentity"
    "/userAssignedIdentities/application-identity"
)
KNOWN = {IDENTITY_ID.lower(): IdentityRef(IDENTITY_ID, "client-1111", "object-2222")}


def facts(plugin: str = "azure", *, registered: bool = True, managed: bool = True) -> ClusterFacts:
    return ClusterFacts(plugin, managed, lambda: registered, lambda rid: KNOWN.get(rid.lower()))


def identity(
    name: str = "my-pod-identity", namespace: str = "my-app", resource_id: str = IDENTITY_ID
) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "identity": {"resourceId": resource_id, "clientId": "", "objectId": ""},
    }


ENABLED = {
    "allowNetworkPluginKubenet": None,
    "enabled": True,
    "userAssignedIdentities": None,
    "userAssignedIdentityExceptions": None,
}


def test_never_enabled_stays_null() -> None:
    assert normalize_profile(None, None, facts()) is None


def test_enabling_gives_the_tutorials_second_state() -> None:
    requested = {"enabled": True, "userAssignedIdentities": [], "userAssignedIdentityExceptions": []}
    assert normalize_profile(None, requested, facts()) == ENABLED


def test_adding_an_identity_gives_the_tutorials_third_state() -> None:
    requested = {**ENABLED, "userAssignedIdentities": [identity()]}
    profile = normalize_profile(ENABLED, requested, facts())
    assert profile == {
        "allowNetworkPluginKubenet": None,
        "enabled": True,
        "userAssignedIdentities": [
            {
                "bindingSelector": None,
                "identity": {"clientId": "client-1111", "objectId": "object-2222", "resourceId": IDENTITY_ID},
                "name": "my-pod-identity",
                "namespace": "my-app",
                "provisioningInfo": None,
                "provisioningState": "Assigned",
            }
        ],
        "userAssignedIdentityExceptions": None,
    }


def test_absent_profile_keeps_the_stored_one() -> None:
    assert normalize_profile(ENABLED, None, facts(registered=False)) == ENABLED


def test_disabling_drops_members() -> None:
    assert normalize_profile(ENABLED, {"enabled": False}, facts()) == {**ENABLED, "enabled": False}


@pytest.mark.parametrize(
    ("requested", "the_facts", "message"),
    [
        ({"enabled": True}, facts("kubenet"), "Network plugin kubenet is not supported to use with PodIdentity addon."),
        (
            {"enabled": True, "allowNetworkPluginKubenet": False},
            facts("kubenet"),
            "Network plugin kubenet is not supported",
        ),
        ({"enabled": True}, facts(managed=False), "PodIdentity addon requires managed identity."),
        ({"enabled": False, "userAssignedIdentities": [identity()]}, facts(), "PodIdentity addon is not enabled"),
        (
            {"enabled": True, "userAssignedIdentities": [identity("Datastore-Pod-Identity")]},
            facts(),
            "Name 'Datastore-Pod-Identity' is invalid. Please provide a valid and fully qualified DNS name.",
        ),
        (
            {"enabled": True, "userAssignedIdentities": [identity(namespace="My_App")]},
            facts(),
            "Namespace 'My_App' is invalid",
        ),
        ({"enabled": True, "userAssignedIdentities": [identity(namespace="")]}, facts(), "is required"),
        (
            {"enabled": True, "userAssignedIdentities": [identity(resource_id=IDENTITY_ID + "x")]},
            facts(),
            "was not found",
        ),
        (
            {"enabled": True, "userAssignedIdentities": [identity(), identity()]},
            facts(),
            "my-app/my-pod-identity is duplicated",
        ),
        ({"enabled": True, "userAssignedIdentityExceptions": [{"name": "e", "namespace": "ns"}]}, facts(), "podLabels"),
        (
            {"enabled": True, "userAssignedIdentityExceptions": [{"name": "E!", "namespace": "ns", "podLabels": {}}]},
            facts(),
            "Name 'E!' is invalid",
        ),
    ],
)
def test_refusals(requested: dict[str, Any], the_facts: ClusterFacts, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        normalize_profile(None, requested, the_facts)
    assert caught.value.status == 400
    assert message in caught.value.message


def test_kubenet_is_allowed_with_the_consent_flag() -> None:
    profile = normalize_profile(None, {"enabled": True, "allowNetworkPluginKubenet": True}, facts("kubenet"))
    assert profile is not None and profile["allowNetworkPluginKubenet"] is True


def test_enabling_needs_the_preview_feature() -> None:
    with pytest.raises(PodIdentityFeatureNotEnabled) as caught:
        normalize_profile(None, {"enabled": True}, facts(registered=False))
    assert caught.value.code == "PodIdentityAddonFeatureFlagNotEnabled"
    assert caught.value.message == (
        "PodIdentity addon is not allowed since feature 'Microsoft.ContainerService/EnablePodIdentityPreview' "
        "is not enabled."
    )


def test_changing_an_enabled_profile_needs_the_feature_but_resending_it_does_not() -> None:
    with pytest.raises(PodIdentityFeatureNotEnabled):
        normalize_profile(ENABLED, {**ENABLED, "userAssignedIdentities": [identity()]}, facts(registered=False))
    assert normalize_profile(ENABLED, dict(ENABLED), facts(registered=False)) == ENABLED


def test_identity_lookup_ignores_case_and_keeps_the_sent_id() -> None:
    sent = IDENTITY_ID.lower()
    profile = normalize_profile(
        None, {"enabled": True, "userAssignedIdentities": [identity(resource_id=sent)]}, facts()
    )
    assert profile is not None
    assert profile["userAssignedIdentities"][0]["identity"]["resourceId"] == sent


def test_binding_selector_is_kept() -> None:
    item = {**identity(), "bindingSelector": "web-sel"}
    profile = normalize_profile(None, {"enabled": True, "userAssignedIdentities": [item]}, facts())
    assert profile is not None and profile["userAssignedIdentities"][0]["bindingSelector"] == "web-sel"


def test_empty_names_are_generated_unique_per_namespace() -> None:
    items = [identity(name=""), identity(name=""), identity(name="", namespace="other")]
    profile = normalize_profile(None, {"enabled": True, "userAssignedIdentities": items}, facts())
    assert profile is not None
    names = [(item["namespace"], item["name"]) for item in profile["userAssignedIdentities"]]
    assert names == [
        ("my-app", "application-identity"),
        ("my-app", "application-identity-2"),
        ("other", "application-identity"),
    ]


def test_limits_are_200_identities_and_200_exceptions() -> None:
    identities = [identity(name=f"id{i}") for i in range(201)]
    with pytest.raises(BadRequest, match="exceeds the limit of 200"):
        normalize_profile(None, {"enabled": True, "userAssignedIdentities": identities}, facts())
    exceptions = [{"name": f"e{i}", "namespace": "ns", "podLabels": {"a": "b"}} for i in range(201)]
    with pytest.raises(BadRequest, match="exceeds the limit of 200"):
        normalize_profile(None, {"enabled": True, "userAssignedIdentityExceptions": exceptions}, facts())
    assert normalize_profile(None, {"enabled": True, "userAssignedIdentities": identities[:200]}, facts())


def test_new_and_changed_identities_are_updating_until_assigned() -> None:
    stored = normalize_profile(None, {"enabled": True, "userAssignedIdentities": [identity()]}, facts())
    again = normalize_profile(stored, {"enabled": True, "userAssignedIdentities": [identity()]}, facts())
    assert with_states(stored, again) == stored  # unchanged: keeps Assigned
    changed = {**identity(), "bindingSelector": "other"}
    profile = with_states(
        stored,
        normalize_profile(stored, {"enabled": True, "userAssignedIdentities": [changed, identity("b")]}, facts()),
    )
    assert profile is not None
    assert [item["provisioningState"] for item in profile["userAssignedIdentities"]] == ["Updating", "Updating"]
    assert [item["provisioningState"] for item in assigned(profile)["userAssignedIdentities"]] == [
        "Assigned",
        "Assigned",
    ]
