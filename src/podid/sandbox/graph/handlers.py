"""Microsoft Graph handlers: applications, service principals, their owners and directoryObjects/getByIds.

Enough of Graph v1.0 for `az ad sp create-for-rbac` (applications, addPassword, servicePrincipals) and for
`az role assignment create/list --assignee <appId>` (servicePrincipals by servicePrincipalNames, getByIds).
Each handler asks ``request.caller`` first (see ``_authz`` for the rules).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from podid.sandbox.directory import GRAPH_APP_ID, GRAPH_APP_ROLES, Application, PasswordCredential, ServicePrincipal
from podid.sandbox.graph._filters import compile_filter
from podid.sandbox.graph._request import GraphRequest, GraphResponse
from podid.sandbox.graph.errors import GraphBadRequest, GraphNotFound

SP_TYPE = "#microsoft.graph.servicePrincipal"
_APP_TYPE = "#microsoft.graph.application"


def sp_to_graph(sp: ServicePrincipal) -> dict[str, Any]:
    is_app = sp.service_principal_type == "Application"
    return {
        "id": sp.object_id,
        "deletedDateTime": None,
        "accountEnabled": True,
        "alternativeNames": sp.alternative_names,
        "appDisplayName": sp.display_name if is_app else None,
        "appId": sp.app_id,
        "appOwnerOrganizationId": sp.tenant_id if is_app else None,
        "displayName": sp.display_name,
        "servicePrincipalNames": [sp.app_id],
        "servicePrincipalType": sp.service_principal_type,
        "signInAudience": "AzureADMyOrg" if is_app else None,
        "tags": [],
        "appRoles": app_roles_of(sp),
        "oauth2PermissionScopes": [],
        "keyCredentials": [],
        "passwordCredentials": [],
        "replyUrls": [],
    }


def app_roles_of(sp: ServicePrincipal) -> list[dict[str, Any]]:
    """The app roles a service principal offers: Microsoft Graph's application permissions, none for others."""
    if sp.app_id != GRAPH_APP_ID:
        return []
    return [
        {
            "allowedMemberTypes": ["Application"],
            "description": role.description,
            "displayName": role.display_name,
            "id": role.id,
            "isEnabled": True,
            "origin": "Application",
            "value": role.value,
        }
        for role in GRAPH_APP_ROLES
    ]


def password_to_graph(credential: PasswordCredential, secret_text: str | None = None) -> dict[str, Any]:
    return {
        "customKeyIdentifier": None,
        "displayName": credential.display_name,
        "endDateTime": credential.end_date_time,
        "hint": credential.hint,
        "keyId": credential.key_id,
        "secretText": secret_text,
        "startDateTime": credential.start_date_time,
    }


def app_to_graph(app: Application) -> dict[str, Any]:
    return {
        "id": app.object_id,
        "deletedDateTime": None,
        "appId": app.app_id,
        "createdDateTime": app.created_date_time,
        "displayName": app.display_name,
        "identifierUris": [],
        "publisherDomain": "podid.onmicrosoft.com",
        "signInAudience": "AzureADMyOrg",
        "tags": [],
        "keyCredentials": [],
        "passwordCredentials": [password_to_graph(item) for item in app.password_credentials],
        "requiredResourceAccess": [],
    }


def _listing(request: GraphRequest, collection: str, items: list[dict[str, Any]]) -> GraphResponse:
    keep = compile_filter(request.query.get("$filter"))
    return 200, {"@odata.context": request.context(collection), "value": [item for item in items if keep(item)]}


def entity(request: GraphRequest, collection: str, item: dict[str, Any], status: int = 200) -> GraphResponse:
    return status, {"@odata.context": request.context(f"{collection}/$entity"), **item}


def find_application(request: GraphRequest) -> Application:
    app = request.tenant.directory.application(request.params["id"])
    if app is None:
        raise GraphNotFound(request.params["id"])
    return app


def _managed_application(request: GraphRequest) -> Application:
    """The application a request changes, once the caller may change it."""
    app = find_application(request)
    request.caller.require_manage(app.owners)
    return app


def find_service_principal(request: GraphRequest) -> ServicePrincipal:
    sp = request.tenant.directory.service_principal(request.params["id"])
    if sp is None:
        raise GraphNotFound(request.params["id"])
    return sp


# servicePrincipals


def list_service_principals(request: GraphRequest) -> GraphResponse:
    request.caller.require_read()
    sps = request.tenant.directory.service_principals()
    return _listing(request, "servicePrincipals", [sp_to_graph(sp) for sp in sps])


def get_service_principal(request: GraphRequest) -> GraphResponse:
    request.caller.require_read()
    return entity(request, "servicePrincipals", sp_to_graph(find_service_principal(request)))


def create_service_principal(request: GraphRequest) -> GraphResponse:
    app_id = str(request.json().get("appId") or "")
    directory = request.tenant.directory
    app = directory.application_by_app_id(app_id)
    if app is None:
        raise GraphBadRequest(
            f"The appId '{app_id}' of the service principal does not reference a valid application object."
        )
    request.caller.require_manage(app.owners)
    if directory.service_principal_by_app_id(app_id) is not None:
        raise GraphBadRequest(
            "Another object with the same value for property servicePrincipalNames already exists.",
            code="Request_MultipleObjectsWithSameKeyValue",
        )
    sp = directory.create_service_principal(app, owner=request.caller.object_id)
    return entity(request, "servicePrincipals", sp_to_graph(sp), 201)


