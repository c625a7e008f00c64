"""The sandbox's own control surface under /_sandbox/: seed, state dump, counters, transition settings, reset.

Like moto's moto-api, it is not part of Azure; tests and benchmarks use it to make runs reproducible
(seeded GUIDs), to count writes, to choose how long long-running operations take, to move the clock
forward so that tokens expire without waiting, and to take the sandbox back to its state after bootstrap
between tests (``podid.sandbox._reset``).

``GET /_sandbox/metrics`` counts ARM requests (``requests``) and successful ARM writes (``writes`` by method,
``totalWrites``) and the successful client writes of every cluster's API server (``kubeWrites``,
``totalKubeWrites``; an exec or port-forward stream is no write): in total, in ``scopes`` (each ARM write and
request under the narrowest scope holding its path: ``/subscriptions/<id>/resourceGroups/<name>``, else
``/subscriptions/<id>``), and in ``clusters`` (by managedCluster id), keys lower-cased as ARM compares them.
``?subscriptionId=<id>&resourceGroup=<name>`` (either alone too) keeps the scopes and clusters inside it, the
totals summed over them: a test compares its own resource group's counters while other setups' external-dns
keep writing elsewhere (``podid.sandbox.core.metrics``).

Only the sandbox's owner may use it. Every request must carry ``Authorization: Bearer <control token>``,
the token being ``control_token`` in endpoints.json (also the file ``control-token`` in the data directory,
both 0600, made at first start and kept across restarts): 401 without it, 403 with another one. Requests
from a pod's address (the pod network, which NMI tells pods apart by) are refused with 403 whatever they
carry. Errors are JSON ``{"error": {"code": ..., "message": ...}}``.

What it cannot do, so that owning a token never means more than it should: the state dump shows no secret
(``podid.sandbox._redaction``), the clock never goes back (an expired token stays expired), and seeding
never makes GUIDs repeat (``_bootstrap.seed``), so no new object can take the id of an existing one.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import math
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from podid.sandbox import _bootstrap, _reset
from podid.sandbox._redaction import redact
from podid.sandbox.core.files import PRIVATE_FILE_MODE, write_private
from podid.sandbox.core.metrics import Within
from podid.sandbox.kube.network.ippool import POD_NETWORK

if TYPE_CHECKING:
    from podid.sandbox.cloud import Cloud

CONTROL_TOKEN_FILE = "control-token"
PREFIX = "/_sandbox"
_POD_NETWORK = ipaddress.ip_network(POD_NETWORK)

Handler = Callable[[web.Request], Awaitable[web.Response]]


class ControlError(Exception):
    """A refused control request: its status, code and message become the JSON error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> web.Response:
        body = {"error": {"code": self.code, "message": self.message}}
        # RFC 6750 §3: a 401 names the scheme the client should use
        headers = {"WWW-Authenticate": 'Bearer realm="podid-sandbox-control"'} if self.status == 401 else None
        return web.json_response(body, status=self.status, headers=headers)


def load_or_create_token(data_dir: Path) -> str:
    """The control token of the sandbox in ``data_dir``: made at first start, then read back."""
    path = data_dir / CONTROL_TOKEN_FILE
    if path.is_file():
        path.chmod(PRIVATE_FILE_MODE)  # a copy made by an older sandbox may be readable by others
        token = path.read_text().strip()
        if token:
            return token
    token = secrets.token_urlsafe(32)
    write_private(path, token)
    return token


def check_caller(request: web.Request, token: str) -> None:
    """Raise a 403 for a pod's address or a wrong token, a 401 when no bearer token is offered."""
    if _from_pod(request.remote):
        raise ControlError(403, "AuthorizationFailed", "The sandbox's control surface does not answer pods.")
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not offered.strip():
        raise ControlError(
            401,
            "AuthenticationFailed",
            "The 'Authorization: Bearer <control token>' header is missing (control_token in endpoints.json).",
        )
    if not hmac.compare_digest(offered.strip().encode(), token.encode()):
        raise ControlError(403, "AuthorizationFailed", "The control token is not this sandbox's.")


