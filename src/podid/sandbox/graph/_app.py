"""The Graph front end: bearer-token check, the caller's grants, routing under ``/v1.0``, Graph's error envelope.

Graph shares the ARM host but not its audience: it accepts tokens for Microsoft Graph (``https://graph.microsoft.com``,
with or without the slash, or Graph's app id) and for the sandbox's own ``microsoftGraphResourceId``
(``{arm}graph/``, which the Azure CLI uses as both audience and address); an ARM token, which any pod with a
managed identity can get, is Graph's 401 "Invalid audience". What the caller may then do is ``_authz``'s call.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aiohttp import web

from podid.sandbox._url_templates import compile_template
from podid.sandbox.core.tokens import TokenError
from podid.sandbox.graph import grants, handlers, owners
from podid.sandbox.graph._authz import Caller
from podid.sandbox.graph._request import GraphRequest, GraphResponse
from podid.sandbox.graph.errors import GraphError, GraphUnauthorized, MethodNotAllowed, UnknownSegment
from podid.sandbox.proxy.hosts import public_base

if TYPE_CHECKING:
    from collections.abc import Callable

    from podid.sandbox.directory.tenant import Tenant

GRAPH_AUDIENCES = frozenset(
    {"https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000"}
)
_TOKEN_MESSAGES = {
    "expired": "Lifetime validation failed, the token is expired.",
    "audience": "Access token validation failure. Invalid audience.",
}


_OWN_PATH = "/graph/"
ROUTES = [*handlers.ROUTES, *owners.ROUTES, *grants.ROUTES]  # (method, template under /v1.0, handler)


def resource_id(arm_url: str) -> str:
    """The sandbox's Microsoft Graph resource id and base address (Graph v1.0 is at ``{it}v1.0``)."""
    return arm_url.rstrip("/") + _OWN_PATH


class GraphApi:
    """Serves ``/v1.0/{tail}`` of the Azure HTTPS app for the sandbox tenant."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        own = resource_id(tenant.settings.arm_url)
        self.audiences = GRAPH_AUDIENCES | {own, own.rstrip("/")}
        self.routes = [(method, compile_template(path), handler) for method, path, handler in ROUTES]

    def add_routes(self, app: web.Application) -> None:
        """Graph v1.0 under ``/v1.0/`` (podid's own calls) and under the resource id's path (the Azure CLI's)."""
        for prefix in ("/", _OWN_PATH):
            # (?s): a path may hold any character once percent-decoded, a line feed too
            app.router.add_route("*", prefix + "v1.0/{tail:(?s:.*)}", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        request_id = self.tenant.ids.guid()
        client_request_id = request.headers.get("client-request-id", request_id)
        try:
            status, body = await self._dispatch(request)
        except GraphError as error:
            status, body = error.status, error.body(request_id, client_request_id, self.tenant.clock.utcnow())
        headers = {"request-id": request_id, "client-request-id": client_request_id}
        if body is None:
            return web.Response(status=status, headers=headers)
        return web.Response(status=status, text=json.dumps(body), headers=headers, content_type="application/json")

    async def _dispatch(self, request: web.Request) -> GraphResponse:
        caller = Caller.of(self.tenant.directory, self._authenticate(request.headers.get("Authorization", "")))
        path = "/" + request.match_info["tail"].strip("/")
        handler, params = self._route(request.method, path)
        base_url = public_base(request.host, self.tenant.settings.arm_url) + "/v1.0"
        query = dict(request.query.items())
        body = await request.read()
        return handler(GraphRequest(request.method, params, query, body, base_url, self.tenant, caller))

    def _authenticate(self, authorization: str) -> str:
        """The object id of the token's principal."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise GraphUnauthorized("Access token is empty.")
        try:
            claims = self.tenant.tokens.validate(token.strip(), self.audiences)
        except TokenError as error:
            raise GraphUnauthorized(_TOKEN_MESSAGES.get(error.reason, "Access token validation failure.")) from error
        return str(claims.get("oid", ""))

    def _route(self, method: str, path: str) -> tuple[Callable[[GraphRequest], GraphResponse], dict[str, str]]:
        matched = [(verb, found, handler) for verb, pattern, handler in self.routes if (found := pattern.match(path))]
        for verb, found, handler in matched:
            if verb == method:
                return handler, found.groupdict()
        if matched:
            raise MethodNotAllowed()
        raise UnknownSegment(path.rsplit("/", 1)[-1])
