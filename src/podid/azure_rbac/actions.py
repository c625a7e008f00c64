"""Whether a role's permissions grant a control-plane action: wildcard patterns and notActions.

A permission grants an action that its `actions` match and its own `notActions` do not ("NotActions is not
a deny rule": another role, here also another permission, may still grant the action;
https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

from podid.azure_rbac.roles import Permission, RoleDefinition


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    chunks = pattern.lower().split("*")
    regex = re.escape(chunks[0])
    for before, after in pairwise(chunks):
        if before.endswith("/") and after.startswith("/"):
            # A whole-segment `/*/` may also stand for no segment: Managed Identity Operator's
            # `userAssignedIdentities/*/assign/action` grants `userAssignedIdentities/assign/action`,
            # the linked check behind aad-pod-identity's LinkedAuthorizationFailed.
            regex += "(?:.*/)?" + re.escape(after[1:])
        else:
            regex += ".*" + re.escape(after)
    return re.compile(regex, re.DOTALL)


def wildcard_match(pattern: str, action: str) -> bool:
    """Azure action-pattern matching: case-insensitive; `*` matches any run of characters
    including `/`, and a `/*/` segment may also match a single `/`."""
    return _compile(pattern).fullmatch(action.lower()) is not None


@lru_cache(maxsize=16384)
def _grants(permission: Permission, action: str) -> bool:
    def any_match(patterns: tuple[str, ...]) -> bool:
        return any(_compile(p).fullmatch(action) for p in patterns)

    return any_match(permission.actions) and not any_match(permission.not_actions)


def permissions_allow(permissions: Iterable[Permission], action: str) -> bool:
    """True if one of `permissions` grants the control-plane `action`."""
    lowered = action.lower()
    return any(_grants(permission, lowered) for permission in permissions)


def role_allows(role: RoleDefinition, action: str) -> bool:
    """True if one of the role's permissions grants the control-plane `action`."""
    return permissions_allow(role.permissions, action)