def _from_pod(remote: str | None) -> bool:
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address in _POD_NETWORK


async def json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ControlError(400, "InvalidRequestContent", f"The request body is not valid JSON: {error}.") from None
    if not isinstance(body, dict):
        raise ControlError(400, "InvalidRequestContent", "The request body must be a JSON object.")
    return body


def number(body: dict[str, Any], name: str) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ControlError(400, "InvalidRequestContent", f"'{name}' must be a number, got {json.dumps(value)}.")
    return float(value)


def guarded(handler: Handler, token: str) -> Handler:
    async def guard(request: web.Request) -> web.Response:
        try:
            check_caller(request, token)
            return await handler(request)
        except ControlError as error:
            return error.response()

    return guard


class _Handlers:
    """The control operations, once the caller was found to be the owner."""

    def __init__(self, cloud: Cloud) -> None:
        self._cloud = cloud

    async def seed(self, request: web.Request) -> web.Response:
        value = number(await json_object(request), "seed")
        if not value.is_integer():
            raise ControlError(400, "InvalidRequestContent", "'seed' must be an integer.")
        _bootstrap.seed(self._cloud.store, self._cloud.ids, int(value))
        return web.json_response({"seed": int(value)})

    async def state(self, request: web.Request) -> web.Response:
        store, kind = self._cloud.store, request.query.get("kind")
        if kind:
            return web.json_response({"kind": kind, "items": redact(store.all(kind))})
        return web.json_response({"kinds": {name: len(store.keys(name)) for name in store.kinds()}})

    async def metrics(self, request: web.Request) -> web.Response:
        subscription, group = request.query.get("subscriptionId"), request.query.get("resourceGroup")
        within = Within(subscription, group) if subscription or group else None
        return web.json_response(self._cloud.metrics.snapshot(within))

    async def settings(self, request: web.Request) -> web.Response:
        polls = (await json_object(request)).get("lroPolls", {})
        if not isinstance(polls, dict):
            raise ControlError(400, "InvalidRequestContent", "'lroPolls' must be an object.")
        configured = self._cloud.operations.polls
        for resource_type in polls:
            configured[resource_type.lower()] = max(0, int(number(polls, resource_type)))
        return web.json_response({"lroPolls": configured})

    async def clock(self, request: web.Request) -> web.Response:
        seconds = number(await json_object(request), "advanceSeconds")
        if seconds < 0:
            message = f"The sandbox clock only moves forward: 'advanceSeconds' must be >= 0, got {seconds:g}."
            raise ControlError(400, "InvalidClockMove", message)
        self._cloud.clock.advance(seconds)
        return web.json_response({"now": self._cloud.clock.isoformat()})

    async def reset(self, request: web.Request) -> web.Response:
        return web.json_response({"removed": _reset.reset(self._cloud)})

    async def unknown(self, request: web.Request) -> web.Response:
        raise ControlError(404, "NotFound", f"The control surface has no {request.method} {request.path}.")


def add_routes(app: web.Application, cloud: Cloud, token: str) -> None:
    """Serve the control surface; every path under /_sandbox/ requires the owner's ``token``."""
    handlers = _Handlers(cloud)
    for method, path, handler in (
        ("POST", "/seed", handlers.seed),
        ("POST", "/clock", handlers.clock),
        ("POST", "/reset", handlers.reset),
        ("GET", "/state", handlers.state),
        ("GET", "/metrics", handlers.metrics),
        ("PUT", "/settings", handlers.settings),
        ("*", "", handlers.unknown),
        ("*", "/{tail:(?s:.*)}", handlers.unknown),  # last: anything else under /_sandbox/ is guarded too
    ):
        app.router.add_route(method, PREFIX + path, guarded(handler, token))
