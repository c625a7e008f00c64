"""The Graph front end: bearer-token check, routing under ``/v1.0``, Graph's error envelope.

Graph shares the ARM host (the cloud metadata points ``microsoftGraphResourceId`` there), so a token for
either audience is accepted, as is one for the real Graph resource.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from aiohttp import web

from podid.sandbox.graph import handlers
from podid.sandbox.graph._request import GraphRequest, GraphResponse
from podid.sandbox.graph.errors import GraphError, GraphUnauthorized, MethodNotAllowed, UnknownSegment
from podid.sandbox.tokens import TokenError

if TYPE_CHECKING:
    from collections.abc import Callable

    from podid.sandbox.cloud import Cloud

GRAPH_AUDIENCES = frozenset(
    {"https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000"}
)
_TOKEN_MESSAGES = {
    "expired": "Lifetime validation failed, the token is expired.",
    "audience": "Access token validation failure. Invalid audience.",
}


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$", re.IGNORECASE)


class GraphApi:
    """Serves ``/v1.0/{tail}`` of the Azure HTTPS app for one Cloud."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.audiences = cloud.settings.arm_audiences | GRAPH_AUDIENCES
        self.routes = [(method, _compile(path), handler) for method, path, handler in handlers.ROUTES]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        request_id = self.cloud.ids.guid()
        client_request_id = request.headers.get("client-request-id", request_id)
        try:
            status, body = await self._dispatch(request)
        except GraphError as error:
            status, body = error.status, error.body(request_id, client_request_id, self.cloud.clock.utcnow())
        headers = {"request-id": request_id, "client-request-id": client_request_id}
        if body is None:
            return web.Response(status=status, headers=headers)
        return web.Response(status=status, text=json.dumps(body), headers=headers, content_type="application/json")

    async def _dispatch(self, request: web.Request) -> GraphResponse:
        self._authenticate(request.headers.get("Authorization", ""))
        path = "/" + request.match_info["tail"].strip("/")
        handler, params = self._route(request.method, path)
        base_url = self.cloud.settings.arm_url.rstrip("/") + "/v1.0"
        query = dict(request.query.items())
        return handler(GraphRequest(request.method, params, query, await request.read(), base_url, self.cloud))

    def _authenticate(self, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise GraphUnauthorized("Access token is empty.")
        try:
            self.cloud.tokens.validate(token.strip(), self.audiences)
        except TokenError as error:
            raise GraphUnauthorized(_TOKEN_MESSAGES.get(error.reason, "Access token validation failure.")) from error

    def _route(self, method: str, path: str) -> tuple[Callable[[GraphRequest], GraphResponse], dict[str, str]]:
        matched = [(verb, found, handler) for verb, pattern, handler in self.routes if (found := pattern.match(path))]
        for verb, found, handler in matched:
            if verb == method:
                return handler, found.groupdict()
        if matched:
            raise MethodNotAllowed()
        raise UnknownSegment(path.rsplit("/", 1)[-1])
