"""``pods/portforward`` over a WebSocket's channels, as the kubernetes Python client's ``portforward()`` speaks
it (the kubelet's pkg/kubelet/cri/streaming/portforward/websocket.go, ``v4.channel.k8s.io``): the ports come
in the query, each gets a data channel (2n) and an error channel (2n + 1), both opened with the port as two
little-endian bytes; every port is one connection to the pod for the socket's life, and the socket closes
once all have ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

PROTOCOLS = ("v4.channel.k8s.io",)


class Channel:
    """One channel of the socket: what the client sends on it, and our writes to it."""

    def __init__(self, socket: web.WebSocketResponse, number: int) -> None:
        self._socket = socket
        self._number = number
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()

    async def read(self) -> bytes:
        return await self.inbox.get()

    async def write(self, data: bytes) -> None:
        await self._socket.send_bytes(bytes([self._number]) + data)

    async def close(self) -> None:
        """Channels end with the socket."""


# Forwards one port over (data, error) channels until either side ends.
Forward = Callable[[int, Channel, Channel], Awaitable[None]]


def ports_of(query: list[str]) -> list[int] | str:
    """The ``ports`` asked for, or the kubelet's refusal."""
    values = [part for value in query for part in value.split(",") if part]
    if not values:
        return 'query parameter "port" is required'
    ports = []
    for value in values:
        if not value.isdigit() or not 0 < int(value) < 65536:
            return f'unable to parse "{value}" as a port'
        ports.append(int(value))
    return ports


async def serve(socket: web.WebSocketResponse, ports: list[int], forward: Forward) -> None:
    channels = [Channel(socket, number) for number in range(2 * len(ports))]
    for index, port in enumerate(ports):
        for channel in channels[2 * index : 2 * index + 2]:
            await channel.write(struct.pack("<H", port))
    receiving = asyncio.ensure_future(_receive(socket, channels))
    pairs = [forward(port, channels[2 * index], channels[2 * index + 1]) for index, port in enumerate(ports)]
    forwarding: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*pairs))
    try:
        await asyncio.wait([receiving, forwarding], return_when=asyncio.FIRST_COMPLETED)
    finally:
        forwarding.cancel()
        receiving.cancel()
        with contextlib.suppress(ConnectionError):
            await socket.close()


async def _receive(socket: web.WebSocketResponse, channels: list[Channel]) -> None:
    try:
        async for message in socket:
            if message.type == WSMsgType.BINARY and message.data:
                number = message.data[0]
                if number < len(channels) and number % 2 == 0 and len(message.data) > 1:
                    channels[number].inbox.put_nowait(bytes(message.data[1:]))
    finally:
        for channel in channels:
            channel.inbox.put_nowait(b"")
