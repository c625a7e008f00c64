"""Granting through Graph: app role assignments (application permissions) and directory role assignments.

``POST /servicePrincipals/{id}/appRoleAssignments`` is how an admin grants a service principal a Microsoft
Graph application permission (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignments);
``POST /roleManagement/directory/roleAssignments`` gives it a directory role at tenant scope
(https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments). Who may do either: ``_authz``.
"""

from __future__ import annotations

from typing import Any

from podid.sandbox.directory import DIRECTORY_ROLES, AppRoleAssignment, DirectoryRoleAssignment
from podid.sandbox.graph._request import GraphRequest, GraphResponse
from podid.sandbox.graph.errors import GraphBadRequest, GraphNotFound
from podid.sandbox.graph.handlers import app_roles_of, entity, find_service_principal


def app_role_assignment_to_graph(item: AppRoleAssignment) -> dict[str, Any]:
    return {
        "id": item.id,
        "deletedDateTime": None,
        "appRoleId": item.app_role_id,
        "createdDateTime": item.created_date_time,
        "principalDisplayName": item.principal_display_name,
        "principalId": item.principal_id,
        "principalType": "ServicePrincipal",
        "resourceDisplayName": item.resource_display_name,
        "resourceId": item.resource_id,
    }


def role_assignment_to_graph(item: DirectoryRoleAssignment) -> dict[str, Any]:
    return {
        "id": item.id,
        "principalId": item.principal_id,
        "roleDefinitionId": item.role_definition_id,
        "directoryScopeId": "/",
    }


def _text(body: dict[str, Any], key: str, resource: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise GraphBadRequest(f"Invalid value specified for property '{key}' of resource '{resource}'.")
    return value.lower()


def list_app_role_assignments(request: GraphRequest) -> GraphResponse:
    request.caller.require_read()
    sp = find_service_principal(request)
    items = request.tenant.directory.grants.app_role_assignments(sp.object_id)
    value = [app_role_assignment_to_graph(item) for item in items]
    context = request.context(f"servicePrincipals('{sp.object_id}')/appRoleAssignments")
    return 200, {"@odata.context": context, "value": value}


def create_app_role_assignment(request: GraphRequest) -> GraphResponse:
    """Grant the service principal ``{id}`` an app role of ``resourceId`` (only Microsoft Graph has app roles)."""
    request.caller.require_read()  # Graph also wants read access here, beyond AppRoleAssignment.ReadWrite.All
    request.caller.require_grant_app_role()
    sp, body = find_service_principal(request), request.json()
    if _text(body, "principalId", "appRoleAssignment") != sp.object_id.lower():
        raise GraphBadRequest("Invalid value specified for property 'principalId' of resource 'appRoleAssignment'.")
    directory = request.tenant.directory
    resource = directory.service_principal(_text(body, "resourceId", "appRoleAssignment"))
    if resource is None:
        raise GraphNotFound(str(body["resourceId"]))
    app_role_id = _text(body, "appRoleId", "appRoleAssignment")
    offered = {role["id"] for role in app_roles_of(resource)}
    if app_role_id not in offered:
        raise GraphBadRequest(f"Permission being assigned was not found on application '{resource.app_id}'.")
    held = directory.grants.app_role_assignments(sp.object_id)
    if any(item.app_role_id == app_role_id and item.resource_id == resource.object_id for item in held):
        raise GraphBadRequest("Permission being assigned already exists on the object")
    assignment = directory.grants.assign_app_role(sp, resource, app_role_id)
    context = f"servicePrincipals('{sp.object_id}')/appRoleAssignments"
    return entity(request, context, app_role_assignment_to_graph(assignment), 201)


def create_role_assignment(request: GraphRequest) -> GraphResponse:
    """A directory role for a service principal, at tenant scope ``/`` (the only scope the sandbox has)."""
    request.caller.require_grant_directory_role()
    body = request.json()
    role = _text(body, "roleDefinitionId", "unifiedRoleAssignment")
    if role not in DIRECTORY_ROLES:
        raise GraphBadRequest(
            "Invalid value specified for property 'roleDefinitionId' of resource 'unifiedRoleAssignment'."
        )
    if body.get("directoryScopeId", "/") != "/":
        raise GraphBadRequest(
            "Invalid value specified for property 'directoryScopeId' of resource 'unifiedRoleAssignment'."
        )
    principal = request.tenant.directory.service_principal(_text(body, "principalId", "unifiedRoleAssignment"))
    if principal is None:
        raise GraphNotFound(str(body["principalId"]))
    grants = request.tenant.directory.grants
    if role in grants.directory_roles(principal.object_id):
        raise GraphBadRequest(
            "A conflicting object with one or more of the specified property values is present in the directory."
        )
    assignment = grants.assign_directory_role(principal.object_id, role)
    return entity(request, "roleManagement/directory/roleAssignments", role_assignment_to_graph(assignment), 201)


ROUTES = [
    ("GET", "/servicePrincipals/{id}/appRoleAssignments", list_app_role_assignments),
    ("POST", "/servicePrincipals/{id}/appRoleAssignments", create_app_role_assignment),
    ("POST", "/roleManagement/directory/roleAssignments", create_role_assignment),
]