def delete_service_principal(request: GraphRequest) -> GraphResponse:
    sp = find_service_principal(request)
    app = request.tenant.directory.application_by_app_id(sp.app_id)
    request.caller.require_manage(sp.owners, app.owners if app else [])
    request.tenant.directory.delete_service_principal(sp.object_id)
    request.tenant.tokens.forget(sp.object_id)
    return 204, None


# applications


def list_applications(request: GraphRequest) -> GraphResponse:
    request.caller.require_read()
    apps = request.tenant.directory.applications()
    return _listing(request, "applications", [app_to_graph(app) for app in apps])


def get_application(request: GraphRequest) -> GraphResponse:
    request.caller.require_read()
    return entity(request, "applications", app_to_graph(find_application(request)))


def create_application(request: GraphRequest) -> GraphResponse:
    request.caller.require_create()
    display_name = request.json().get("displayName")
    if not isinstance(display_name, str) or not display_name.strip():
        raise GraphBadRequest("Invalid value specified for property 'displayName' of resource 'Application'.")
    app = request.tenant.directory.create_application(display_name, owner=request.caller.object_id)
    return entity(request, "applications", app_to_graph(app), 201)


def delete_application(request: GraphRequest) -> GraphResponse:
    app = _managed_application(request)
    sp = request.tenant.directory.service_principal_by_app_id(app.app_id)
    request.tenant.directory.delete_application(app.object_id)
    if sp is not None:
        request.tenant.tokens.forget(sp.object_id)
    return 204, None


def add_password(request: GraphRequest) -> GraphResponse:
    """A new client secret; its text is in this response only."""
    app = _managed_application(request)
    wanted = request.json().get("passwordCredential") or {}
    if not isinstance(wanted, dict):
        raise GraphBadRequest("Invalid value specified for property 'passwordCredential' of resource 'Application'.")
    secret, credential = request.tenant.directory.add_password(
        app, str(wanted.get("displayName") or ""), _years(request, wanted.get("endDateTime"))
    )
    return 200, {
        "@odata.context": request.context("microsoft.graph.passwordCredential"),
        **password_to_graph(credential, secret),
    }


def remove_password(request: GraphRequest) -> GraphResponse:
    app = _managed_application(request)
    key_id = request.json().get("keyId")
    if not isinstance(key_id, str) or not request.tenant.directory.remove_password(app, key_id):
        raise GraphBadRequest(f"No password credential found with keyId '{key_id}'.", code="Request_BadRequest")
    return 204, None


def update_application(request: GraphRequest) -> GraphResponse:
    """PATCH: Graph answers 204; of the writable properties the sandbox keeps only displayName."""
    app = _managed_application(request)
    name = request.json().get("displayName")
    if name is not None:
        if not isinstance(name, str) or not name:
            raise GraphBadRequest("Invalid value specified for property 'displayName' of resource 'Application'.")
        request.tenant.directory.rename_application(app, name)
    return 204, None


def _years(request: GraphRequest, end: object) -> int:
    """Whole years of validity asked for by `endDateTime` (Graph's default is two years)."""
    if not isinstance(end, str):
        return 2
    try:
        until = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError as error:
        raise GraphBadRequest(f"Invalid value specified for property 'endDateTime': '{end}'.") from error
    now = request.tenant.clock.utcnow()
    return max(1, round((until.astimezone(UTC) - now).days / 365.25))


# directoryObjects


def _list_property(body: dict[str, Any], key: str, default: list[str]) -> list[Any]:
    value = body.get(key, default)
    if not isinstance(value, list):
        raise GraphBadRequest(f"Invalid value specified for property '{key}' of resource 'directoryObject'.")
    return value


def get_by_ids(request: GraphRequest) -> GraphResponse:
    request.caller.require_read()
    body = request.json()
    ids = _list_property(body, "ids", [])
    wanted = {str(name).lower() for name in _list_property(body, "types", ["servicePrincipal", "application"])}
    directory = request.tenant.directory
    found: list[dict[str, Any]] = []
    for object_id in map(str, ids):
        sp = directory.service_principal(object_id) if "serviceprincipal" in wanted else None
        app = directory.application(object_id) if "application" in wanted else None
        if sp is not None:
            found.append({"@odata.type": SP_TYPE, **sp_to_graph(sp)})
        elif app is not None:
            found.append({"@odata.type": _APP_TYPE, **app_to_graph(app)})
    return 200, {"@odata.context": request.context("directoryObjects"), "value": found}


ROUTES = [
    ("GET", "/servicePrincipals", list_service_principals),
    ("POST", "/servicePrincipals", create_service_principal),
    ("GET", "/servicePrincipals/{id}", get_service_principal),
    ("DELETE", "/servicePrincipals/{id}", delete_service_principal),
    ("GET", "/applications", list_applications),
    ("POST", "/applications", create_application),
    ("GET", "/applications/{id}", get_application),
    ("DELETE", "/applications/{id}", delete_application),
    ("PATCH", "/applications/{id}", update_application),
    ("POST", "/applications/{id}/addPassword", add_password),
    ("POST", "/applications/{id}/removePassword", remove_password),
    ("POST", "/directoryObjects/getByIds", get_by_ids),
]
