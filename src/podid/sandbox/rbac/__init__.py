"""Azure RBAC for the sandbox as pure logic: roles, scopes and permission decisions.

No HTTP here: the ARM front door derives the action and scope of each request and asks
`RbacIndex.decide`; NOT_APPLICABLE becomes 403 AuthorizationFailed there.
"""

from podid.sandbox.rbac.evaluator import Assignment, Decision, RbacIndex, role_allows, wildcard_match
from podid.sandbox.rbac.roles import (
    BUILTIN_ROLE,
    BUILTIN_ROLES,
    CUSTOM_ROLE,
    Permission,
    RoleDefinition,
    builtin_role,
)
from podid.sandbox.rbac.scopes import (
    ROOT,
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
    "Assignment",
    "Decision",
    "Permission",
    "RbacIndex",
    "RoleDefinition",
    "ancestors",
    "builtin_role",
    "is_at_or_above",
    "is_at_or_below",
    "is_well_formed",
    "normalize_scope",
    "role_allows",
    "scope_key",
    "wildcard_match",
]
