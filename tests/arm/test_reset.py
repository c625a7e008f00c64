"""``POST /_sandbox/reset`` takes a sandbox back to its state after bootstrap, for test isolation.

Covers: a resource group with an identity and a cluster in it, role assignments at the subscription and in the
group, a custom role, an app registration with its service principal and secret, a registered preview feature;
after the reset none of them is there (through azure-mgmt-* and Graph), the app's secret signs in no more, the
store holds exactly what it held after bootstrap, the operator still works, and the same names can be made again.
Reset is the owner's alone: 401 without the control token. The test runs its own sandbox (others share one).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.features import FeatureClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from podid.sandbox.testing import (
    ARM_SCOPE,
    ServicePrincipalLogin,
    control_call,
    credential_for,
    graph_call,
    mgmt_client,
    operator_credential_for,
    reset,
    service_principal_maker,
    start_sandbox,
)
from tests.aks.conftest import LOCATION, cluster_body

GROUP, IDENTITY, CLUSTER, APP, ROLE_NAME = "reset-rg", "reset-id", "reset-aks", "reset-app", "Reset Reader"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
ASSIGNMENT, GROUP_ASSIGNMENT, CUSTOM_ROLE = (str(uuid.uuid4()) for _ in range(3))
FEATURE = ("Microsoft.ContainerService", "EnablePodIdentityPreview")


@dataclass(frozen=True)
class Operator:
    endpoints: Endpoints
    credential: ClientSecretCredential
    groups: ResourceManagementClient
    identities: ManagedServiceIdentityClient
    auth: AuthorizationManagementClient
    aks: ContainerServiceClient
    features: FeatureClient

    @property
    def subscription(self) -> str:
        return f"/subscriptions/{self.endpoints.subscription_id}"

    def graph(self, method: str, path: str, **kwargs: Any) -> Any:
        response = graph_call(self.endpoints, self.credential, method, path, **kwargs)
        assert response.status_code in (200, 201), response.text
        return response.json()


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    sandbox, endpoints = start_sandbox(Path(tmp_path_factory.mktemp("reset")))
    credential = operator_credential_for(endpoints)
    try:
        yield Operator(
            endpoints,
            credential,
            mgmt_client(ResourceManagementClient, endpoints, credential),
            mgmt_client(ManagedServiceIdentityClient, endpoints, credential),
            mgmt_client(AuthorizationManagementClient, endpoints, credential),
            mgmt_client(ContainerServiceClient, endpoints, credential),
            mgmt_client(FeatureClient, endpoints, credential),
        )
    finally:
        sandbox.stop()


def store_kinds(endpoints: Endpoints) -> dict[str, int]:
    response = control_call(endpoints, "GET", "/state")
    assert response.status_code == 200, response.text
    return dict(response.json()["kinds"])


def build(operator: Operator) -> ServicePrincipalLogin:
    """Everything reset must take away; the app's login."""
    operator.groups.resource_groups.create_or_update(GROUP, {"location": LOCATION})
    identity = operator.identities.user_assigned_identities.create_or_update(GROUP, IDENTITY, {"location": LOCATION})
    operator.aks.managed_clusters.begin_create_or_update(GROUP, CLUSTER, cluster_body("reset", count=1)).result()
    login = service_principal_maker(operator.endpoints, operator.credential)(APP)
    role = operator.auth.role_definitions.create_or_update(operator.subscription, CUSTOM_ROLE, custom_role(operator))
    assign(operator, operator.subscription, ASSIGNMENT, role.id, login.object_id)
    group_scope = f"{operator.subscription}/resourceGroups/{GROUP}"
    assign(operator, group_scope, GROUP_ASSIGNMENT, definition(operator, READER), identity.principal_id)
    operator.features.features.register(*FEATURE)
    return login


def custom_role(operator: Operator) -> dict[str, Any]:
    return {
        "role_name": ROLE_NAME,
        "description": "Read everything",
        "role_type": "CustomRole",
        "permissions": [{"actions": ["*/read"]}],
        "assignable_scopes": [operator.subscription],
    }


def definition(operator: Operator, guid: str) -> str:
    return f"{operator.subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def assign(operator: Operator, scope: str, name: str, role_id: str, principal: str) -> None:
    body = {"role_definition_id": role_id, "principal_id": principal, "principal_type": "ServicePrincipal"}
    operator.auth.role_assignments.create(scope, name, body)


def test_reset_needs_the_control_token(operator: Operator) -> None:
    response = control_call(operator.endpoints, "POST", "/reset", headers={"Authorization": None})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"


def test_reset_leaves_what_bootstrap_made(operator: Operator) -> None:
    bootstrapped = store_kinds(operator.endpoints)
    login = build(operator)
    assert store_kinds(operator.endpoints) != bootstrapped

    removed = reset(operator.endpoints)

    assert removed == {
        "resourceGroups": 2,  # the cluster's node resource group goes with it
        "roleAssignments": 1,  # the group's went with the group
        "roleDefinitions": 1,
        "servicePrincipals": 1,  # the identities' went with their groups
        "applications": 1,
    }
    assert store_kinds(operator.endpoints) == bootstrapped
    assert list(operator.groups.resource_groups.list()) == []
    with pytest.raises(ResourceNotFoundError) as gone:
        operator.identities.user_assigned_identities.get(GROUP, IDENTITY)
    assert gone.value.error.code == "ResourceGroupNotFound"
    assert list(operator.aks.managed_clusters.list()) == []
    assignments = list(operator.auth.role_assignments.list_for_subscription())
    assert [(item.principal_id, item.role_definition_id) for item in assignments] == [
        (operator.endpoints.operator.object_id, definition(operator, OWNER))
    ]
    customs = operator.auth.role_definitions.list(operator.subscription, filter="type eq 'CustomRole'")
    assert list(customs) == []
    assert [app["appId"] for app in operator.graph("GET", "/applications")["value"]] == [
        operator.endpoints.operator.client_id
    ]
    assert operator.features.features.get(*FEATURE).properties.state == "NotRegistered"
    with pytest.raises(ClientAuthenticationError, match="AADSTS700016"):
        credential_for(operator.endpoints, login.app_id, login.secret).get_token(ARM_SCOPE)


def test_the_same_names_can_be_made_again_after_a_reset(operator: Operator) -> None:
    build(operator)
    reset(operator.endpoints)

    login = build(operator)

    app = operator.graph("GET", f"/servicePrincipals/{login.object_id}")
    assert app["displayName"] == APP
    assert operator.groups.resource_groups.get(GROUP).name == GROUP
    assert operator.auth.role_assignments.get(operator.subscription, ASSIGNMENT).principal_id == login.object_id
    assert operator.auth.role_definitions.get(operator.subscription, CUSTOM_ROLE).role_name == ROLE_NAME
    assert credential_for(operator.endpoints, login.app_id, login.secret).get_token(ARM_SCOPE).token
    reset(operator.endpoints)
