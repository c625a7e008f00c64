"""``pods/portforward``: SPDY/3.1 streams, on the upgraded connection (kubectl up to 1.30) or tunneled in a
WebSocket's binary messages (``SPDY/3.1+portforward.k8s.io``, kubectl from 1.31); or a WebSocket's channels
(``v4.channel.k8s.io``, the Python client: ``_portforward_ws``).

Each forwarded connection is a pair of streams sharing a ``requestID``: ``data`` is spliced to a TCP
connection to the pod's port, ``error`` carries the text of a failure (the kubelet's
pkg/kubelet/cri/streaming/portforward/httpstream.go; the connection refused inside the pod is containerd's
text, pkg/cri/server/sandbox_portforward_linux.go). Streams without a valid ``port`` or ``streamType`` are
refused. When one direction ends the other gets a second to finish, as in containerd's copy loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Protocol

from aiohttp import web

from podid.sandbox.kube.streaming import _portforward_ws, _upgrade
from podid.sandbox.kube.streaming._links import Link, WebSocketLink
from podid.sandbox.kube.streaming._spdy import SpdySession, SpdyStream, serving

PROTOCOL = "portforward.k8s.io"
TUNNELED = "SPDY/3.1+" + PROTOCOL  # k8s.io/apimachinery pkg/util/portforward/constants.go
_CHUNK = 32 * 1024
GRACE_SECONDS = 1.0

# Connects to the pod's port; an OSError's text is reported to the client.
Dialer = Callable[[int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
# The kubelet's text for a port that could not be reached: (port, the dial's error) -> text
Failure = Callable[[int, OSError], str]


def _check(headers: dict[str, str]) -> str | None:
    port = headers.get("port", "")
    if not port:
        return '"port" header is required'
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f'unable to parse "{port}" as a port'
    if headers.get("streamtype") not in ("data", "error"):
        return f'invalid stream type "{headers.get("streamtype", "")}"'
    return None


class Duplex(Protocol):
    """Either side's half of a forwarded connection: a SPDY stream or a WebSocket channel."""

    async def read(self) -> bytes: ...

    async def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


async def serve(request: web.Request, dial: Dialer, failure: Failure) -> web.StreamResponse:
    link: Link
    if _upgrade.wants_websocket(request):
        socket = web.WebSocketResponse(protocols=(TUNNELED, *_portforward_ws.PROTOCOLS), max_msg_size=0)
        if socket.can_prepare(request).protocol != TUNNELED:
            return await _channels(request, socket, dial, failure)
        await socket.prepare(request)
        response: web.StreamResponse = socket
        link = WebSocketLink(socket)
    else:
        protocol = _upgrade.negotiate(request, (PROTOCOL,))
        if isinstance(protocol, web.Response):
            return protocol
        response, link = await _upgrade.switch(request, protocol)
    async with serving(link, _check) as (session, _):
        await _pairs(session, dial, failure)
    return response


async def _channels(
    request: web.Request, socket: web.WebSocketResponse, dial: Dialer, failure: Failure
) -> web.StreamResponse:
    ports = _portforward_ws.ports_of(request.query.getall("ports", []))
    if isinstance(ports, str):
        return web.Response(status=400, text=ports)
    await socket.prepare(request)
    await _portforward_ws.serve(socket, ports, partial(_forward, dial=dial, failure=failure))
    return socket


async def _pairs(session: SpdySession, dial: Dialer, failure: Failure) -> None:
    """Pair the streams by request id and forward each pair, until the client goes."""
    waiting: dict[str, dict[str, SpdyStream]] = {}
    forwarding: set[asyncio.Future[None]] = set()
    try:
        while (stream := await session.streams.get()) is not None:
            # without a requestID (clients before 1.6) the kubelet pairs by stream id: error n, data n + 2
            kind = stream.headers["streamtype"]
            request_id = stream.headers.get("requestid") or str(stream.id - (2 if kind == "data" else 0))
            pair = waiting.setdefault(request_id, {})
            pair[kind] = stream
            if len(pair) == 2:
                del waiting[request_id]
                port = int(pair["data"].headers["port"])
                task = asyncio.ensure_future(_forward(port, pair["data"], pair["error"], dial, failure))
                forwarding.add(task)
                task.add_done_callback(forwarding.discard)
    finally:
        for running in list(forwarding):
            running.cancel()


async def _forward(port: int, data: Duplex, error: Duplex, dial: Dialer, failure: Failure) -> None:
    try:
        reader, writer = await dial(port)
    except OSError as refused:
        with contextlib.suppress(ConnectionError):
            await error.write(failure(port, refused).encode())
        await error.close()
        await data.close()
        return
    try:
        outbound = asyncio.ensure_future(_to_pod(data, writer))
        inbound = asyncio.ensure_future(_from_pod(reader, data))
        await asyncio.wait({outbound, inbound}, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.wait({outbound, inbound}, timeout=GRACE_SECONDS)
        outbound.cancel()
        inbound.cancel()
    finally:
        writer.close()
        await data.close()
        await error.close()


async def _to_pod(data: Duplex, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while chunk := await data.read():
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()  # the client is done sending: the pod's side reads its end


async def _from_pod(reader: asyncio.StreamReader, data: Duplex) -> None:
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(_CHUNK):
            await data.write(chunk)
