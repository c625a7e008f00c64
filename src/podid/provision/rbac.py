"""Role definitions and role assignments, as the Azure CLI and aks-preview use them.

* A role is given by name ("DNS Zone Contributor"), GUID or full id; names are looked up at the scope with
  ``$filter=roleName eq '…'`` and must match exactly one definition.
* Creating an assignment retries ``PrincipalNotFound`` (a new identity's service principal is not yet visible to
  ARM) for a bounded time; ``409 RoleAssignmentExists`` means the assignment is already there, and the existing
  one is returned.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from azure.mgmt.authorization.v2022_04_01.models import RoleAssignment, RoleAssignmentCreateParameters, RoleDefinition

from podid.provision.errors import ROLE_ASSIGNMENT_EXISTS, Conflict, ProvisionError, Transient, translated

ROLE_DEFINITIONS = "/providers/Microsoft.Authorization/roleDefinitions/"
PRINCIPAL_WAIT_SECONDS = 60.0
_NAMESPACE = uuid.UUID("5d6f3c38-4b1e-4a57-9f5e-7a0d8e2f1c11")

BUILT_IN = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "DNS Zone Contributor": "befefa01-2a29-4197-83a8-272ff33ce314",
    "Virtual Machine Contributor": "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
}


class RoleAssignmentsApi(Protocol):
    def create(
        self, scope: str, role_assignment_name: str, parameters: RoleAssignmentCreateParameters, **kwargs: Any
    ) -> RoleAssignment: ...

    def list_for_scope(self, scope: str, filter: str | None = None, **kwargs: Any) -> Iterable[RoleAssignment]: ...


class RoleDefinitionsApi(Protocol):
    def list(self, scope: str, filter: str | None = None, **kwargs: Any) -> Iterable[RoleDefinition]: ...


def guid_of(definition_id: str) -> str:
    return definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def definition_id(subscription_id: str, guid: str) -> str:
    return f"/subscriptions/{subscription_id}{ROLE_DEFINITIONS}{guid}"


def is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def resolve_role(definitions: RoleDefinitionsApi, scope: str, role: str, subscription_id: str) -> str:
    """The role definition id for a role name, GUID or id (az's ``_resolve_role_id``)."""
    if role.lower().startswith(("/subscriptions/", "/providers/")):
        return role
    if is_guid(role):
        return definition_id(subscription_id, role)
    with translated():
        found = list(definitions.list(scope, filter=f"roleName eq '{role}'"))
    if not found:
        raise ProvisionError(f"Role '{role}' doesn't exist.")
    if len(found) > 1:
        ids = ", ".join(str(item.id) for item in found)
        raise ProvisionError(f"Multiple roles match the name '{role}': {ids}. Use the role id instead.")
    return str(found[0].id)


def stable_name(scope: str, role_guid: str, principal_id: str) -> str:
    """A deterministic assignment name, so that a retried `up` re-PUTs the same assignment."""
    return str(uuid.uuid5(_NAMESPACE, f"{scope.lower()}|{role_guid.lower()}|{principal_id.lower()}"))


def matches(assignment: RoleAssignment, scope: str, role_guid: str, principal_id: str) -> bool:
    return (
        (assignment.scope or "").lower() == scope.lower()
        and guid_of(assignment.role_definition_id or "") == role_guid.lower()
        and (assignment.principal_id or "").lower() == principal_id.lower()
    )


def find(assignments: RoleAssignmentsApi, scope: str, role_guid: str, principal_id: str) -> RoleAssignment | None:
    """The assignment of this role to this principal exactly at this scope, if any."""
    with translated():
        listed = assignments.list_for_scope(scope, filter=f"atScope() and assignedTo('{principal_id}')")
        return next((item for item in listed if matches(item, scope, role_guid, principal_id)), None)


def create(
    assignments: RoleAssignmentsApi,
    scope: str,
    role_definition_id: str,
    principal_id: str,
    principal_type: str | None = "ServicePrincipal",
    name: str | None = None,
    wait_seconds: float = PRINCIPAL_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    description: str | None = None,
) -> RoleAssignment:
    """Create the assignment (or return the one that exists); retry PrincipalNotFound up to ``wait_seconds``."""
    parameters = RoleAssignmentCreateParameters(
        role_definition_id=role_definition_id, principal_id=principal_id, description=description
    )
    parameters.principal_type = principal_type  # type: ignore[assignment]  # None: omitted, as aks-preview does
    name = name or str(uuid.uuid4())
    waited, delay = 0.0, 1.0
    while True:
        try:
            with translated():
                return assignments.create(scope, name, parameters)
        except Conflict as error:
            existing = None
            if error.code == ROLE_ASSIGNMENT_EXISTS:
                existing = find(assignments, scope, guid_of(role_definition_id), principal_id)
            if existing is None:
                raise
            return existing
        except Transient:  # PrincipalNotFound (replication delay), throttling, 5xx
            if waited >= wait_seconds:
                raise
            sleep(delay)
            waited, delay = waited + delay, min(delay * 2, 10.0)
