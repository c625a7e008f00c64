"""Custom roles cannot carry rights past the scopes their writer administers, through azure-mgmt-authorization.

Covers: a User Access Administrator of group A cannot create, or take over by GUID, a role assignable at the
subscription (403 AuthorizationFailed naming the subscription), nor delete a role also assignable at group B,
yet creates, assigns and deletes a role assignable only at A; assigning a role outside its assignableScopes
is refused with 400 RoleAssignmentScopeNotAssignableToRoleDefinition and grants nothing; narrowing a role past
one of its assignments is refused (RoleScopeBeingRemovedContainsAssignments); built-in roles cannot be
modified; scopes with empty, `.` or `..` segments are refused in assignableScopes, in roleDefinitionId and in
the URL (400 InvalidScope).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.conftest import ARM_SCOPE, ServicePrincipalLogin, credential_for, mgmt_client

USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
WRITE = "Microsoft.Authorization/roleDefinitions/write"
DELETE = "Microsoft.Authorization/roleDefinitions/delete"
IDENTITY_WRITE = "Microsoft.ManagedIdentity/userAssignedIdentities/write"


@dataclass(frozen=True)
class Groups:
    subscription: str
    a: str  # the group the administrator administers
    a_id: str
    b: str
    b_id: str


@dataclass(frozen=True)
class Principal:
    login: ServicePrincipalLogin
    auth: AuthorizationManagementClient
    msi: ManagedServiceIdentityClient


@pytest.fixture(scope="module")
def operator(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> AuthorizationManagementClient:
    return mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)


@pytest.fixture(scope="module")
def groups(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> Groups:
    resources = mgmt_client(ResourceManagementClient, endpoints, operator_credential)
    suffix = uuid.uuid4().hex[:8]
    a, b = f"esc-a-{suffix}", f"esc-b-{suffix}"
    ids = [str(resources.resource_groups.create_or_update(name, {"location": "westus2"}).id) for name in (a, b)]
    return Groups(f"/subscriptions/{endpoints.subscription_id}", a, ids[0], b, ids[1])


@pytest.fixture(scope="module")
def signed_in(
    endpoints: Endpoints, make_service_principal: Callable[[str], ServicePrincipalLogin]
) -> Callable[[str], Principal]:
    def make(name: str) -> Principal:
        login = make_service_principal(name)
        credential = credential_for(endpoints, login.app_id, login.secret)
        return Principal(
            login,
            mgmt_client(AuthorizationManagementClient, endpoints, credential),
            mgmt_client(ManagedServiceIdentityClient, endpoints, credential),
        )

    return make


@pytest.fixture(scope="module")
def admin(operator: AuthorizationManagementClient, groups: Groups, signed_in: Callable[[str], Principal]) -> Principal:
    """A User Access Administrator of group A only."""
    principal = signed_in("uaa-of-a")
    operator.role_assignments.create(
        groups.a_id, str(uuid.uuid4()), grant(groups, USER_ACCESS_ADMINISTRATOR, principal)
    )
    return principal


def definition_id(groups: Groups, guid: str) -> str:
    return f"{groups.subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def grant(groups: Groups, role_guid: str, principal: Principal) -> dict[str, str]:
    return {
        "role_definition_id": definition_id(groups, role_guid),
        "principal_id": principal.login.object_id,
        "principal_type": "ServicePrincipal",
    }


def custom_role(*scopes: str, actions: tuple[str, ...] = ("*",)) -> dict[str, Any]:
    return {
        "role_name": f"custom {uuid.uuid4()}",
        "description": "escalation probe",
        "role_type": "CustomRole",
        "permissions": [{"actions": list(actions)}],
        "assignable_scopes": list(scopes),
    }


def refused(action: Callable[[], object], status: int, code: str, message: str) -> None:
    with pytest.raises(HttpResponseError) as raised:
        action()
    assert (raised.value.status_code, raised.value.error.code) == (status, code)
    assert raised.value.error.message == message


def forbidden(action: Callable[[], object], who: Principal, verb: str, scope: str) -> None:
    oid = who.login.object_id
    refused(
        action,
        403,
        "AuthorizationFailed",
        f"The client '{oid}' with object id '{oid}' does not have authorization to perform action '{verb}' over "
        f"scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
    )


def absent(operator: AuthorizationManagementClient, groups: Groups, guid: str) -> None:
    refused(
        lambda: operator.role_definitions.get(groups.subscription, guid),
        404,
        "RoleDefinitionDoesNotExist",
        f"The specified role definition with ID '{guid.replace('-', '')}' does not exist.",
    )


@pytest.fixture
def operator_role(operator: AuthorizationManagementClient) -> Iterator[Callable[..., str]]:
    """Custom roles the operator (Owner of the subscription) creates, deleted afterwards."""
    made: list[tuple[str, str]] = []

    def make(*scopes: str, actions: tuple[str, ...] = ("*",)) -> str:
        guid = str(uuid.uuid4())
        operator.role_definitions.create_or_update(scopes[0], guid, custom_role(*scopes, actions=actions))
        made.append((scopes[0], guid))
        return guid

    yield make
    for scope, guid in made:
        for assignment in operator.role_assignments.list_for_subscription():
            if assignment.role_definition_id.endswith(guid):
                operator.role_assignments.delete_by_id(assignment.id)
        operator.role_definitions.delete(scope, guid)


def test_admin_of_a_group_cannot_create_a_role_assignable_at_the_subscription(
    admin: Principal, operator: AuthorizationManagementClient, groups: Groups
) -> None:
    for scopes in ([groups.a_id, groups.subscription], [groups.subscription]):
        guid = str(uuid.uuid4())
        forbidden(
            lambda: admin.auth.role_definitions.create_or_update(groups.a_id, guid, custom_role(*scopes)),  # noqa: B023
            admin,
            WRITE,
            groups.subscription,
        )
        absent(operator, groups, guid)
    guid = str(uuid.uuid4())
    forbidden(
        lambda: admin.auth.role_definitions.create_or_update(groups.a_id, guid, custom_role(groups.a_id, groups.b_id)),
        admin,
        WRITE,
        groups.b_id,
    )


def test_admin_creates_assigns_and_deletes_a_role_of_its_own_group(
    admin: Principal, groups: Groups, signed_in: Callable[[str], Principal]
) -> None:
    guid = str(uuid.uuid4())
    created = admin.auth.role_definitions.create_or_update(groups.a_id, guid, custom_role(groups.a_id))
    assert (created.name, created.assignable_scopes) == (guid, [groups.a_id])
    worker = signed_in("custom-role-holder")
    assignment = admin.auth.role_assignments.create(groups.a_id, str(uuid.uuid4()), grant(groups, guid, worker))
    assert assignment.scope == groups.a_id
    admin.auth.role_assignments.delete_by_id(assignment.id)
    assert admin.auth.role_definitions.delete(groups.a_id, guid).name == guid


def test_a_role_is_not_assignable_outside_its_assignable_scopes(
    operator: AuthorizationManagementClient,
    groups: Groups,
    operator_role: Callable[..., str],
    signed_in: Callable[[str], Principal],
) -> None:
    guid = operator_role(groups.a_id, actions=("Microsoft.ManagedIdentity/userAssignedIdentities/*",))
    worker = signed_in("assignable-at-a-only")
    role_name = operator.role_definitions.get(groups.a_id, guid).role_name
    for scope in (groups.b_id, groups.subscription):
        refused(
            lambda: operator.role_assignments.create(scope, str(uuid.uuid4()), grant(groups, guid, worker)),  # noqa: B023
            400,
            "RoleAssignmentScopeNotAssignableToRoleDefinition",
            f"The role {role_name} is not available for assignment at the requested scope.",
        )
    assert not list(
        operator.role_assignments.list_for_scope(groups.b_id, filter=f"assignedTo('{worker.login.object_id}')")
    )
    forbidden(
        lambda: worker.msi.user_assigned_identities.create_or_update(groups.b, "escaped", {"location": "westus2"}),
        worker,
        IDENTITY_WRITE,
        f"{groups.b_id}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/escaped",
    )
    operator.role_assignments.create(groups.a_id, str(uuid.uuid4()), grant(groups, guid, worker))
    made = worker.msi.user_assigned_identities.create_or_update(groups.a, "inside", {"location": "westus2"})
    assert made.name == "inside"


def test_admin_cannot_take_over_a_role_assignable_at_the_subscription(
    admin: Principal, operator: AuthorizationManagementClient, groups: Groups, operator_role: Callable[..., str]
) -> None:
    guid = operator_role(groups.subscription, actions=("*/read",))
    before = operator.role_definitions.get(groups.subscription, guid)
    forbidden(
        lambda: admin.auth.role_definitions.create_or_update(groups.a_id, guid, custom_role(groups.a_id)),
        admin,
        WRITE,
        groups.subscription,
    )
    after = operator.role_definitions.get(groups.subscription, guid)
    assert (after.role_name, after.assignable_scopes, after.permissions[0].actions) == (
        before.role_name,
        [groups.subscription],
        ["*/read"],
    )


def test_delete_needs_every_assignable_scope(
    admin: Principal, operator: AuthorizationManagementClient, groups: Groups, operator_role: Callable[..., str]
) -> None:
    guid = operator_role(groups.a_id, groups.b_id)
    forbidden(lambda: admin.auth.role_definitions.delete(groups.a_id, guid), admin, DELETE, groups.b_id)
    assert operator.role_definitions.get(groups.a_id, guid).name == guid


def test_narrowing_past_an_assignment_is_refused(
    operator: AuthorizationManagementClient,
    groups: Groups,
    operator_role: Callable[..., str],
    signed_in: Callable[[str], Principal],
) -> None:
    guid = operator_role(groups.a_id, groups.b_id)
    operator.role_assignments.create(groups.b_id, str(uuid.uuid4()), grant(groups, guid, signed_in("held-at-b")))
    body = custom_role(groups.a_id)
    body["role_name"] = operator.role_definitions.get(groups.a_id, guid).role_name
    refused(
        lambda: operator.role_definitions.create_or_update(groups.a_id, guid, body),
        400,
        "RoleScopeBeingRemovedContainsAssignments",
        f"Role assignments found under scope '{groups.b_id}' which is being removed. Removing this scope from the "
        "role will orphan these assignments. Delete these assignments before removing the scope.",
    )
    assert operator.role_definitions.get(groups.a_id, guid).assignable_scopes == [groups.a_id, groups.b_id]


def test_built_in_roles_cannot_be_modified(operator: AuthorizationManagementClient, groups: Groups) -> None:
    refused(
        lambda: operator.role_definitions.create_or_update(groups.a_id, READER, custom_role(groups.a_id)),
        400,
        "RoleDefinitionUpdateNotPermitted",
        "Built-in role definitions cannot be modified.",
    )
    refused(
        lambda: operator.role_definitions.delete(groups.a_id, READER),
        400,
        "RoleDefinitionUpdateNotPermitted",
        "Built-in role definitions cannot be modified.",
    )


def invalid_scope(scope: str) -> str:
    return f"Scope '{scope}' should not have any empty, '.' or '..' part."


def dotted(groups: Groups) -> list[str]:
    return [
        f"{groups.a_id}/../{groups.b}",
        f"{groups.a_id}/../../resourceGroups/{groups.b}",
        f"{groups.subscription}/./resourceGroups/{groups.a}",
        f"{groups.subscription}//resourceGroups/{groups.a}",
        f"{groups.a_id}/",
    ]


def test_assignable_scopes_with_dot_or_empty_segments_are_refused(
    operator: AuthorizationManagementClient, groups: Groups
) -> None:
    for scope in dotted(groups):
        guid = str(uuid.uuid4())
        refused(
            lambda: operator.role_definitions.create_or_update(groups.a_id, guid, custom_role(scope)),  # noqa: B023
            400,
            "InvalidScope",
            invalid_scope(scope),
        )
        absent(operator, groups, guid)


def test_role_definition_id_with_dot_segments_is_refused(
    operator: AuthorizationManagementClient, groups: Groups
) -> None:
    role_id = f"{groups.a_id}/../../providers/Microsoft.Authorization/roleDefinitions/{READER}"
    body = {"role_definition_id": role_id, "principal_id": str(uuid.uuid4())}
    refused(
        lambda: operator.role_assignments.create(groups.a_id, str(uuid.uuid4()), body),
        400,
        "InvalidRoleDefinitionId",
        f"The role definition ID '{role_id}' is not valid.",
    )


def arm_put(endpoints: Endpoints, credential: ClientSecretCredential, path: str, body: dict[str, Any]) -> Any:
    """A PUT whose path keeps its dot segments: the SDK's transport (urllib3) would resolve `..` and `.`
    before sending, so they travel percent-encoded, as any client may send them."""
    token = credential.get_token(ARM_SCOPE).token
    return requests.put(
        f"{endpoints.arm_url.rstrip('/')}{path}?api-version=2022-04-01",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        verify=endpoints.ca_bundle,
        timeout=30,
    )


def test_url_scopes_with_dot_segments_are_refused(
    endpoints: Endpoints, operator_credential: ClientSecretCredential, groups: Groups
) -> None:
    sneaky = f"{groups.a_id}/%2E%2E/%2E%2E/resourceGroups/{groups.b}"
    shown = f"{groups.a_id}/../../resourceGroups/{groups.b}"
    assignment = {"properties": {"roleDefinitionId": definition_id(groups, READER), "principalId": str(uuid.uuid4())}}
    role = {"properties": {"roleName": f"dotted {uuid.uuid4()}", "permissions": [], "assignableScopes": [groups.a_id]}}
    for kind, body in (("roleAssignments", assignment), ("roleDefinitions", role)):
        path = f"{sneaky}/providers/Microsoft.Authorization/{kind}/{uuid.uuid4()}"
        response = arm_put(endpoints, operator_credential, path, body)
        assert response.status_code == 400, response.text
        assert response.json() == {"error": {"code": "InvalidScope", "message": invalid_scope(shown)}}
