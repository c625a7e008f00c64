"""Role definitions and role assignments through azure-mgmt-authorization.

Covers: built-in roles by `roleName eq` and `type eq` filters, get and get_by_id (with its `disambiguation_dummy`),
the canonical subscription-form definition id shared with assignments; custom roles (create, update answered 201 as
the spec's only response, list, name clash, delete refused while assigned); the tutorial's DNS Zone Contributor on a
resource scope and Virtual Machine Contributor on a group for an identity; Azure's exact JSON; 409
RoleAssignmentExists ("The role assignment already exists."), RoleAssignmentUpdateNotPermitted,
InvalidRoleDefinitionId, RoleDefinitionDoesNotExist, RoleAssignmentNotFound, ResourceGroupNotFound,
PrincipalNotFound for a principal outside the directory unless principalType is given (the lookup Azure then skips);
delete (200, then 204); get/delete by id; list at subscription, group, resource and any scope with atScope(),
assignedTo(), principalId eq and the rejected combination; `$skipToken` paging.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.conftest import ARM_SCOPE, ServicePrincipalLogin, mgmt_client

DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"
VM_CONTRIBUTOR = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


@pytest.fixture(scope="module")
def auth(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> AuthorizationManagementClient:
    return mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)


@pytest.fixture
def group_id(endpoints: Endpoints, operator_credential: ClientSecretCredential, unique: str) -> str:
    resources = mgmt_client(ResourceManagementClient, endpoints, operator_credential)
    return str(resources.resource_groups.create_or_update(unique, {"location": "westus2"}).id)


@pytest.fixture
def principal(make_service_principal: Callable[[str], ServicePrincipalLogin]) -> str:
    """A principal of the directory: Azure refuses assignments to unknown ones unless their type is given."""
    return make_service_principal("role-assignee").object_id


def definition(endpoints: Endpoints, guid: str) -> str:
    return f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def assign(auth: AuthorizationManagementClient, scope: str, role_id: str, principal: str, **extra: Any) -> Any:
    body = {"role_definition_id": role_id, "principal_id": principal, **extra}
    return auth.role_assignments.create(scope, str(uuid.uuid4()), body)


def test_builtin_role_by_name(auth: AuthorizationManagementClient, endpoints: Endpoints, group_id: str) -> None:
    [role] = auth.role_definitions.list(group_id, filter="roleName eq 'DNS Zone Contributor'")
    assert role.id == definition(endpoints, DNS_ZONE_CONTRIBUTOR)
    assert (role.name, role.type, role.role_type) == (
        DNS_ZONE_CONTRIBUTOR,
        "Microsoft.Authorization/roleDefinitions",
        "BuiltInRole",
    )
    assert "Microsoft.Network/dnsZones/*" in role.permissions[0].actions
    assert role.assignable_scopes == ["/"]
    by_id = auth.role_definitions.get_by_id(definition(endpoints, VM_CONTRIBUTOR))
    assert by_id.role_name == "Virtual Machine Contributor"
    assert auth.role_definitions.get(group_id, READER).role_name == "Reader"
    assert list(auth.role_definitions.list(group_id, filter="roleName eq 'No Such Role'")) == []
    builtins = list(auth.role_definitions.list(group_id, filter="type eq 'BuiltInRole'"))
    assert {"Owner", "Contributor", "Managed Identity Operator"} <= {item.role_name for item in builtins}


def test_unknown_role_definition(auth: AuthorizationManagementClient, group_id: str) -> None:
    with pytest.raises(ResourceNotFoundError) as raised:
        auth.role_definitions.get(group_id, "11111111-2222-3333-4444-555555555555")
    assert raised.value.error.code == "RoleDefinitionDoesNotExist"
    assert raised.value.error.message == (
        "The specified role definition with ID '11111111222233334444555555555555' does not exist."
    )


def test_custom_role(
    auth: AuthorizationManagementClient, endpoints: Endpoints, group_id: str, unique: str, principal: str
) -> None:
    guid = str(uuid.uuid4())
    body = {
        "role_name": f"DNS Reader {unique}",
        "description": "Read zones",
        "role_type": "CustomRole",
        "permissions": [{"actions": ["Microsoft.Network/dnsZones/read"]}],
        "assignable_scopes": [group_id],
    }
    created = auth.role_definitions.create_or_update(group_id, guid, body)
    assert (created.id, created.role_type) == (definition(endpoints, guid), "CustomRole")
    status = auth.role_definitions.create_or_update(
        group_id,
        guid,
        {**body, "description": "Read zones, again"},
        cls=lambda response, deserialized, headers: response.http_response.status_code,
    )
    assert status == 201  # an update too: CreateOrUpdate's only response in the spec
    assert auth.role_definitions.get(group_id, guid).description == "Read zones, again"
    customs = auth.role_definitions.list(group_id, filter="type eq 'CustomRole'")
    assert guid in [item.name for item in customs]
    with pytest.raises(ResourceExistsError) as clash:
        auth.role_definitions.create_or_update(group_id, str(uuid.uuid4()), body)
    assert clash.value.error.code == "RoleDefinitionWithSameNameExists"

    assignment = assign(auth, group_id, created.id, principal)
    with pytest.raises(ResourceExistsError) as in_use:
        auth.role_definitions.delete(group_id, guid)
    assert in_use.value.error.code == "RoleDefinitionHasAssignments"
    auth.role_assignments.delete_by_id(assignment.id)
    assert auth.role_definitions.delete(group_id, guid).name == guid
    with pytest.raises(ResourceNotFoundError):
        auth.role_definitions.get(group_id, guid)


def test_tutorial_assignments(
    auth: AuthorizationManagementClient,
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    group_id: str,
    unique: str,
) -> None:
    msi = mgmt_client(ManagedServiceIdentityClient, endpoints, operator_credential)
    identity = msi.user_assigned_identities.create_or_update(unique, "external-dns", {"location": "westus2"})
    [dns_role] = auth.role_definitions.list(identity.id, filter="roleName eq 'DNS Zone Contributor'")
    [vm_role] = auth.role_definitions.list(group_id, filter="roleName eq 'Virtual Machine Contributor'")

    on_scope = assign(auth, identity.id, dns_role.id, identity.principal_id, principal_type="ServicePrincipal")
    on_group = assign(auth, group_id, vm_role.id, identity.principal_id, principal_type="ServicePrincipal")

    assert on_scope.id == f"{identity.id}/providers/Microsoft.Authorization/roleAssignments/{on_scope.name}"
    assert (on_scope.scope, on_scope.role_definition_id) == (identity.id, dns_role.id)
    assert (on_group.scope, on_group.role_definition_id) == (group_id, vm_role.id)
    assert on_group.principal_type == "ServicePrincipal" and on_group.created_on is not None
    mine = auth.role_assignments.list_for_subscription(filter=f"principalId eq '{identity.principal_id}'")
    assert sorted(item.role_definition_id for item in mine) == sorted([dns_role.id, vm_role.id])


def test_assignment_wire_shape(
    endpoints: Endpoints, operator_credential: ClientSecretCredential, group_id: str, principal: str
) -> None:
    name = str(uuid.uuid4())
    scope = group_id.lower()  # clients such as aks-preview send lower-cased scopes and compare them
    response = requests.put(
        f"{endpoints.arm_url.rstrip('/')}{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        params={"api-version": "2022-04-01"},
        json={
            "properties": {
                "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                "principalId": principal,
            }
        },
        headers={"Authorization": f"Bearer {operator_credential.get_token(ARM_SCOPE).token}"},
        verify=endpoints.ca_bundle,
        timeout=30,
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["type"]) == (name, "Microsoft.Authorization/roleAssignments")
    properties = body["properties"]
    assert properties["roleDefinitionId"] == definition(endpoints, READER)
    assert (properties["principalId"], properties["principalType"], properties["scope"]) == (
        principal,
        "ServicePrincipal",
        scope,
    )
    assert properties["updatedBy"] == endpoints.operator.object_id
    assert set(properties) >= {"condition", "conditionVersion", "description", "createdOn", "updatedOn", "createdBy"}


def test_assignment_conflicts(
    auth: AuthorizationManagementClient, endpoints: Endpoints, group_id: str, principal: str
) -> None:
    first = assign(auth, group_id, definition(endpoints, READER), principal)
    with pytest.raises(ResourceExistsError) as exists:
        assign(auth, group_id, definition(endpoints, READER), principal)
    assert (exists.value.status_code, exists.value.error.code) == (409, "RoleAssignmentExists")
    assert exists.value.error.message == "The role assignment already exists."

    repeat = auth.role_assignments.create(
        group_id, first.name, {"role_definition_id": definition(endpoints, READER), "principal_id": principal}
    )
    assert repeat.id == first.id
    with pytest.raises(HttpResponseError) as changed:
        auth.role_assignments.create(
            group_id,
            first.name,
            {"role_definition_id": definition(endpoints, VM_CONTRIBUTOR), "principal_id": principal},
        )
    assert (changed.value.status_code, changed.value.error.code) == (400, "RoleAssignmentUpdateNotPermitted")


@pytest.mark.parametrize(
    ("role_id", "code"),
    [
        (READER, "InvalidRoleDefinitionId"),
        ("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/not-a-guid", "InvalidRoleDefinitionId"),
        (
            "/providers/Microsoft.Authorization/roleDefinitions/11111111-2222-3333-4444-555555555555",
            "RoleDefinitionDoesNotExist",
        ),
    ],
)
def test_bad_role_definition_ids(auth: AuthorizationManagementClient, group_id: str, role_id: str, code: str) -> None:
    with pytest.raises(HttpResponseError) as raised:
        assign(auth, group_id, role_id, str(uuid.uuid4()))
    assert (raised.value.status_code, raised.value.error.code) == (400, code)


def test_assignment_in_missing_group(auth: AuthorizationManagementClient, endpoints: Endpoints) -> None:
    scope = f"/subscriptions/{endpoints.subscription_id}/resourceGroups/no-such-group"
    with pytest.raises(ResourceNotFoundError) as raised:
        assign(auth, scope, definition(endpoints, READER), str(uuid.uuid4()))
    assert raised.value.error.code == "ResourceGroupNotFound"


def test_get_and_delete(
    auth: AuthorizationManagementClient, endpoints: Endpoints, group_id: str, principal: str
) -> None:
    created = assign(auth, group_id, definition(endpoints, READER), principal)
    assert auth.role_assignments.get(group_id, created.name).principal_id == created.principal_id
    assert auth.role_assignments.get_by_id(created.id).scope == group_id
    assert auth.role_assignments.delete(group_id, created.name).id == created.id
    assert auth.role_assignments.delete(group_id, created.name) is None  # 204
    with pytest.raises(ResourceNotFoundError) as raised:
        auth.role_assignments.get(group_id, created.name)
    assert raised.value.error.code == "RoleAssignmentNotFound"
    assert raised.value.error.message == f"The role assignment '{created.name}' is not found."


def test_list_filters(auth: AuthorizationManagementClient, endpoints: Endpoints, group_id: str, principal: str) -> None:
    group_name = group_id.rsplit("/", 1)[-1]
    resource = f"{group_id}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/some-identity"
    at_group = assign(auth, group_id, definition(endpoints, READER), principal)
    below = assign(auth, resource, definition(endpoints, VM_CONTRIBUTOR), principal)
    owner = endpoints.operator.object_id

    def names(items: Any) -> set[str]:
        return {item.name for item in items}

    everything = names(auth.role_assignments.list_for_resource_group(group_name))
    assert {at_group.name, below.name} <= everything
    at_scope = list(auth.role_assignments.list_for_scope(group_id, filter="atScope()"))
    assert at_group.name in names(at_scope) and below.name not in names(at_scope)
    assert owner in {item.principal_id for item in at_scope}  # the operator's Owner on the subscription is above
    for_resource = auth.role_assignments.list_for_resource(
        group_name, "Microsoft.ManagedIdentity", "userAssignedIdentities", "some-identity"
    )
    assert {at_group.name, below.name} <= names(for_resource)
    assert names(auth.role_assignments.list_for_subscription(filter=f"principalId eq '{principal}'")) == {
        at_group.name,
        below.name,
    }
    assert names(auth.role_assignments.list_for_scope(resource, filter=f"atScope() and assignedTo('{principal}')")) == {
        at_group.name,
        below.name,
    }
    with pytest.raises(HttpResponseError) as raised:
        list(auth.role_assignments.list_for_scope(group_id, filter=f"atScope() and principalId eq '{principal}'"))
    assert (raised.value.status_code, raised.value.error.code) == (400, "UnsupportedQuery")


def test_skip_token_paging(
    endpoints: Endpoints, operator_credential: ClientSecretCredential, group_id: str, principal: str
) -> None:
    auth = mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)
    for role in (READER, VM_CONTRIBUTOR, DNS_ZONE_CONTRIBUTOR):
        assign(auth, group_id, definition(endpoints, role), principal)
    headers = {"Authorization": f"Bearer {operator_credential.get_token(ARM_SCOPE).token}"}
    url = f"{endpoints.arm_url.rstrip('/')}{group_id}/providers/Microsoft.Authorization/roleAssignments"
    params: dict[str, str] | None = {
        "api-version": "2022-04-01",
        "$filter": f"principalId eq '{principal}'",
        "$top": "2",
    }
    seen: list[str] = []
    while url:
        page = requests.get(url, params=params, headers=headers, verify=endpoints.ca_bundle, timeout=30).json()
        seen += [item["name"] for item in page["value"]]
        url, params = page.get("nextLink", ""), None
        assert not url or "$skipToken" in parse_qs(urlparse(url).query)
    assert len(seen) == len(set(seen)) == 3


def test_unknown_principal(auth: AuthorizationManagementClient, endpoints: Endpoints, group_id: str) -> None:
    unknown = str(uuid.uuid4())
    with pytest.raises(HttpResponseError) as raised:
        assign(auth, group_id, definition(endpoints, READER), unknown)
    assert (raised.value.status_code, raised.value.error.code) == (400, "PrincipalNotFound")
    assert raised.value.error.message == (
        f"Principal {unknown.replace('-', '')} does not exist in the directory {endpoints.tenant_id}. Check that "
        "you have the correct principal ID. If you are creating this principal and then immediately assigning a "
        "role, this error might be related to a replication delay. In this case, set the role assignment "
        "principalType property to a value, such as ServicePrincipal, User, or Group.  See "
        "https://aka.ms/docs-principaltype"
    )
    typed = assign(auth, group_id, definition(endpoints, READER), unknown, principal_type="Group")
    assert (typed.principal_id, typed.principal_type) == (unknown, "Group")  # the type skips the lookup
