"""What an upgrade request asks for, and the kubelet's answers to one it cannot serve.

The SPDY handshake is k8s.io/apimachinery pkg/util/httpstream/httpstream.go (Handshake: the first of the
client's ``X-Stream-Protocol-Version`` values the server knows, else 403 naming both lists) and
httpstream/spdy/upgrade.go (UpgradeResponse: ``Connection: Upgrade`` and ``Upgrade: SPDY/3.1`` or 400).
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from podid.sandbox.kube.streaming._links import ConnectionLink

PROTOCOL_HEADER = "X-Stream-Protocol-Version"
ACCEPTED_HEADER = "X-Accepted-Stream-Protocol-Versions"
SPDY = "SPDY/3.1"


def wants_websocket(request: web.Request) -> bool:
    connection = request.headers.get("Connection", "").lower()
    return request.headers.get("Upgrade", "").lower() == "websocket" and "upgrade" in connection


def wants_spdy(request: web.Request) -> bool:
    connection = request.headers.get("Connection", "").lower()
    return SPDY.lower() in request.headers.get("Upgrade", "").lower() and "upgrade" in connection


def _go_list(values: Sequence[str]) -> str:
    return "[" + " ".join(values) + "]"


def negotiate(request: web.Request, supported: Sequence[str]) -> str | web.Response:
    """The protocol both sides speak, or the kubelet's plain-text refusal."""
    offered = [v.strip() for value in request.headers.getall(PROTOCOL_HEADER, []) for v in value.split(",")]
    if not offered:
        return web.Response(status=400, text=f"unable to upgrade: {PROTOCOL_HEADER} is required\n")
    chosen = next((p for p in offered if p in supported), None)
    if chosen is None:
        headers = [(ACCEPTED_HEADER, p) for p in supported]
        text = (
            "unable to upgrade: unable to negotiate protocol: "
            f"client supports {_go_list(offered)}, server accepts {_go_list(supported)}\n"
        )
        return web.Response(status=403, text=text, headers=headers)
    return chosen


async def switch(request: web.Request, protocol: str) -> tuple[web.StreamResponse, ConnectionLink]:
    """Answer 101 and take the connection over as a byte link."""
    link = ConnectionLink(request)
    response = web.StreamResponse(
        status=101, headers={"Connection": "Upgrade", "Upgrade": SPDY, PROTOCOL_HEADER: protocol}
    )
    response.force_close()  # the connection is SPDY's now: aiohttp must not read another request from it
    await response.prepare(request)
    return response, link
