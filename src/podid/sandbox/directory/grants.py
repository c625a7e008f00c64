"""What a service principal holds in the directory: Microsoft Graph application permissions and directory roles.

An application permission is an app role assignment from the principal to an app role of the Microsoft Graph
service principal (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignments); a directory
role is a role assignment at directory scope ``/``
(https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments). Both are filed under the
principal's object id, so authorizing a Graph request costs two lookups. A new service principal, and a managed
identity's, holds nothing until granted, as in Entra ID.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.store import Store

if TYPE_CHECKING:
    from podid.sandbox.directory.models import ServicePrincipal

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
MICROSOFT_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"  # owner of Microsoft's first-party apps
APP_ROLE_KIND = "appRoleAssignment"
DIRECTORY_ROLE_KIND = "directoryRoleAssignment"


@dataclass(frozen=True)
class AppRole:
    id: str
    value: str
    display_name: str
    description: str


# The Microsoft Graph application permissions the sandbox's Graph subset acts on, with Graph's ids and texts
# (https://learn.microsoft.com/graph/permissions-reference).
GRAPH_APP_ROLES = (
    AppRole(
        "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
        "Application.Read.All",
        "Read all applications",
        "Allows the app to read all applications and service principals without a signed-in user.",
    ),
    AppRole(
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        "Application.ReadWrite.All",
        "Read and write all applications",
        "Allows the app to create, read, update and delete applications and service principals without a "
        "signed-in user. Does not allow management of consent grants.",
    ),
    AppRole(
        "18a4783c-866b-4cc7-a460-3d5e5662c884",
        "Application.ReadWrite.OwnedBy",
        "Manage apps that this app creates or owns",
        "Allows the app to create other applications, and fully manage those applications (read, update, update "
        "application secrets and delete), without a signed-in user. It cannot update any apps that it is not an "
        "owner of.",
    ),
    AppRole(
        "06b708a9-e830-4db3-a914-8e69da51d44f",
        "AppRoleAssignment.ReadWrite.All",
        "Manage app permission grants and app role assignments",
        "Allows the app to manage permission grants for application permissions to any API (including Microsoft "
        "Graph) and application assignments for any app, without a signed-in user.",
    ),
    AppRole(
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        "Directory.Read.All",
        "Read directory data",
        "Allows the app to read data in your organization's directory, such as users, groups and apps, without a "
        "signed-in user.",
    ),
    AppRole(
        "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
        "Directory.ReadWrite.All",
        "Read and write directory data",
        "Allows the app to read and write data in your organization's directory, such as users, and groups, "
        "without a signed-in user. Does not allow user or group deletion.",
    ),
    AppRole(
        "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        "RoleManagement.ReadWrite.Directory",
        "Read and write all directory RBAC settings",
        "Allows the app to read and manage the role-based access control (RBAC) settings for your company's "
        "directory, without a signed-in user. This includes instantiating directory roles and managing directory "
        "role membership, and reading directory role templates, directory roles and memberships.",
    ),
)
APP_ROLES_BY_ID = {role.id: role for role in GRAPH_APP_ROLES}

# Built-in directory role template ids (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
DIRECTORY_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b": "Directory Readers",
}


@dataclass
class AppRoleAssignment:
    id: str
    app_role_id: str
    principal_id: str
    principal_display_name: str
    resource_id: str
    resource_display_name: str
    created_date_time: str


@dataclass
class DirectoryRoleAssignment:
    id: str
    principal_id: str
    role_definition_id: str  # the role's template id


class Grants:
    """App role assignments and directory role assignments, by principal."""

    def __init__(self, store: Store, ids: IdGenerator, clock: Clock) -> None:
        self._store, self._ids, self._clock = store, ids, clock

    def app_role_assignments(self, principal_id: str) -> list[AppRoleAssignment]:
        return [AppRoleAssignment(**doc) for doc in self._store.children(APP_ROLE_KIND, principal_id)]

    def permissions(self, principal_id: str) -> frozenset[str]:
        """The values (e.g. ``Application.ReadWrite.All``) of the Graph app roles the principal holds."""
        held = (APP_ROLES_BY_ID.get(item.app_role_id) for item in self.app_role_assignments(principal_id))
        return frozenset(role.value for role in held if role is not None)

    def assign_app_role(
        self, principal: ServicePrincipal, resource: ServicePrincipal, app_role_id: str
    ) -> AppRoleAssignment:
        """Record ``principal`` holding the app role ``app_role_id`` of ``resource``."""
        assignment = AppRoleAssignment(
            _assignment_id(principal.object_id, self._ids.guid()),
            app_role_id,
            principal.object_id,
            principal.display_name,
            resource.object_id,
            resource.display_name,
            self._clock.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
        self._store.put(APP_ROLE_KIND, assignment.id, asdict(assignment), parent=principal.object_id)
        return assignment

    def directory_role_assignments(self, principal_id: str) -> list[DirectoryRoleAssignment]:
        docs = self._store.children(DIRECTORY_ROLE_KIND, principal_id)
        return [DirectoryRoleAssignment(**doc) for doc in docs]

    def directory_roles(self, principal_id: str) -> frozenset[str]:
        """The template ids of the directory roles the principal holds."""
        return frozenset(item.role_definition_id for item in self.directory_role_assignments(principal_id))

    def assign_directory_role(self, principal_id: str, role_definition_id: str) -> DirectoryRoleAssignment:
        assignment = DirectoryRoleAssignment(
            _assignment_id(principal_id, self._ids.guid()), principal_id, role_definition_id
        )
        self._store.put(DIRECTORY_ROLE_KIND, assignment.id, asdict(assignment), parent=principal_id)
        return assignment

    def forget(self, principal_id: str) -> None:
        """Drop everything a deleted principal held."""
        for kind, items in (
            (APP_ROLE_KIND, self.app_role_assignments(principal_id)),
            (DIRECTORY_ROLE_KIND, self.directory_role_assignments(principal_id)),
        ):
            for item in items:
                self._store.delete(kind, item.id)


def _assignment_id(principal_id: str, unique: str) -> str:
    """Entra's shape: base64url of the principal's object id bytes and 16 more (43 characters, no padding)."""
    raw = uuid.UUID(principal_id).bytes_le + uuid.UUID(unique).bytes
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
