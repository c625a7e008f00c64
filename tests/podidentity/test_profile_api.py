"""podIdentityProfile through azure-mgmt-containerservice (issue 4, acceptance 4 and 5).

Covers: the tutorial's three podIdentityProfile states compared field by field in the JSON the sandbox returns
(null on a fresh cluster; enabled with null members; one Assigned identity with its clientId, objectId,
resourceId, name and namespace); the refusals AKS gives: kubenet without allowNetworkPluginKubenet, the preview
feature not registered, identities on a cluster without the add-on, a nonexistent identity, a duplicate name,
an invalid name or namespace.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential

from podid.sandbox import Endpoints
from tests.podidentity.conftest import (
    FEATURE,
    LOCATION,
    Clients,
    add_identity,
    arm_get,
    cluster_body,
    enable,
    register_feature,
    update_profile,
)


@pytest.fixture
def group(clients: Clients, unique: str) -> str:
    clients.resources.resource_groups.create_or_update(unique, {"location": LOCATION})
    return unique


@pytest.fixture
def identity(clients: Clients, group: str) -> Any:
    return clients.msi.user_assigned_identities.create_or_update(group, "application-identity", {"location": LOCATION})


def profile_of(endpoints: Endpoints, credential: ClientSecretCredential, cluster_id: str) -> Any:
    return arm_get(endpoints, credential, cluster_id)["properties"].get("podIdentityProfile")


def test_the_tutorials_three_states(
    clients: Clients, endpoints: Endpoints, operator_credential: ClientSecretCredential, group: str, identity: Any
) -> None:
    register_feature(clients)
    cluster = clients.aks.managed_clusters.begin_create_or_update(group, "aks", cluster_body(group)).result()
    assert profile_of(endpoints, operator_credential, cluster.id) is None

    update_profile(clients, group, "aks", enable)
    assert profile_of(endpoints, operator_credential, cluster.id) == {
        "allowNetworkPluginKubenet": None,
        "enabled": True,
        "userAssignedIdentities": None,
        "userAssignedIdentityExceptions": None,
    }

    update_profile(clients, group, "aks", add_identity(identity, "my-app", "my-pod-identity"))
    assert profile_of(endpoints, operator_credential, cluster.id) == {
        "allowNetworkPluginKubenet": None,
        "enabled": True,
        "userAssignedIdentities": [
            {
                "bindingSelector": None,
                "identity": {
                    "clientId": identity.client_id,
                    "objectId": identity.principal_id,
                    "resourceId": identity.id,
                },
                "name": "my-pod-identity",
                "namespace": "my-app",
                "provisioningInfo": None,
                "provisioningState": "Assigned",
            }
        ],
        "userAssignedIdentityExceptions": None,
    }


def refused(action: Callable[[], Any]) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        action()
    assert caught.value.status_code == 400
    return caught.value


def test_kubenet_needs_the_consent_flag(clients: Clients, group: str) -> None:
    register_feature(clients)
    body = cluster_body(group, networkProfile={"networkPlugin": "kubenet"}, podIdentityProfile={"enabled": True})
    error = refused(lambda: clients.aks.managed_clusters.begin_create_or_update(group, "kubenet", body))
    assert error.error is not None
    assert error.error.message == "Network plugin kubenet is not supported to use with PodIdentity addon."
    allowed = {"enabled": True, "allowNetworkPluginKubenet": True}
    body["properties"]["podIdentityProfile"] = allowed
    cluster = clients.aks.managed_clusters.begin_create_or_update(group, "kubenet", body).result()
    assert cluster.pod_identity_profile.allow_network_plugin_kubenet is True


def test_enabling_before_the_feature_is_registered(clients: Clients, group: str) -> None:
    clients.features.features.unregister(*FEATURE)
    try:
        body = cluster_body(group, podIdentityProfile={"enabled": True})
        error = refused(lambda: clients.aks.managed_clusters.begin_create_or_update(group, "early", body))
        assert error.error is not None and error.error.code == "PodIdentityAddonFeatureFlagNotEnabled"
        assert error.error.message == (
            "PodIdentity addon is not allowed since feature 'Microsoft.ContainerService/EnablePodIdentityPreview' "
            "is not enabled."
        )
    finally:
        register_feature(clients)


def test_identity_refusals(clients: Clients, group: str, identity: Any) -> None:
    register_feature(clients)
    clients.aks.managed_clusters.begin_create_or_update(group, "aks", cluster_body(f"r{os.getpid()}")).result()

    def attempt(change: Callable[[dict[str, Any]], None]) -> str:
        error = refused(lambda: update_profile(clients, group, "aks", change))
        assert error.error is not None
        return str(error.error.message)

    def disabled(profile: dict[str, Any]) -> None:
        profile.update(enabled=False)
        add_identity(identity, "my-app", "my-pod-identity")(profile)

    assert "PodIdentity addon is not enabled" in attempt(disabled)
    update_profile(clients, group, "aks", enable)

    class Missing:
        id = identity.id + "-missing"
        client_id = principal_id = "00000000-0000-0000-0000-000000000000"

    assert attempt(add_identity(Missing, "my-app", "x")) == f"User assigned identity '{Missing.id}' was not found."
    assert attempt(add_identity(identity, "my-app", "Bad_Name")) == (
        "Name 'Bad_Name' is invalid. Please provide a valid and fully qualified DNS name."
    )
    assert "Namespace 'My_App' is invalid" in attempt(add_identity(identity, "My_App", "x"))

    def duplicate(profile: dict[str, Any]) -> None:
        add_identity(identity, "my-app", "twice")(profile)
        add_identity(identity, "my-app", "twice")(profile)

    assert "my-app/twice is duplicated" in attempt(duplicate)


def test_the_identity_lookup_ignores_case(clients: Clients, group: str, identity: Any) -> None:
    """aks-preview lower-cases the whole identity id before it reaches AKS."""
    register_feature(clients)
    body = cluster_body(f"c{os.getpid()}", podIdentityProfile={"enabled": True})
    clients.aks.managed_clusters.begin_create_or_update(group, "aks", body).result()

    class LowerCased:
        id = identity.id.lower()
        client_id, principal_id = identity.client_id, identity.principal_id

    cluster = update_profile(clients, group, "aks", add_identity(LowerCased, "my-app", "lower"))
    (entry,) = cluster.pod_identity_profile.user_assigned_identities
    assert entry.identity.resource_id == identity.id.lower() and entry.provisioning_state == "Assigned"
