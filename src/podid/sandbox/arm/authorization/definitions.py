"""Role definitions: Azure's built-in roles plus the tenant's custom roles.

Custom roles are persisted by GUID and mirrored in memory, because the RBAC gate resolves a role for every
assignment it considers. A role definition's wire id is canonical, produced here only: inside a subscription
``/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}``, at the tenant root
``/providers/Microsoft.Authorization/roleDefinitions/{guid}``; the CLI compares these strings exactly with
role assignments' ``roleDefinitionId``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from podid.azure_rbac import (
    BUILTIN_ROLES,
    CUSTOM_ROLE,
    Permission,
    RoleDefinition,
    builtin_role,
    is_at_or_above,
    is_at_or_below,
    is_well_formed,
    normalize_scope,
)
from podid.sandbox.arm.authorization.errors import (
    InvalidAssignableScopes,
    InvalidRoleDefinitionId,
    InvalidScope,
    RoleDefinitionNameNullOrEmpty,
    RoleDefinitionUpdateNotPermitted,
    RoleDefinitionWithSameNameExists,
)
from podid.sandbox.core.ids import Clock
from podid.sandbox.core.store import Store

DEFINITION_KIND = "roleDefinition"
# Built-in roles carry Azure's publication stamps; one date stands for all of them.
BUILTIN_CREATED_ON = "2015-02-02T21:55:09.8806423Z"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SUBSCRIPTION = re.compile(r"^/subscriptions/[^/]+", re.IGNORECASE)


@dataclass(frozen=True)
class RoleDefinitionRecord:
    """A role plus the audit fields ARM returns with it."""

    role: RoleDefinition
    created_on: str = BUILTIN_CREATED_ON
    updated_on: str = BUILTIN_CREATED_ON
    created_by: str | None = None
    updated_by: str | None = None


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value))


class RoleDefinitions:
    """Built-in and custom roles, looked up by GUID, listed by scope, custom ones written and deleted."""

    def __init__(self, store: Store, clock: Clock, subscription_id: str) -> None:
        self._store, self._clock, self._subscription_id = store, clock, subscription_id
        records = (_record_from_doc(doc) for doc in store.all(DEFINITION_KIND))
        self._custom = {record.role.guid.lower(): record for record in records}

    def definition_id(self, guid: str, scope: str = "") -> str:
        """The canonical wire id of a role definition seen from `scope` (default: the subscription)."""
        prefix = "" if scope and not _SUBSCRIPTION.match(scope) else f"/subscriptions/{self._subscription_id}"
        return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{guid}"

    def role(self, guid: str) -> RoleDefinition | None:
        """The role with this GUID (the RBAC gate's lookup), or None."""
        record = self.record(guid)
        return record.role if record else None

    def record(self, guid: str) -> RoleDefinitionRecord | None:
        builtin = builtin_role(guid)
        if builtin is not None and builtin.guid.lower() == guid.lower():
            return RoleDefinitionRecord(builtin)
        return self._custom.get(guid.lower())

    def visible_at(
        self, scope: str, role_name: str | None = None, role_type: str | None = None
    ) -> list[RoleDefinitionRecord]:
        """Built-ins and the custom roles assignable at, above or below `scope`, narrowed by name and type."""
        custom = [
            record
            for record in self._custom.values()
            if any(_related(assignable, scope) for assignable in record.role.assignable_scopes)
        ]
        found = [*(RoleDefinitionRecord(role) for role in BUILTIN_ROLES), *custom]
        if role_name is not None:
            found = [item for item in found if item.role.role_name.lower() == role_name.lower()]
        if role_type is not None:
            found = [item for item in found if item.role.role_type.lower() == role_type.lower()]
        return found

    def prepare(
        self,
        guid: str,
        role_name: str,
        description: str,
        permissions: tuple[Permission, ...],
        assignable_scopes: tuple[str, ...],
    ) -> tuple[RoleDefinition, RoleDefinitionRecord | None]:
        """The custom role a PUT describes, validated, and the one it replaces (None for a new role)."""
        if not is_guid(guid):
            raise InvalidRoleDefinitionId(guid)
        if builtin_role(guid) is not None:
            raise RoleDefinitionUpdateNotPermitted()
        if not role_name.strip():
            raise RoleDefinitionNameNullOrEmpty()
        if not assignable_scopes:
            raise InvalidAssignableScopes()
        malformed = next((scope for scope in assignable_scopes if not is_well_formed(scope)), None)
        if malformed is not None:
            raise InvalidScope(malformed)
        if any(item.role.guid.lower() != guid.lower() for item in self._named(role_name)):
            raise RoleDefinitionWithSameNameExists()
        scopes = tuple(normalize_scope(scope) for scope in assignable_scopes)
        role = RoleDefinition(guid, role_name, description, CUSTOM_ROLE, permissions, scopes)
        return role, self._custom.get(guid.lower())

    def save(self, role: RoleDefinition, previous: RoleDefinitionRecord | None, caller: str) -> RoleDefinitionRecord:
        """Persist a role from `prepare`, keeping the creation stamps of the one it replaces."""
        now = self._clock.isoformat()
        record = RoleDefinitionRecord(
            role, previous.created_on if previous else now, now, previous.created_by if previous else caller, caller
        )
        self._store.put(DEFINITION_KIND, role.guid, _record_to_doc(record))
        self._custom[role.guid.lower()] = record
        return record

    def delete(self, guid: str) -> RoleDefinitionRecord | None:
        record = self._custom.pop(guid.lower(), None)
        if record is not None:
            self._store.delete(DEFINITION_KIND, guid)
        return record

    def _named(self, role_name: str) -> list[RoleDefinitionRecord]:
        return [item for item in self._custom.values() if item.role.role_name.lower() == role_name.lower()] + [
            RoleDefinitionRecord(role) for role in BUILTIN_ROLES if role.role_name.lower() == role_name.lower()
        ]


def _related(assignable: str, scope: str) -> bool:
    return is_at_or_above(assignable, scope) or is_at_or_below(assignable, scope)


def _record_to_doc(record: RoleDefinitionRecord) -> dict[str, object]:
    return asdict(record)


def _record_from_doc(doc: dict[str, object]) -> RoleDefinitionRecord:
    role = dict(doc["role"])  # type: ignore[call-overload]
    role["permissions"] = tuple(
        Permission(**{key: tuple(value) for key, value in item.items()}) for item in role["permissions"]
    )
    role["assignable_scopes"] = tuple(role["assignable_scopes"])
    return RoleDefinitionRecord(RoleDefinition(**role), **{k: v for k, v in doc.items() if k != "role"})  # type: ignore[arg-type]
