"""The ARM front door: one aiohttp handler in front of every resource provider.

Order of work for each request, as ARM does it: normalise the path, require an api-version, authenticate
the bearer token, check the subscription, route, check the api-version against the ones the route's provider
serves, authorise the route's action over its scope (RBAC), then call the provider's handler. Errors become
the ARM envelope here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime

from aiohttp import web

from podid.sandbox.arm._request import ArmRequest, ArmResponse, Caller
from podid.sandbox.arm._routing import Route, Router, fill
from podid.sandbox.arm.errors import (
    ArmError,
    AuthorizationFailed,
    InvalidApiVersionParameter,
    InvalidResourceNamespace,
    InvalidResourceType,
    MissingApiVersionParameter,
    RequestContentTooLarge,
    SubscriptionNotFound,
    Unauthenticated,
)
from podid.sandbox.arm.operations import Operations
from podid.sandbox.arm.provider import Shared
from podid.sandbox.arm.siblings import Authorizer
from podid.sandbox.core.ids import Clock
from podid.sandbox.core.metrics import Metrics
from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.core.tokens import TokenError, TokenService
from podid.sandbox.proxy.hosts import public_base

log = logging.getLogger(__name__)

_SLASHES = re.compile(r"/{2,}")
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_PROVIDER = re.compile(r"/providers/([^/]+)(?:/([^/]+))?", re.IGNORECASE)
_RATE_HEADER = {
    "GET": "x-ms-ratelimit-remaining-subscription-reads",
    "HEAD": "x-ms-ratelimit-remaining-subscription-reads",
    "DELETE": "x-ms-ratelimit-remaining-subscription-deletes",
}
_WRITE_METHODS = frozenset({"PUT", "PATCH", "POST", "DELETE"})
MAX_REQUEST_BYTES = 4 * 1024 * 1024  # RequestContentTooLarge beyond (errors.py)


def normalise_path(path: str) -> str:
    path = _SLASHES.sub("/", path)
    return path.rstrip("/") or "/"


class FrontDoor:
    """Authenticates, routes and authorises ARM requests, and hands each to its provider's handler and backend."""

    def __init__(
        self,
        shared: Shared,
        *,
        router: Router,
        namespaces: tuple[str, ...],
        tokens: TokenService,
        authorization: Authorizer,
        operations: Operations,
        metrics: Metrics,
    ) -> None:
        self.settings, self.ids, self.clock = shared.settings, shared.ids, shared.clock
        self.router = router
        self.known_namespaces = frozenset(namespace.lower() for namespace in namespaces)
        self.tokens, self.authorization, self.operations, self.metrics = tokens, authorization, operations, metrics

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        correlation = request.headers.get("x-ms-correlation-request-id") or self.ids.guid()
        try:
            response = self.dispatch(request, await _read(request))
        except ArmError as error:
            response = self._error(error)
        except Exception:
            log.exception("unhandled error in %s %s", request.method, request.path)
            response = ArmResponse(
                500, {"error": {"code": "InternalServerError", "message": "Encountered internal server error."}}
            )
        wrote = request.method in _WRITE_METHODS and 200 <= response.status < 300
        self.metrics.observe(time.perf_counter() - started, request.method, request.path, wrote)
        return self._to_web(request, response, correlation)

    def refuse(self, request: web.Request, error: ArmError) -> web.Response:
        """The ARM reply to a request refused before it reached the front door (by the HTTP layer)."""
        correlation = request.headers.get("x-ms-correlation-request-id") or self.ids.guid()
        return self._to_web(request, self._error(error), correlation)

    def _error(self, error: ArmError) -> ArmResponse:
        response = ArmResponse(error.status, error.envelope(), dict(error.headers))
        if error.status == 401:
            response.headers["WWW-Authenticate"] = self._challenge()
        return response

    def dispatch(self, request: web.Request, body: bytes) -> ArmResponse:
        path = normalise_path(request.path)
        query = {key.lower(): value for key, value in request.query.items()}
        api_version = query.get("api-version", "")
        if not api_version:
            raise MissingApiVersionParameter()
        caller = self._authenticate(request.headers.get("Authorization", ""))
        self._check_subscription(path)
        matched = self.router.match(request.method, path)
        if matched is None:
            raise self._unknown(request.method, path, api_version)
        route, params, backend = matched
        _check_api_version(route, path, api_version)
        if route.authorize:
            self._authorize(caller, fill(route.action, params), fill(route.scope, params) if route.scope else path)
        headers = {key.lower(): value for key, value in request.headers.items()}
        arm_request = ArmRequest(
            request.method,
            path,
            params,
            query,
            headers,
            body,
            api_version,
            caller,
            public_base(request.host, self.settings.arm_url),  # nextLink and LRO URLs: the name called
            backend,
            self.settings,
            self.operations,
        )
        return route.handler(arm_request)

    def _authenticate(self, authorization: str) -> Caller:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated(
                "Authentication failed. The 'Authorization' header is missing.", code="AuthenticationFailed"
            )
        try:
            claims = self.tokens.validate(token.strip(), self.settings.arm_audiences)
        except TokenError as error:
            raise _token_error(error, self.settings, self.clock) from error
        return Caller(claims["oid"], claims["appid"], claims["tid"])

    def _check_subscription(self, path: str) -> None:
        found = _SUBSCRIPTION.match(path)
        if found and found.group(1).lower() != self.settings.subscription_id.lower():
            raise SubscriptionNotFound(found.group(1))

    def _authorize(self, caller: Caller, action: str, scope: str) -> None:
        if not self.authorization.allows(caller.object_id, action, scope):
            raise AuthorizationFailed(caller.object_id, caller.object_id, action, scope)

    def _unknown(self, method: str, path: str, api_version: str) -> ArmError:
        providers = _PROVIDER.findall(path)
        if self.router.allows_other_method(method, path):
            return ArmError(
                f"The requested resource does not support http method '{method}'.", code="MethodNotAllowed", status=405
            )
        if not providers:
            return ArmError(
                f"No HTTP resource was found that matches the request URI '{path}'.", code="NotFound", status=404
            )
        namespace, resource_type = providers[-1]
        if namespace.lower() not in self.known_namespaces:
            return InvalidResourceNamespace(namespace)
        return InvalidResourceType(resource_type, namespace, api_version)

    def _challenge(self) -> str:
        authority = self.settings.authority.rstrip("/")
        return (
            f'Bearer authorization_uri="{authority}/{self.settings.tenant_id}", '
            f'error="invalid_token", error_description="The authentication failed because of missing '
            f"'Authorization' header.\""
        )

    def _to_web(self, request: web.Request, response: ArmResponse, correlation: str) -> web.Response:
        request_id = self.ids.guid()
        headers = {
            "x-ms-request-id": request_id,
            "x-ms-correlation-request-id": correlation,
            "x-ms-routing-request-id": f"WESTUS2:{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}:{request_id}",
            _RATE_HEADER.get(request.method, "x-ms-ratelimit-remaining-subscription-writes"): "199",
            **response.headers,
        }
        if response.body is None:
            return web.Response(status=response.status, headers=headers)
        text = json.dumps(response.body, separators=(",", ":"))
        return web.Response(
            status=response.status, text=text, headers=headers, content_type="application/json", charset="utf-8"
        )


