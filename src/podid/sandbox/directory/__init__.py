"""The sandbox tenant's directory of applications and service principals, and what each principal was granted."""

from podid.sandbox.directory.grants import (
    DIRECTORY_ROLES,
    GRAPH_APP_ID,
    GRAPH_APP_ROLES,
    AppRole,
    AppRoleAssignment,
    DirectoryRoleAssignment,
)
from podid.sandbox.directory.models import Application, Directory, PasswordCredential, ServicePrincipal

__all__ = [
    "DIRECTORY_ROLES",
    "GRAPH_APP_ID",
    "GRAPH_APP_ROLES",
    "AppRole",
    "AppRoleAssignment",
    "Application",
    "Directory",
    "DirectoryRoleAssignment",
    "PasswordCredential",
    "ServicePrincipal",
]
