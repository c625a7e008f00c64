"""Microsoft.Authorization: role definitions and role assignments, and the RBAC decisions built on them.

Assignments are persisted under their lower-cased id (``{scope}/providers/Microsoft.Authorization/
roleAssignments/{guid}``), so deleting a resource group purges the assignments scoped inside it, and are
mirrored into the in-memory ``RbacIndex`` that the front door asks on every request.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from podid.sandbox.arm.errors import BadRequest, Conflict
from podid.sandbox.rbac import (
    BUILTIN_ROLES,
    CUSTOM_ROLE,
    Assignment,
    Decision,
    Permission,
    RbacIndex,
    RoleDefinition,
    ancestors,
    builtin_role,
    is_at_or_below,
    normalize_scope,
)

if TYPE_CHECKING:
    from podid.sandbox.cloud import Cloud

ASSIGNMENT_KIND = "roleAssignment"
DEFINITION_KIND = "roleDefinition"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DEFINITION_ID = re.compile(
    r"^(?:/subscriptions/[^/]+)?/providers/Microsoft\.Authorization/roleDefinitions/([^/]+)$", re.IGNORECASE
)


@dataclass
class RoleAssignment:
    name: str
    scope: str
    role_definition_guid: str
    principal_id: str
    principal_type: str
    created_on: str
    updated_on: str
    created_by: str | None
    updated_by: str | None
    description: str | None = None
    condition: str | None = None
    condition_version: str | None = None

    @property
    def id(self) -> str:
        return assignment_id(self.scope, self.name)


def assignment_id(scope: str, name: str) -> str:
    scope = normalize_scope(scope)
    return f"{'' if scope == '/' else scope}/providers/Microsoft.Authorization/roleAssignments/{name}"


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value))


class AuthorizationBackend:
    """Role definitions (built-in and custom), role assignments, and RBAC decisions."""

    def __init__(self, cloud: Cloud) -> None:
        self._cloud = cloud
        self._store = cloud.store
        self.index = RbacIndex(self.role_definition)
        for doc in self._store.all(ASSIGNMENT_KIND):
            self.index.add(_index_entry(RoleAssignment(**doc)))
        cloud.resources.on_delete_under(self._forget_under)

    def allows(self, principal_id: str, action: str, scope: str) -> bool:
        return self.index.decide(principal_id, action, scope) is Decision.ALLOW

    # role definitions

    def definition_id(self, guid: str) -> str:
        subscription = self._cloud.settings.subscription_id
        return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"

    def role_definition(self, guid: str) -> RoleDefinition | None:
        builtin = builtin_role(guid)
        if builtin is not None and builtin.guid.lower() == guid.lower():
            return builtin
        doc = self._store.get(DEFINITION_KIND, guid)
        return _definition_from_doc(doc) if doc else None

    def role_definitions_list(self, role_name: str | None = None) -> list[RoleDefinition]:
        custom = [_definition_from_doc(doc) for doc in self._store.all(DEFINITION_KIND)]
        everything = [*BUILTIN_ROLES, *custom]
        if role_name is None:
            return everything
        return [role for role in everything if role.role_name.lower() == role_name.lower()]

    def role_definitions_create_or_update(self, guid: str, role: RoleDefinition) -> tuple[RoleDefinition, bool]:
        if builtin_role(guid) is not None:
            raise BadRequest("Built-in role definitions cannot be modified.", code="RoleDefinitionUpdateNotPermitted")
        clash = [other for other in self.role_definitions_list(role.role_name) if other.guid.lower() != guid.lower()]
        if clash:
            raise Conflict(
                "A custom role with the same name already exists in this directory. Use a different name.",
                code="RoleDefinitionWithSameNameExists",
            )
        is_new = not self._store.exists(DEFINITION_KIND, guid)
        self._store.put(DEFINITION_KIND, guid, _definition_to_doc(role))
        return role, is_new

    def role_definitions_delete(self, guid: str) -> RoleDefinition | None:
        role = self.role_definition(guid)
        if role is None or role.role_type != CUSTOM_ROLE:
            return None
        if any(entry.role_definition_guid.lower() == guid.lower() for entry in self._all_assignments()):
            raise Conflict("There are existing role assignments referencing role.", code="RoleDefinitionHasAssignments")
        self._store.delete(DEFINITION_KIND, guid)
        return role

    def resolve_definition_id(self, definition_id: str) -> RoleDefinition:
        match = _DEFINITION_ID.match(definition_id or "")
        if not match or not is_guid(match.group(1)):
            raise BadRequest(f"The role definition ID '{definition_id}' is not valid.", code="InvalidRoleDefinitionId")
        role = self.role_definition(match.group(1))
        if role is None:
            raise BadRequest(
                f"The specified role definition with ID '{match.group(1).replace('-', '')}' does not exist.",
                code="RoleDefinitionDoesNotExist",
            )
        return role

    # role assignments

    def role_assignments_create(
        self,
        scope: str,
        name: str,
        definition_id: str,
        principal_id: str,
        principal_type: str | None,
        caller: str,
        description: str | None = None,
    ) -> tuple[RoleAssignment, bool]:
        if not is_guid(name):
            raise BadRequest(
                f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
                code="InvalidRoleAssignmentId",
            )
        role = self.resolve_definition_id(definition_id)
        existing = self.role_assignments_get(scope, name)
        if existing is not None:
            if (existing.principal_id.lower(), existing.role_definition_guid.lower()) != (
                principal_id.lower(),
                role.guid.lower(),
            ):
                raise BadRequest(
                    "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                    code="RoleAssignmentUpdateNotPermitted",
                )
            return existing, False
        if self._duplicate(scope, principal_id, role.guid):
            raise Conflict("The role assignment already exists.", code="RoleAssignmentExists")
        now = self._cloud.clock.isoformat()
        assignment = RoleAssignment(
            name,
            normalize_scope(scope),
            role.guid,
            principal_id,
            principal_type or "User",
            now,
            now,
            caller,
            caller,
            description,
        )
        self._store.put(ASSIGNMENT_KIND, assignment.id, asdict(assignment), parent=normalize_scope(scope))
        self.index.add(_index_entry(assignment))
        return assignment, True

    def role_assignments_get(self, scope: str, name: str) -> RoleAssignment | None:
        doc = self._store.get(ASSIGNMENT_KIND, assignment_id(scope, name))
        return RoleAssignment(**doc) if doc else None

    def role_assignments_delete(self, scope: str, name: str) -> RoleAssignment | None:
        assignment = self.role_assignments_get(scope, name)
        if assignment is not None:
            self._store.delete(ASSIGNMENT_KIND, assignment.id)
            self.index.remove(assignment.name)
        return assignment

    def role_assignments_list(self, scope: str, *, at_scope: bool, principal_id: str | None) -> list[RoleAssignment]:
        """ARM $filter semantics: atScope() = at or above; otherwise also below; principalId narrows."""
        if principal_id is not None:
            candidates = [
                self.role_assignments_get(entry.scope, entry.name) for entry in self.index.assignments_of(principal_id)
            ]
            found = [item for item in candidates if item is not None]
        else:
            found = [
                RoleAssignment(**doc)
                for level in ancestors(scope)
                for doc in self._store.children(ASSIGNMENT_KIND, level)
            ]
            if not at_scope:
                below = {id(item) for item in found}
                found += [
                    item
                    for item in self._all_assignments()
                    if id(item) not in below
                    and is_at_or_below(item.scope, scope)
                    and normalize_scope(item.scope).lower() != normalize_scope(scope).lower()
                ]
        return [item for item in found if _related(item.scope, scope, at_scope)]

    def _duplicate(self, scope: str, principal_id: str, role_guid: str) -> bool:
        wanted = normalize_scope(scope).lower()
        return any(
            entry.scope.lower() == wanted and entry.role_definition_guid.lower() == role_guid.lower()
            for entry in self.index.assignments_of(principal_id)
        )

    def _all_assignments(self) -> list[RoleAssignment]:
        return [RoleAssignment(**doc) for doc in self._store.all(ASSIGNMENT_KIND)]

    def _forget_under(self, prefix: str) -> None:
        for key in self._store.keys(ASSIGNMENT_KIND, prefix):
            doc = self._store.get(ASSIGNMENT_KIND, key)
            if doc:
                self.index.remove(doc["name"])


def _related(candidate: str, scope: str, at_scope: bool) -> bool:
    above = normalize_scope(candidate).lower() in ancestors(scope)
    return above or (not at_scope and is_at_or_below(candidate, scope))


def _index_entry(assignment: RoleAssignment) -> Assignment:
    return Assignment(assignment.name, assignment.scope, assignment.principal_id, assignment.role_definition_guid)


def _definition_to_doc(role: RoleDefinition) -> dict[str, object]:
    return asdict(role)


def _definition_from_doc(doc: dict[str, object]) -> RoleDefinition:
    permissions = tuple(
        Permission(**{key: tuple(value) for key, value in item.items()})  # type: ignore[attr-defined]
        for item in doc["permissions"]
    )  # type: ignore[attr-defined]
    fields = {key: value for key, value in doc.items() if key != "permissions"}
    fields["assignable_scopes"] = tuple(fields["assignable_scopes"])  # type: ignore[arg-type]
    return RoleDefinition(**fields, permissions=permissions)  # type: ignore[arg-type]
