"""``pods/exec`` over a WebSocket: kubectl from 1.30 (``v5.channel.k8s.io``), the kubernetes Python client's
``stream()`` (``v4.channel.k8s.io``) and older websocket clients.

Each message starts with its channel (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize), a byte or, in the
base64 protocols, a digit before base64 text (k8s.io/apimachinery pkg/util/httpstream/wsstream/conn.go).
v5 adds channel 255, whose message [255, n] closes channel n: the client's way to end stdin. The kubelet
first sends an empty message on the lowest channel it writes (remotecommand/websocket.go), and ends with
the Status on the error channel, then a close.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json

from aiohttp import WSMsgType, web

from podid.sandbox.kube.streaming import remotecommand
from podid.sandbox.kube.streaming.remotecommand import CommandRunner, ExecIO, ExecOptions, Writer

V5 = "v5.channel.k8s.io"
_JSON_STATUS = frozenset({V5, "v4.channel.k8s.io", "v4.base64.channel.k8s.io"})
_BASE64 = frozenset({"v4.base64.channel.k8s.io", "base64.channel.k8s.io"})
# v3 and v2 are what the API server's stream translator accepts from client-go (k8s.io/apimachinery
# pkg/util/proxy/streamtranslator.go); the rest are the kubelet's own
PROTOCOLS = (
    V5,
    "v4.channel.k8s.io",
    "v4.base64.channel.k8s.io",
    "v3.channel.k8s.io",
    "v2.channel.k8s.io",
    "channel.k8s.io",
    "base64.channel.k8s.io",
)
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255


class _Channels:
    def __init__(self, socket: web.WebSocketResponse, protocol: str) -> None:
        self._socket = socket
        self._base64 = protocol in _BASE64
        self._v5 = protocol == V5
        self.stdin: asyncio.Queue[bytes] = asyncio.Queue()
        self.resizes: asyncio.Queue[bytes] = asyncio.Queue()

    def writer(self, channel: int) -> Writer:
        async def write(data: bytes) -> None:
            if self._base64:
                await self._socket.send_str(str(channel) + base64.b64encode(data).decode())
            else:
                await self._socket.send_bytes(bytes([channel]) + data)

        return write

    async def read_stdin(self) -> bytes:
        return await self.stdin.get()

    async def read_resize(self) -> bytes:
        return await self.resizes.get()

    async def receive(self) -> None:
        """Move the client's messages to stdin until it closes (then stdin ends)."""
        try:
            async for message in self._socket:
                if message.type == WSMsgType.BINARY and message.data:
                    self._on_message(message.data[0], bytes(message.data[1:]))
                elif message.type == WSMsgType.TEXT and message.data and self._base64:
                    self._on_message(ord(message.data[0]) - ord("0"), base64.b64decode(message.data[1:]))
                elif message.type == WSMsgType.TEXT and message.data:  # Go's Message.Receive takes text as bytes
                    raw = message.data.encode()
                    self._on_message(raw[0], raw[1:])
        finally:
            self.stdin.put_nowait(b"")
            self.resizes.put_nowait(b"")

    def _on_message(self, channel: int, data: bytes) -> None:
        if channel == STDIN and data:
            self.stdin.put_nowait(data)
        elif channel == RESIZE and data:
            self.resizes.put_nowait(data)
        elif channel == CLOSE and self._v5 and data[:1] == bytes([STDIN]):
            self.stdin.put_nowait(b"")


def translated(request: web.Request) -> bool:
    """Whether the API server's stream translator serves the request (it asks for v5), not the kubelet."""
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    return V5 in (p.strip() for p in offered.split(","))


async def refuse(request: web.Request, text: str) -> web.StreamResponse:
    """The translator's answer when it cannot reach the container: upgraded, then an InternalError."""
    socket = web.WebSocketResponse(protocols=(V5,), max_msg_size=0)
    await socket.prepare(request)
    status = remotecommand.internal_error(f"unable to upgrade connection: {text}")
    with contextlib.suppress(ConnectionError):
        await _Channels(socket, V5).writer(ERROR)(json.dumps(status, separators=(",", ":")).encode())
    await socket.close()
    return socket


async def serve(request: web.Request, options: ExecOptions, runner: CommandRunner) -> web.StreamResponse:
    socket = web.WebSocketResponse(protocols=PROTOCOLS, max_msg_size=0)
    await socket.prepare(request)
    protocol = socket.ws_protocol or "channel.k8s.io"
    channels = _Channels(socket, protocol)
    first = STDOUT if options.stdout else STDERR if options.stderr else ERROR
    await channels.writer(first)(b"")
    receiving = asyncio.ensure_future(channels.receive())
    io = ExecIO(
        channels.read_stdin if options.stdin else None,
        channels.writer(STDOUT) if options.stdout else None,
        channels.writer(STDERR) if options.stderr else None,
        options.tty,
        channels.read_resize if options.tty else None,
    )
    running = asyncio.ensure_future(remotecommand.run(options, io, runner))
    try:
        await asyncio.wait({running, receiving}, return_when=asyncio.FIRST_COMPLETED)
        if running.done():
            await _finish(channels, protocol, running.result())
    finally:
        running.cancel()
        receiving.cancel()
        with contextlib.suppress(ConnectionError):
            await socket.close()
    return socket


async def _finish(channels: _Channels, protocol: str, status: remotecommand.Obj) -> None:
    if protocol == V5:
        status = remotecommand.translated(status)
    with contextlib.suppress(ConnectionError):
        if protocol in _JSON_STATUS:
            await channels.writer(ERROR)(json.dumps(status, separators=(",", ":")).encode())
        elif status["status"] != "Success":
            await channels.writer(ERROR)(str(status["message"]).encode())
