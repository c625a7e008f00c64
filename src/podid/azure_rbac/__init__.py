"""Azure RBAC's rules as pure logic, shared by the sandbox's ARM and by `podid verify`.

Built-in roles, the scope hierarchy and action matching; no HTTP, no state, and nothing imported from
the rest of podid (an import-linter contract in pyproject.toml keeps it so).
"""

from podid.azure_rbac.actions import permissions_allow, role_allows, wildcard_match
from podid.azure_rbac.roles import (
    BUILTIN_ROLE,
    BUILTIN_ROLES,
    CUSTOM_ROLE,
    Permission,
    RoleDefinition,
    builtin_role,
)
from podid.azure_rbac.scopes import (
    ROOT,
    ancestor_keys,
    ancestors,
    is_at_or_above,
    is_at_or_below,
    is_well_formed,
    normalize_scope,
    scope_key,
)

__all__ = [
    "BUILTIN_ROLE",
    "BUILTIN_ROLES",
    "CUSTOM_ROLE",
    "ROOT",
    "Permission",
    "RoleDefinition",
    "ancestor_keys",
    "ancestors",
    "builtin_role",
    "is_at_or_above",
    "is_at_or_below",
    "is_well_formed",
    "normalize_scope",
    "permissions_allow",
    "role_allows",
    "scope_key",
    "wildcard_match",
]
