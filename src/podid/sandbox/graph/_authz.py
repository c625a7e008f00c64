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
* Assign an app role: AppRoleAssignment.ReadWrite.All and a read permission (Graph wants both:
  https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/3476); assign a directory role:
  RoleManagement.ReadWrite.Directory; either: Privileged Role Administrator or Global Administrator.

Anything else is Graph's 403 ``Authorization_RequestDenied``. Where the owner rule applies, an object that does
not exist is a 404 before any 403, since the rule needs the object.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from podid.sandbox.directory import DIRECTORY_ROLES, Directory
from podid.sandbox.graph.errors import AccessDenied


def _roles(*names: str) -> frozenset[str]:
    """Directory role template ids by role name."""
    return frozenset(template for template, name in DIRECTORY_ROLES.items() if name in names)


APPLICATION_ADMINISTRATORS = _roles(
    "Global Administrator", "Application Administrator", "Cloud Application Administrator"
)
ROLE_ADMINISTRATORS = _roles("Global Administrator", "Privileged Role Administrator")
READER_ROLES = frozenset(DIRECTORY_ROLES)  # every built-in role the sandbox knows reads applications
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
