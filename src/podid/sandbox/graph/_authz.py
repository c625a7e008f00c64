"""Who may do what through the Graph subset: app-only callers, authorized as Entra ID authorizes them.

Every caller is a service principal with an app-only token, so its rights come from the directory (the source
of truth, whatever the token says): the Microsoft Graph application permissions it was granted and its
directory roles. A managed identity and a new service principal hold neither, so they may do nothing here.

* Read applications, service principals, owners and assignments, and ``directoryObjects/getByIds``:
  Application.Read.All, Application.ReadWrite.OwnedBy, Application.ReadWrite.All, Directory.Read.All or
  Directory.ReadWrite.All (https://learn.microsoft.com/graph/api/application-list#permissions), or any of the
  directory roles below. getByIds officially wants Directory.Read.All; the sandbox directory holds only
  applications and service principals, so what reads those is enough (az resolves principal names with it).
* Create an application: Application.ReadWrite.OwnedBy or Application.ReadWrite.All, or an application
  administrator role (https://learn.microsoft.com/graph/api/application-post-applications#permissions); the
  calling service principal becomes its owner. App-only callers do not get the "users can register
  applications" default that signed-in users have.
* Change an application (PATCH, DELETE, addPassword, removePassword) or create or delete its service principal:
  an owner (of the application, or of that service principal), Application.ReadWrite.All, or an application
  administrator role. Application.ReadWrite.OwnedBy adds nothing to ownership: it manages only what it owns.
* Add an owner to an application: Application.ReadWrite.All or an application administrator role, as
  Application.ReadWrite.OwnedBy is not enough (https://learn.microsoft.com/graph/api/application-post-owners).
* Assign an app role: AppRoleAssignment.ReadWrite.All; assign a directory role:
  RoleManagement.ReadWrite.Directory; either: Privileged Role Administrator or Global Administrator.

Anything else is Graph's 403 ``Authorization_RequestDenied``. An object that does not exist is a 404 first: the
owner rule needs the object.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from podid.sandbox.directory import Directory
from podid.sandbox.graph.errors import AccessDenied

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814"
APPLICATION_ADMINISTRATORS = frozenset(
    {
        GLOBAL_ADMINISTRATOR,
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",  # Application Administrator
        "158c047a-c907-4556-b7ef-446551a6b5f7",  # Cloud Application Administrator
    }
)
ROLE_ADMINISTRATORS = frozenset({GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR})
# every built-in role the sandbox knows may read applications and service principals
READER_ROLES = (
    APPLICATION_ADMINISTRATORS
    | ROLE_ADMINISTRATORS
    | {
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",  # Global Reader
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",  # Directory Readers
    }
)
READ_PERMISSIONS = frozenset(
    {
        "Application.Read.All",
        "Application.ReadWrite.OwnedBy",
        "Application.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    }
)
CREATE_PERMISSIONS = frozenset({"Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"})


@dataclass(frozen=True)
class Caller:
    """The service principal behind a request, with what it holds."""

    object_id: str
    permissions: frozenset[str]  # Graph application permission values
    roles: frozenset[str]  # directory role template ids

    @classmethod
    def of(cls, directory: Directory, object_id: str) -> Caller:
        grants = directory.grants
        return cls(object_id, grants.permissions(object_id), grants.directory_roles(object_id))

    def _allowed(self, permissions: Iterable[str], roles: frozenset[str]) -> bool:
        return not self.permissions.isdisjoint(permissions) or not self.roles.isdisjoint(roles)

    def require_read(self) -> None:
        if not self._allowed(READ_PERMISSIONS, READER_ROLES):
            raise AccessDenied()

    def require_create(self) -> None:
        if not self._allowed(CREATE_PERMISSIONS, APPLICATION_ADMINISTRATORS):
            raise AccessDenied()

    def require_manage(self, *owner_lists: list[str]) -> None:
        """Change an object owned by any of ``owner_lists`` (an application's, its service principal's); with
        none given, any object, as adding an owner needs (https://learn.microsoft.com/graph/api/application-post-owners)."""
        if any(self.object_id in owners for owners in owner_lists):
            return
        if not self._allowed({"Application.ReadWrite.All"}, APPLICATION_ADMINISTRATORS):
            raise AccessDenied()

    def require_grant_app_role(self) -> None:
        if not self._allowed({"AppRoleAssignment.ReadWrite.All"}, ROLE_ADMINISTRATORS):
            raise AccessDenied()

    def require_grant_directory_role(self) -> None:
        if not self._allowed({"RoleManagement.ReadWrite.Directory"}, ROLE_ADMINISTRATORS):
            raise AccessDenied()
