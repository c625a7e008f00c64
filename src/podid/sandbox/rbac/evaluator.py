"""The sandbox's role assignments, indexed for ARM's per-request RBAC decision.

Azure RBAC is additive: a principal may perform an action at a scope if some role assigned to
it at that scope or an ancestor has a permission whose `actions` match and whose `notActions`
do not. A notAction only stops its own permission from granting; it never denies what another
permission or assignment grants. Only deny assignments deny, and customers cannot create them,
so evaluation yields ALLOW or NOT_APPLICABLE (moto's access_control has the same three values).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from podid.azure_rbac import RoleDefinition, ancestor_keys, role_allows, scope_key


class Decision(Enum):
    ALLOW = "Allow"
    DENY = "Deny"
    NOT_APPLICABLE = "NotApplicable"


@dataclass(frozen=True)
class Assignment:
    """A role assignment as the evaluator needs it; `name` is the assignment GUID."""

    name: str
    scope: str
    principal_id: str
    role_definition_guid: str


_Key = tuple[str, str]
_K = TypeVar("_K")


class RbacIndex:
    """Role assignments indexed by (principal, scope) so `decide` costs O(scope depth).

    Writers and readers share one lock; readers only snapshot under it, and role resolution
    (which may consult the store) happens outside it.
    """

    def __init__(self, resolve_role: Callable[[str], RoleDefinition | None]) -> None:
        self._resolve_role = resolve_role
        self._lock = threading.Lock()
        self._by_name: dict[str, Assignment] = {}
        self._by_key: dict[_Key, dict[str, Assignment]] = {}
        self._by_principal: dict[str, dict[str, Assignment]] = {}
        self._by_role: dict[str, dict[str, Assignment]] = {}

    def add(self, a: Assignment) -> None:
        """Index `a`, replacing any assignment with the same name."""
        name = a.name.lower()
        with self._lock:
            self._discard(name)
            self._by_name[name] = a
            self._by_key.setdefault(_key_of(a), {})[name] = a
            self._by_principal.setdefault(a.principal_id.lower(), {})[name] = a
            self._by_role.setdefault(a.role_definition_guid.lower(), {})[name] = a

    def remove(self, name: str) -> None:
        """Forget the assignment called `name`; unknown names are ignored."""
        with self._lock:
            self._discard(name.lower())

    def clear(self) -> None:
        with self._lock:
            self._by_name.clear()
            self._by_key.clear()
            self._by_principal.clear()
            self._by_role.clear()

    def decide(self, principal_id: str, action: str, scope: str) -> Decision:
        """ALLOW if an assignment at `scope` or above grants `action`, else NOT_APPLICABLE."""
        for a in self._candidates(principal_id, scope):
            role = self._resolve_role(a.role_definition_guid)
            if role is not None and role_allows(role, action):
                return Decision.ALLOW
        return Decision.NOT_APPLICABLE

    def assignments_of(self, principal_id: str) -> list[Assignment]:
        """The principal's assignments at every scope, oldest first."""
        with self._lock:
            return list(self._by_principal.get(principal_id.lower(), {}).values())

    def assignments_with_role(self, role_guid: str) -> list[Assignment]:
        """Every assignment of the role, for the checks on changing or deleting a custom role."""
        with self._lock:
            return list(self._by_role.get(role_guid.lower(), {}).values())

    def _candidates(self, principal_id: str, scope: str) -> list[Assignment]:
        keys = [(principal_id.lower(), level) for level in ancestor_keys(scope)]
        with self._lock:
            return [a for key in keys for a in self._by_key.get(key, {}).values()]

    def _discard(self, name: str) -> None:
        """Drop `name` from every index; the caller holds the lock."""
        old = self._by_name.pop(name, None)
        if old is None:
            return
        _pop_nested(self._by_key, _key_of(old), name)
        _pop_nested(self._by_principal, old.principal_id.lower(), name)
        _pop_nested(self._by_role, old.role_definition_guid.lower(), name)


def _key_of(a: Assignment) -> _Key:
    return a.principal_id.lower(), scope_key(a.scope)


def _pop_nested(index: dict[_K, dict[str, Assignment]], key: _K, name: str) -> None:
    group = index[key]
    del group[name]
    if not group:
        del index[key]
