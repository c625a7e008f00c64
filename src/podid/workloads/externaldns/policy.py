"""`--policy`: filters over the planned Changes (external-dns `plan/policy.go`).

- `sync`: everything, including deletes;
- `upsert-only`: creates and updates, never deletes;
- `create-only`: creates only.
"""

from collections.abc import Mapping

from .plan import Changes, Policy


def sync(changes: Changes) -> Changes:
    return changes


def upsert_only(changes: Changes) -> Changes:
    return Changes(create=changes.create, update_old=changes.update_old, update_new=changes.update_new)


def create_only(changes: Changes) -> Changes:
    return Changes(create=changes.create)


POLICIES: Mapping[str, Policy] = {"sync": sync, "upsert-only": upsert_only, "create-only": create_only}


def policy_named(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown policy {name!r}; expected one of {', '.join(POLICIES)}") from None
