"""The RBAC gate as service principals made through Graph see it, with the official clients.

Covers: a principal holding only DNS Zone Contributor on one resource scope gets 403 AuthorizationFailed, with
Azure's exact message, when it creates an identity, assigns a role, or lists identities at the resource group
(a collection URL is governed by the group), yet may read role assignments at its own scope; a Contributor
on a group creates identities there but cannot create role assignments or role definitions; a User Access
Administrator assigns roles but cannot create identities; the operator (Owner of the subscription) cannot
list at the tenant root; a principal without roles reading a resource group is refused the action as ARM
prints it, `Microsoft.Resources/subscriptions/resourcegroups/read`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.conftest import ServicePrincipalLogin, credential_for, mgmt_client

ROLES = {
    "DNS Zone Contributor": "befefa01-2a29-4197-83a8-272ff33ce314",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
}


@dataclass(frozen=True)
class Setting:
    group: str
    group_id: str
    target_id: str  # an identity: the one resource scope the DNS-only principal holds a role on


@dataclass(frozen=True)
class Clients:
    principal: ServicePrincipalLogin
    msi: ManagedServiceIdentityClient
    auth: AuthorizationManagementClient


@pytest.fixture(scope="module")
def setting(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> Setting:
    group = f"rbac{uuid.uuid4().hex[:8]}"
    resources = mgmt_client(ResourceManagementClient, endpoints, operator_credential)
    group_id = resources.resource_groups.create_or_update(group, {"location": "westus2"}).id
    msi = mgmt_client(ManagedServiceIdentityClient, endpoints, operator_credential)
    target = msi.user_assigned_identities.create_or_update(group, "zone-like", {"location": "westus2"})
    return Setting(group, group_id, target.id)


@pytest.fixture(scope="module")
def principal_with(
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    make_service_principal: Callable[[str], ServicePrincipalLogin],
) -> Callable[[str, str], Clients]:
    """A new Graph-made service principal holding `role` at `scope`, with clients signed in as it."""
    operator_auth = mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)

    def make(role: str, scope: str) -> Clients:
        principal = make_service_principal(f"rbac-{role}")
        definition = f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
        operator_auth.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            {
                "role_definition_id": definition + ROLES[role],
                "principal_id": principal.object_id,
                "principal_type": "ServicePrincipal",
            },
        )
        credential = credential_for(endpoints, principal.app_id, principal.secret)
        return Clients(
            principal,
            mgmt_client(ManagedServiceIdentityClient, endpoints, credential),
            mgmt_client(AuthorizationManagementClient, endpoints, credential),
        )

    return make


def denied(action: Callable[[], object], who: ServicePrincipalLogin, verb: str, scope: str) -> None:
    with pytest.raises(HttpResponseError) as raised:
        action()
    assert (raised.value.status_code, raised.value.error.code) == (403, "AuthorizationFailed")
    assert raised.value.error.message == (
        f"The client '{who.object_id}' with object id '{who.object_id}' does not have authorization to perform "
        f"action '{verb}' over scope '{scope}' or the scope is invalid. If access was recently granted, please "
        "refresh your credentials."
    )


def _assignment(endpoints: Endpoints, role: str, principal: str) -> dict[str, str]:
    definition = f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
    return {"role_definition_id": definition + ROLES[role], "principal_id": principal}


def test_dns_zone_contributor_on_one_scope(
    setting: Setting, endpoints: Endpoints, principal_with: Callable[[str, str], Clients]
) -> None:
    dns_only = principal_with("DNS Zone Contributor", setting.target_id)
    who = dns_only.principal
    identity_path = f"{setting.group_id}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/intruder"
    denied(
        lambda: dns_only.msi.user_assigned_identities.create_or_update(
            setting.group, "intruder", {"location": "westus2"}
        ),
        who,
        "Microsoft.ManagedIdentity/userAssignedIdentities/write",
        identity_path,
    )
    name = str(uuid.uuid4())
    denied(
        lambda: dns_only.auth.role_assignments.create(
            setting.target_id, name, _assignment(endpoints, "Reader", who.object_id)
        ),
        who,
        "Microsoft.Authorization/roleAssignments/write",
        f"{setting.target_id}/providers/Microsoft.Authorization/roleAssignments/{name}",
    )
    denied(
        lambda: list(dns_only.msi.user_assigned_identities.list_by_resource_group(setting.group)),
        who,
        "Microsoft.ManagedIdentity/userAssignedIdentities/read",
        f"{setting.group_id}/providers/Microsoft.ManagedIdentity",
    )
    own = dns_only.auth.role_assignments.list_for_scope(setting.target_id, filter="atScope()")
    assert who.object_id in {item.principal_id for item in own}  # Microsoft.Authorization/*/read at its scope


def test_contributor_cannot_assign_roles(
    setting: Setting, endpoints: Endpoints, principal_with: Callable[[str, str], Clients]
) -> None:
    contributor = principal_with("Contributor", setting.group_id)
    who = contributor.principal
    made = contributor.msi.user_assigned_identities.create_or_update(
        setting.group, "by-contributor", {"location": "westus2"}
    )
    assert made.name == "by-contributor"
    name = str(uuid.uuid4())
    denied(
        lambda: contributor.auth.role_assignments.create(
            setting.group_id, name, _assignment(endpoints, "Reader", who.object_id)
        ),
        who,
        "Microsoft.Authorization/roleAssignments/write",
        f"{setting.group_id}/providers/Microsoft.Authorization/roleAssignments/{name}",
    )
    role = str(uuid.uuid4())
    custom = {
        "role_name": f"escalate-{role}",
        "permissions": [{"actions": ["*"]}],
        "assignable_scopes": [setting.group_id],
    }
    denied(
        lambda: contributor.auth.role_definitions.create_or_update(setting.group_id, role, custom),
        who,
        "Microsoft.Authorization/roleDefinitions/write",
        f"{setting.group_id}/providers/Microsoft.Authorization/roleDefinitions/{role}",
    )
    assert list(contributor.auth.role_assignments.list_for_scope(setting.group_id, filter="atScope()"))


def test_user_access_administrator_assigns_but_cannot_build(
    setting: Setting, endpoints: Endpoints, principal_with: Callable[[str, str], Clients]
) -> None:
    admin = principal_with("User Access Administrator", setting.group_id)
    created = admin.auth.role_assignments.create(
        setting.target_id, str(uuid.uuid4()), _assignment(endpoints, "Reader", admin.principal.object_id)
    )
    assert created.scope == setting.target_id
    denied(
        lambda: admin.msi.user_assigned_identities.create_or_update(setting.group, "by-admin", {"location": "westus2"}),
        admin.principal,
        "Microsoft.ManagedIdentity/userAssignedIdentities/write",
        f"{setting.group_id}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/by-admin",
    )


def test_subscription_owner_has_no_tenant_root_rights(
    endpoints: Endpoints, operator_credential: ClientSecretCredential
) -> None:
    auth = mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)
    operator = ServicePrincipalLogin(endpoints.operator.client_id, endpoints.operator.object_id, "")
    denied(
        lambda: list(auth.role_assignments.list_for_scope("/")),
        operator,
        "Microsoft.Authorization/roleAssignments/read",
        "/",
    )


def test_resource_group_action_is_printed_lower_cased(
    setting: Setting, endpoints: Endpoints, make_service_principal: Callable[[str], ServicePrincipalLogin]
) -> None:
    nobody = make_service_principal("rbac-nobody")
    credential = credential_for(endpoints, nobody.app_id, nobody.secret)
    resources = mgmt_client(ResourceManagementClient, endpoints, credential)
    denied(
        lambda: resources.resource_groups.get(setting.group),
        nobody,
        "Microsoft.Resources/subscriptions/resourcegroups/read",
        f"/subscriptions/{endpoints.subscription_id}/resourcegroups/{setting.group}",
    )
