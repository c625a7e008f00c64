"""Byte links a SPDY session runs over: the HTTP connection itself once answered 101 (kubectl's SPDY/3.1
upgrade), or the binary messages of a WebSocket (``SPDY/3.1+portforward.k8s.io``, k8s.io/client-go
tools/portforward/tunneling_connection.go: each write is one binary message, reads run across messages).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from aiohttp import WSMsgType, web


class Link(Protocol):
    async def read(self) -> bytes: ...  # b"" once the peer is gone

    async def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


class _Feed(asyncio.Protocol):
    """What the connection's transport delivers once it is ours."""

    def __init__(self) -> None:
        self.chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self.writable = asyncio.Event()
        self.writable.set()

    def data_received(self, data: bytes) -> None:
        self.chunks.put_nowait(data)

    def eof_received(self) -> bool:
        self.chunks.put_nowait(b"")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.chunks.put_nowait(b"")
        self.writable.set()

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()


class ConnectionLink:
    """The request's own connection, taken from aiohttp's HTTP handler before the 101 is written (the client
    sends nothing more until it reads the 101, so no byte is lost)."""

    def __init__(self, request: web.Request) -> None:
        transport = request.transport
        if transport is None:
            raise ConnectionResetError("the connection is gone")
        self._transport = transport
        self._feed = _Feed()
        transport.set_protocol(self._feed)
        self._ended = False

    async def read(self) -> bytes:
        if self._ended:
            return b""
        chunk = await self._feed.chunks.get()
        self._ended = not chunk
        return chunk

    async def write(self, data: bytes) -> None:
        if self._transport.is_closing():
            raise ConnectionResetError("the connection is closed")
        self._transport.write(data)
        await self._feed.writable.wait()

    async def close(self) -> None:
        self._transport.close()


class WebSocketLink:
    """A byte stream carried in a WebSocket's binary messages."""

    def __init__(self, socket: web.WebSocketResponse) -> None:
        self._socket = socket

    async def read(self) -> bytes:
        while True:
            message = await self._socket.receive()
            if message.type == WSMsgType.BINARY:
                if message.data:
                    return bytes(message.data)
                continue
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return b""

    async def write(self, data: bytes) -> None:
        await self._socket.send_bytes(data)

    async def close(self) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._socket.close()
