"""Microsoft.Authorization: role assignments and role definitions, and the RBAC decisions built on them.

Assignments are persisted under their lower-cased id (``{scope}/providers/Microsoft.Authorization/
roleAssignments/{guid}``), so deleting a resource group purges the assignments scoped inside it, and are
mirrored into the in-memory ``RbacIndex`` that the front door asks on every request. An assignment's GUID
names it across the whole tenant: reusing it at another scope or for another principal or role is refused.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from podid.azure_rbac import (
    Permission,
    RoleDefinition,
    ancestors,
    builtin_role,
    is_at_or_below,
    is_well_formed,
    normalize_scope,
)
from podid.sandbox.arm.authorization.definitions import RoleDefinitionRecord, RoleDefinitions, is_guid
from podid.sandbox.arm.authorization.errors import (
    InvalidPrincipalId,
    InvalidPrincipalType,
    InvalidRoleAssignmentId,
    InvalidRoleDefinitionId,
    PrincipalNotFound,
    RoleAssignmentExists,
    RoleAssignmentNotFound,
    RoleAssignmentScopeNotAssignableToRoleDefinition,
    RoleAssignmentUpdateNotPermitted,
    RoleDefinitionDoesNotExist,
    RoleDefinitionHasAssignments,
    RoleDefinitionUpdateNotPermitted,
    RoleScopeBeingRemovedContainsAssignments,
)
from podid.sandbox.arm.errors import AuthorizationFailed
from podid.sandbox.arm.provider import Shared
from podid.sandbox.arm.siblings import ResourceGroups
from podid.sandbox.directory import Directory
from podid.sandbox.rbac import Assignment, Decision, RbacIndex

ASSIGNMENT_KIND = "roleAssignment"
PRINCIPAL_TYPES = ("User", "Group", "ServicePrincipal", "ForeignGroup", "Device")
_DEFINITION_ID = re.compile(r"^(/.*)?/providers/Microsoft\.Authorization/roleDefinitions/([^/]+)$", re.IGNORECASE)
_DEFINITION_ACTION = "Microsoft.Authorization/roleDefinitions/"
_GROUP_SCOPE = re.compile(r"^/subscriptions/[^/]+/resourceGroups/([^/]+)", re.IGNORECASE)


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


class AuthorizationBackend:
    """Role definitions (built-in and custom), role assignments, and RBAC decisions."""

    def __init__(self, shared: Shared, *, resources: ResourceGroups, directory: Directory) -> None:
        self._settings, self._store, self._clock = shared.settings, shared.store, shared.clock
        self._resources, self._directory = resources, directory
        self.definitions = RoleDefinitions(shared.store, shared.clock, shared.settings.subscription_id)
        self.index = RbacIndex(self.definitions.role)
        self._ids_by_name: dict[str, str] = {}  # assignment GUID (lower-cased) → its id
        for doc in self._store.all(ASSIGNMENT_KIND):
            self._remember(RoleAssignment(**doc))
        resources.on_delete_under(self._forget_under)

    def allows(self, principal_id: str, action: str, scope: str) -> bool:
        return self.index.decide(principal_id, action, scope) is Decision.ALLOW

    # role definitions (RoleDefinitions_*)

    def definition_id(self, guid: str, scope: str = "") -> str:
        return self.definitions.definition_id(guid, scope)

    def resolve_definition_id(self, definition_id: str) -> RoleDefinition:
        """The role a `roleDefinitionId` (any well-formed scope prefix) names; 400 for a malformed or unknown one."""
        match = _DEFINITION_ID.match(definition_id or "")
        if not match or not is_guid(match.group(2)) or not is_well_formed(match.group(1) or "/"):
            raise InvalidRoleDefinitionId(definition_id)
        role = self.definitions.role(match.group(2))
        if role is None:
            raise RoleDefinitionDoesNotExist(match.group(2), status=400)
        return role

    def role_definitions_get(self, guid: str) -> RoleDefinitionRecord:
        if not is_guid(guid):
            raise InvalidRoleDefinitionId(guid)
        record = self.definitions.record(guid)
        if record is None:
            raise RoleDefinitionDoesNotExist(guid)
        return record

    def role_definitions_list(
        self, scope: str, role_name: str | None = None, role_type: str | None = None
    ) -> list[RoleDefinitionRecord]:
        return self.definitions.visible_at(scope, role_name, role_type)

    def role_definitions_create_or_update(
        self,
        guid: str,
        role_name: str,
        description: str,
        permissions: tuple[Permission, ...],
        assignable_scopes: tuple[str, ...],
        caller: str,
    ) -> RoleDefinitionRecord:
        """Create or update a custom role; the caller needs the write action wherever the role was or will be
        assignable, beyond the URL's scope the front door checked."""
        role, previous = self.definitions.prepare(guid, role_name, description, permissions, assignable_scopes)
        before = previous.role.assignable_scopes if previous else ()
        self._require_everywhere(caller, _DEFINITION_ACTION + "write", (*role.assignable_scopes, *before))
        self._refuse_orphans(role, before)
        return self.definitions.save(role, previous, caller)

    def role_definitions_delete(self, guid: str, caller: str) -> RoleDefinitionRecord | None:
        """Delete a custom role; None if there is none. Built-ins and roles still assigned are refused, and the
        caller needs the delete action at every scope the role is assignable at."""
        if builtin_role(guid) is not None:
            raise RoleDefinitionUpdateNotPermitted()
        record = self.definitions.record(guid)
        if record is None:
            return None
        self._require_everywhere(caller, _DEFINITION_ACTION + "delete", record.role.assignable_scopes)
        if self.index.assignments_with_role(guid):
            raise RoleDefinitionHasAssignments()
        return self.definitions.delete(guid)

    # role assignments (RoleAssignments_*)

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
        """Create the assignment; (existing, False) for an identical repeat of the same name."""
        if not is_guid(name):
            raise InvalidRoleAssignmentId(name)
        if not is_guid(principal_id):
            raise InvalidPrincipalId()
        if principal_type is not None and principal_type not in PRINCIPAL_TYPES:
            raise InvalidPrincipalType(principal_type)
        role = self.resolve_definition_id(definition_id)
        self._check_scope(scope)
        if not _assignable_at(role.assignable_scopes, scope):
            raise RoleAssignmentScopeNotAssignableToRoleDefinition(role.role_name)
        principal_type = principal_type or self._directory_type(principal_id)
        existing = self._by_name(name)
        if existing is not None:
            if (existing.id.lower(), existing.principal_id.lower(), existing.role_definition_guid.lower()) != (
                assignment_id(scope, name).lower(),
                principal_id.lower(),
                role.guid.lower(),
            ):
                raise RoleAssignmentUpdateNotPermitted()
            return existing, False
        if self._duplicate(scope, principal_id, role.guid):
            raise RoleAssignmentExists()
        now = self._clock.isoformat()
        assignment = RoleAssignment(
            name=name,
            scope=normalize_scope(scope),
            role_definition_guid=role.guid,
            principal_id=principal_id,
            principal_type=principal_type,
            created_on=now,
            updated_on=now,
            created_by=caller,
            updated_by=caller,
            description=description,
        )
        self._store.put(ASSIGNMENT_KIND, assignment.id, asdict(assignment), parent=assignment.scope)
        self._remember(assignment)
        return assignment, True

    def role_assignments_get(self, scope: str, name: str) -> RoleAssignment:
        assignment = self._find(scope, name)
        if assignment is None:
            raise RoleAssignmentNotFound(name)
        return assignment

    def role_assignments_delete(self, scope: str, name: str) -> RoleAssignment | None:
        assignment = self._find(scope, name)
        if assignment is not None:
            self._store.delete(ASSIGNMENT_KIND, assignment.id)
            self._forget(assignment.name)
        return assignment

    def role_assignments_list(
        self, scope: str, *, at_scope: bool = False, principal_id: str | None = None
    ) -> list[RoleAssignment]:
        """ARM's $filter semantics: at and above `scope`, and below it unless `at_scope`; principal narrows."""
        self._check_scope(scope)
        candidates: list[RoleAssignment | None]
        if principal_id is not None:
            candidates = [self._find(entry.scope, entry.name) for entry in self.index.assignments_of(principal_id)]
        elif at_scope:
            candidates = [
                RoleAssignment(**doc)
                for level in ancestors(scope)
                for doc in self._store.children(ASSIGNMENT_KIND, level)
            ]
        else:
            candidates = list(self._all())
        return [item for item in candidates if item is not None and _related(item.scope, scope, at_scope)]

    # internals

    def _require_everywhere(self, caller: str, action: str, scopes: tuple[str, ...]) -> None:
        """403 AuthorizationFailed, as the front door words it, naming the first scope where `action` is missing.

        Azure grants custom-role writes and deletes only to callers holding the action "on all the
        assignableScopes of the custom role" (https://learn.microsoft.com/azure/role-based-access-control/
        custom-roles#who-can-create-delete-update-or-view-a-custom-role); the refusal names that scope.
        """
        for scope in scopes:
            if not self.allows(caller, action, scope):
                raise AuthorizationFailed(caller, caller, action, scope)

    def _refuse_orphans(self, role: RoleDefinition, before: tuple[str, ...]) -> None:
        """An update may not drop a scope that still holds assignments of the role."""
        for assignment in self.index.assignments_with_role(role.guid):
            if not _assignable_at(role.assignable_scopes, assignment.scope):
                removed = next((old for old in before if is_at_or_below(assignment.scope, old)), assignment.scope)
                raise RoleScopeBeingRemovedContainsAssignments(removed)

    def _directory_type(self, principal_id: str) -> str:
        """The type of a principal an assignment names without principalType: Azure looks it up in the directory
        then, and skips the lookup when the type is given, the documented workaround for replication delay
        (https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#new-service-principal).
        The sandbox directory holds service principals only, managed identities' included."""
        if self._directory.service_principal(principal_id.lower()) is None:
            raise PrincipalNotFound(principal_id, self._settings.tenant_id)
        return "ServicePrincipal"

    def _check_scope(self, scope: str) -> None:
        """A scope inside a resource group needs the group (404 ResourceGroupNotFound otherwise)."""
        group = _GROUP_SCOPE.match(normalize_scope(scope))
        if group:
            self._resources.resource_groups_get(group.group(1))

    def _find(self, scope: str, name: str) -> RoleAssignment | None:
        doc = self._store.get(ASSIGNMENT_KIND, assignment_id(scope, name))
        return RoleAssignment(**doc) if doc else None

    def _by_name(self, name: str) -> RoleAssignment | None:
        key = self._ids_by_name.get(name.lower())
        doc = self._store.get(ASSIGNMENT_KIND, key) if key else None
        return RoleAssignment(**doc) if doc else None

    def _duplicate(self, scope: str, principal_id: str, role_guid: str) -> bool:
        wanted = normalize_scope(scope).lower()
        return any(
            entry.scope.lower() == wanted and entry.role_definition_guid.lower() == role_guid.lower()
            for entry in self.index.assignments_of(principal_id)
        )

    def _all(self) -> list[RoleAssignment]:
        return [RoleAssignment(**doc) for doc in self._store.all(ASSIGNMENT_KIND)]

    def _remember(self, assignment: RoleAssignment) -> None:
        self._ids_by_name[assignment.name.lower()] = assignment.id
        self.index.add(
            Assignment(assignment.name, assignment.scope, assignment.principal_id, assignment.role_definition_guid)
        )

    def _forget(self, name: str) -> None:
        self._ids_by_name.pop(name.lower(), None)
        self.index.remove(name)

    def _forget_under(self, prefix: str) -> None:
        for key in self._store.keys(ASSIGNMENT_KIND, prefix):
            doc = self._store.get(ASSIGNMENT_KIND, key)
            if doc:
                self._forget(doc["name"])


def _assignable_at(assignable_scopes: tuple[str, ...], scope: str) -> bool:
    """A role may be assigned at or below one of its assignable scopes (built-ins have `/`)."""
    return any(is_at_or_below(scope, assignable) for assignable in assignable_scopes)


def _related(candidate: str, scope: str, at_scope: bool) -> bool:
    above = normalize_scope(candidate).lower() in ancestors(scope)
    return above or (not at_scope and is_at_or_below(candidate, scope))