def _check_api_version(route: Route, path: str, api_version: str) -> None:
    """ARM refuses an api-version the provider does not serve before it authorises: Microsoft.Resources with
    InvalidApiVersionParameter, other providers with InvalidResourceType naming the resource type."""
    served = route.api_versions
    if served is None or served.accepts(api_version):
        return
    if served.namespace.lower() == "microsoft.resources":
        raise InvalidApiVersionParameter(api_version, served.versions)
    segments = path.rsplit("/providers/", 1)[-1].split("/")[1:]  # after the namespace: type, name, type, …
    raise InvalidResourceType("/".join(segments[0::2]), served.namespace, api_version, served.versions)


async def _read(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:  # the application's client_max_size is MAX_REQUEST_BYTES
        raise RequestContentTooLarge() from None


def _token_error(error: TokenError, settings: CloudSettings, clock: Clock) -> Unauthenticated:
    if error.reason == "expired":
        now = _dotnet_stamp(clock.utcnow())
        expiry = _dotnet_stamp(datetime.fromtimestamp(float(error.detail), UTC))
        return Unauthenticated(
            f"The access token expiry UTC time '{expiry}' is earlier than current UTC time '{now}'.",
            code="ExpiredAuthenticationToken",
        )
    if error.reason == "audience":
        allowed = ",".join(f"'{audience}'" for audience in sorted(settings.arm_audiences))
        return Unauthenticated(
            f"The access token has been obtained for wrong audience or resource '{error.detail}'. It should "
            f"exactly match with one of the allowed audiences {allowed}.",
            code="InvalidAuthenticationTokenAudience",
        )
    return Unauthenticated("The access token is invalid.", code="InvalidAuthenticationToken")


def _dotnet_stamp(moment: datetime) -> str:
    """.NET's invariant general date-time, as ARM prints it: '6/15/2026 8:22:51 AM' (quoted in
    https://github.com/microsoft/foundry-dev-tools/issues/461)."""
    hour = moment.hour % 12 or 12
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"
