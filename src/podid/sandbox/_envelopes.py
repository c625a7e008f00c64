"""The HTTP layer's own refusals on the Azure host, in the error envelope of the API the path belongs to.

aiohttp answers a path no route matches, a body over ``client_max_size`` or a handler's unexpected exception
with a plain-text page; ARM, Microsoft Graph and Entra ID never do. This middleware rewrites those answers for
their paths (and leaves the control surface's and the OIDC issuers' own answers alone). It costs one
try/except per request.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp.web_urldispatcher import MatchInfoError

from podid.sandbox.arm.errors import ArmError, RequestContentTooLarge
from podid.sandbox.entra.errors import InvalidRequest
from podid.sandbox.graph.errors import GraphError

if TYPE_CHECKING:
    from podid.sandbox.arm._frontdoor import FrontDoor
    from podid.sandbox.directory.tenant import Tenant

log = logging.getLogger(__name__)

_GRAPH = ("/v1.0/", "/graph/v1.0/")
_ENTRA_TOKEN = re.compile(r"^/[^/]+/oauth2/(?:v2\.0/)?token$")


def middleware(tenant: Tenant, front_door: FrontDoor) -> Middleware:
    @web.middleware
    async def envelopes(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as error:
            refusal = _refusal(tenant, front_door, request, error.status, error.reason) if error.status >= 400 else None
            if refusal is None:
                raise
            return refusal
        except Exception:
            refusal = _refusal(tenant, front_door, request, 500, "Internal Server Error")
            if refusal is None:
                raise
            log.exception("unhandled error in %s %s", request.method, request.path)
            return refusal

    return envelopes


def _refusal(
    tenant: Tenant, front_door: FrontDoor, request: web.Request, status: int, reason: str
) -> web.Response | None:
    path = request.path
    if path.startswith(_GRAPH):
        return _graph(tenant, request, status, reason)
    if _ENTRA_TOKEN.match(path):
        error = InvalidRequest(9002313, "Invalid request. Request is malformed or invalid.", status=status)
        return web.json_response(error.body(tenant.ids.guid(), tenant.clock.utcnow()), status=status)
    if isinstance(request.match_info, MatchInfoError):  # no route: every other path is ARM's
        return front_door.refuse(request, _arm_error(status, reason))
    return None


def _arm_error(status: int, reason: str) -> ArmError:
    if status == 413:
        return RequestContentTooLarge()
    if status == 500:
        return ArmError("Encountered internal server error.")
    return ArmError(reason, code=reason.replace(" ", ""), status=status)


def _graph(tenant: Tenant, request: web.Request, status: int, reason: str) -> web.Response:
    request_id = tenant.ids.guid()
    error = GraphError(reason, code=reason.replace(" ", ""))
    body = error.body(request_id, request.headers.get("client-request-id", request_id), tenant.clock.utcnow())
    return web.json_response(body, status=status, headers={"request-id": request_id})
