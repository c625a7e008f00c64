"""Microsoft.Authorization handlers: parse the request, call the backend, shape the ARM JSON.

Extension resources live under any scope, so the routes capture it as ``{scope}``; the tenant root has its
own routes without one (its scope is ``/``).
"""

from __future__ import annotations

from typing import Any

from podid.azure_rbac import Permission, is_well_formed
from podid.sandbox.arm._request import ArmRequest, ArmResponse, created, no_content, ok, page
from podid.sandbox.arm.authorization._filters import assignment_filter, definition_filter
from podid.sandbox.arm.authorization.definitions import RoleDefinitionRecord
from podid.sandbox.arm.authorization.errors import InvalidScope
from podid.sandbox.arm.authorization.models import AuthorizationBackend, RoleAssignment
from podid.sandbox.arm.errors import InvalidRequestContent

Request = ArmRequest[AuthorizationBackend]

ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"
_SKIP_TOKEN = "$skipToken"


def _scope(request: Request) -> str:
    """The URL's scope; one with `..`, `.` or empty segments would be stored under one name and mean another."""
    scope = request.params.get("scope") or "/"
    if not is_well_formed(scope):
        raise InvalidScope(scope)
    return scope


def _properties(request: Request) -> dict[str, Any]:
    properties = request.json().get("properties")
    if not isinstance(properties, dict):
        raise InvalidRequestContent("The request content was invalid and could not be deserialized: 'properties'.")
    return properties


def assignment_to_arm(request: Request, assignment: RoleAssignment) -> dict[str, Any]:
    authorization = request.backend
    return {
        "id": assignment.id,
        "name": assignment.name,
        "type": ASSIGNMENT_TYPE,
        "properties": {
            "roleDefinitionId": authorization.definition_id(assignment.role_definition_guid, assignment.scope),
            "principalId": assignment.principal_id,
            "principalType": assignment.principal_type,
            "scope": assignment.scope,
            "condition": assignment.condition,
            "conditionVersion": assignment.condition_version,
            "description": assignment.description,
            "delegatedManagedIdentityResourceId": None,
            "createdOn": assignment.created_on,
            "updatedOn": assignment.updated_on,
            "createdBy": assignment.created_by,
            "updatedBy": assignment.updated_by,
        },
    }


def definition_to_arm(request: Request, record: RoleDefinitionRecord, scope: str) -> dict[str, Any]:
    role = record.role
    return {
        "id": request.backend.definition_id(role.guid, scope),
        "name": role.guid,
        "type": DEFINITION_TYPE,
        "properties": {
            "roleName": role.role_name,
            "type": role.role_type,
            "description": role.description,
            "assignableScopes": list(role.assignable_scopes),
            "permissions": [
                {
                    "actions": list(permission.actions),
                    "notActions": list(permission.not_actions),
                    "dataActions": list(permission.data_actions),
                    "notDataActions": list(permission.not_data_actions),
                }
                for permission in role.permissions
            ],
            "createdOn": record.created_on,
            "updatedOn": record.updated_on,
            "createdBy": record.created_by,
            "updatedBy": record.updated_by,
        },
    }


# role assignments


def create_assignment(request: Request) -> ArmResponse:
    properties = _properties(request)
    assignment, is_new = request.backend.role_assignments_create(
        _scope(request),
        request.params["roleAssignmentName"],
        str(properties.get("roleDefinitionId") or ""),
        str(properties.get("principalId") or ""),
        _string(properties, "principalType") or None,
        request.caller.object_id,
        _string(properties, "description") or None,
    )
    return (created if is_new else ok)(assignment_to_arm(request, assignment))


def get_assignment(request: Request) -> ArmResponse:
    assignment = request.backend.role_assignments_get(_scope(request), request.params["roleAssignmentName"])
    return ok(assignment_to_arm(request, assignment))


def delete_assignment(request: Request) -> ArmResponse:
    deleted = request.backend.role_assignments_delete(_scope(request), request.params["roleAssignmentName"])
    return no_content() if deleted is None else ok(assignment_to_arm(request, deleted))


def list_assignments(request: Request) -> ArmResponse:
    wanted = assignment_filter(request.query.get("$filter"))
    assignments = request.backend.role_assignments_list(
        _scope(request), at_scope=wanted.at_scope, principal_id=wanted.principal_id
    )
    return page(request, [assignment_to_arm(request, item) for item in assignments], skip_token=_SKIP_TOKEN)


# role definitions


def get_definition(request: Request) -> ArmResponse:
    scope = _scope(request)
    record = request.backend.role_definitions_get(request.params["roleDefinitionId"])
    return ok(definition_to_arm(request, record, scope))


def list_definitions(request: Request) -> ArmResponse:
    wanted = definition_filter(request.query.get("$filter"))
    scope = _scope(request)
    records = request.backend.role_definitions_list(scope, wanted.role_name, wanted.role_type)
    return page(request, [definition_to_arm(request, item, scope) for item in records], skip_token=_SKIP_TOKEN)


def create_definition(request: Request) -> ArmResponse:
    scope = _scope(request)
    properties = _properties(request)
    record = request.backend.role_definitions_create_or_update(
        request.params["roleDefinitionId"],
        _string(properties, "roleName"),
        _string(properties, "description"),
        _permissions(properties.get("permissions")),
        tuple(_strings(properties.get("assignableScopes"), "assignableScopes")),
        request.caller.object_id,
    )
    return created(definition_to_arm(request, record, scope))


def delete_definition(request: Request) -> ArmResponse:
    scope = _scope(request)
    deleted = request.backend.role_definitions_delete(request.params["roleDefinitionId"], request.caller.object_id)
    return no_content() if deleted is None else ok(definition_to_arm(request, deleted, scope))


def _string(properties: dict[str, Any], key: str) -> str:
    value = properties.get(key) or ""
    if not isinstance(value, str):
        raise InvalidRequestContent(f"The request content was invalid and could not be deserialized: '{key}'.")
    return value


def _strings(value: object, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidRequestContent(f"The request content was invalid and could not be deserialized: '{key}'.")
    return value


def _permissions(value: object) -> tuple[Permission, ...]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidRequestContent("The request content was invalid and could not be deserialized: 'permissions'.")
    return tuple(
        Permission(
            tuple(_strings(item.get("actions"), "actions")),
            tuple(_strings(item.get("notActions"), "notActions")),
            tuple(_strings(item.get("dataActions"), "dataActions")),
            tuple(_strings(item.get("notDataActions"), "notDataActions")),
        )
        for item in value
    )
