"""Scope normalisation and the scope hierarchy used for role-assignment inheritance.

A scope level is `/`, `/subscriptions/{s}`, `.../resourceGroups/{rg}`, a resource
`.../providers/{ns}/{type}/{name}`, and each nested child `.../{childType}/{childName}` (a
record set's ancestors include its zone). Two kinds of path are not levels:
* partial paths, `.../providers/{ns}` and `.../providers/{ns}/{type}` (collection URLs): they are
  governed by the deepest complete level above them, which is why a zone-scoped role cannot list
  the zones of its resource group (ARM's 403 names the scope `.../resourceGroups/{rg}/providers/
  Microsoft.Network`: kubernetes-sigs/external-dns issues #1973 and #813);
* Microsoft.Authorization extension resources (`{scope}/providers/Microsoft.Authorization/
  roleAssignments/{guid}`, roleDefinitions, locks): they attach to `{scope}` rather than form one.
"""

from __future__ import annotations

from functools import lru_cache

ROOT = "/"
_PROVIDERS = "providers"
_AUTHORIZATION = "microsoft.authorization"
# Segments that would let a scope name one place and mean another once some layer resolves the path.
_BAD_SEGMENTS = frozenset({"", ".", ".."})


def normalize_scope(scope: str) -> str:
    """Collapse duplicate slashes, drop a trailing one, keep the caller's casing."""
    return ROOT + "/".join(part for part in scope.split("/") if part)


def is_well_formed(scope: str) -> bool:
    """False for a scope with an empty, `.` or `..` segment; `/` alone is the tenant root.

    Azure's own scope validation refuses empty segments ("Scope '...' should not have any empty part.",
    Azure/azure-powershell src/Resources/Resources/Models.Authorization/AuthorizationClient.cs ValidateScope).
    """
    return scope == ROOT or not any(part in _BAD_SEGMENTS for part in scope.removeprefix("/").split("/"))


def scope_key(scope: str) -> str:
    """The case-insensitive lookup key of a scope (ARM matches every segment case-insensitively)."""
    return normalize_scope(scope).lower()


@lru_cache(maxsize=8192)
def ancestor_keys(scope: str) -> tuple[str, ...]:
    """`ancestors` as a cached tuple, for the per-request hot path."""
    parts = [part for part in scope.lower().split("/") if part]
    levels: list[str] = []
    i = 0
    while i < len(parts):
        # `providers` opens a namespace/type/name triple; every other level is a key/value pair.
        width = 4 if parts[i] == _PROVIDERS else 2
        if i + width > len(parts) or (width == 4 and parts[i + 1] == _AUTHORIZATION):
            break
        i += width
        levels.append(ROOT + "/".join(parts[:i]))
    return (*reversed(levels), ROOT)


def ancestors(scope: str) -> list[str]:
    """Lower-cased scopes from `scope`'s deepest complete level up to `/`."""
    return list(ancestor_keys(scope))


def is_at_or_above(candidate: str, scope: str) -> bool:
    """True if `candidate` is `scope` or one of its ancestors (the `atScope()` filter)."""
    return scope_key(candidate) in ancestor_keys(scope)


def is_at_or_below(candidate: str, scope: str) -> bool:
    """True if `candidate` is `scope` or lies beneath it."""
    return scope_key(scope) in ancestor_keys(candidate)
