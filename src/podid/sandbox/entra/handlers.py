"""Entra ID's OAuth2 endpoints for the sandbox tenant: discovery, keys and the token endpoint.

Errors use Entra's OAuth2 shape: ``{"error", "error_description": "AADSTS…: …", "error_codes": [n],
"timestamp", "trace_id", "correlation_id"}`` with the status Entra gives (400 or 401).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from podid.sandbox.entra.errors import (
    EntraError,
    InvalidClient,
    InvalidRequest,
    TenantNotFound,
    UnknownApplication,
    UnsupportedGrant,
)
from podid.sandbox.proxy.hosts import public_base

if TYPE_CHECKING:
    from podid.sandbox.directory.tenant import Tenant

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# A client-assertion grant verifier: (Entra's tenant, client_id, assertion) -> the principal to issue for.
AssertionVerifier = Callable[["Tenant", str, str], Any]


def _tenant(entra: Tenant, request: web.Request) -> str:
    tenant = request.match_info["tenant"]
    if tenant.lower() not in {entra.settings.tenant_id.lower(), "organizations", "common"}:
        raise TenantNotFound(tenant)
    return entra.settings.tenant_id


def openid_configuration(entra: Tenant, request: web.Request) -> dict[str, Any]:
    tenant = _tenant(entra, request)
    base = f"{public_base(request.host, entra.settings.authority)}/{tenant}"
    return {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": entra.tokens.issuer(tenant),
        "request_uri_parameter_supported": False,
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "tenant_region_scope": "NA",
        "cloud_instance_name": "podid.sandbox",
    }


def instance_discovery(entra: Tenant, request: web.Request) -> dict[str, Any]:
    base = f"{public_base(request.host, entra.settings.authority)}/{entra.settings.tenant_id}"
    return {
        "tenant_discovery_endpoint": f"{base}/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [],
    }


def resource_from_scope(scope: str) -> str:
    """`https://management.azure.com//.default` → `https://management.azure.com/` (Entra's rule)."""
    first = scope.split(maxsplit=1)[0] if scope.split() else ""
    if not first.endswith("/.default"):
        raise InvalidRequest(
            70011,
            f"The provided request must include a 'scope' input parameter. The provided value "
            f"for the input parameter 'scope' is not valid. The scope {scope} is not valid.",
        )
    return first[: -len("/.default")]


async def token(entra: Tenant, request: web.Request, verify_assertion: AssertionVerifier | None) -> dict[str, Any]:
    _tenant(entra, request)
    fields = await _form(request)
    if fields.get("grant_type") != "client_credentials":
        raise UnsupportedGrant(fields.get("grant_type", ""))
    client_id = fields.get("client_id", "")
    if not client_id:
        raise InvalidRequest(900144, "The request body must contain the following parameter: 'client_id'.")
    audience = resource_from_scope(fields.get("scope", "")) if "scope" in fields else fields.get("resource", "")
    if "client_secret" in fields:
        principal = _secret_principal(entra, client_id, fields["client_secret"])
    elif fields.get("client_assertion_type") == ASSERTION_TYPE and verify_assertion is not None:
        principal = verify_assertion(entra, client_id, fields.get("client_assertion", ""))
    else:
        raise InvalidClient(
            7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
        )
    issued = entra.tokens.issue(principal, audience)
    return {
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "ext_expires_in": issued.expires_in,
        "access_token": issued.access_token,
    }


async def _form(request: web.Request) -> dict[str, str]:
    """The form fields; a body that is no form (bytes that are not UTF-8, a broken multipart) is malformed."""
    try:
        form = await request.post()
    except ValueError:  # UnicodeDecodeError included
        raise InvalidRequest(9002313, "Invalid request. Request is malformed or invalid.") from None
    return {key: str(value) for key, value in form.items()}


def _secret_principal(entra: Tenant, client_id: str, secret: str) -> Any:
    sp = entra.directory.service_principal_by_app_id(client_id)
    if sp is None or sp.service_principal_type != "Application":
        raise UnknownApplication(client_id, entra.settings.tenant_id)
    if not entra.directory.check_secret(client_id, secret):
        raise InvalidClient(
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request "
            f"is the client secret value, not the client secret ID, for a secret added to "
            f"app '{client_id}'.",
        )
    return sp.principal()


def error_response(entra: Tenant, error: EntraError) -> web.Response:
    return web.json_response(error.body(entra.ids.guid(), entra.clock.utcnow()), status=error.status)
