"""The two ways a CONNECT tunnel reaches a sandbox listener once the proxy has terminated TLS: handed to the Azure
app's own server (the owner's tunnels: one TLS layer, no copying), or spliced to a TLS connection of its own
(a pod's, which must reach the listener from the pod's address, and the clusters' API servers)."""

from __future__ import annotations

import asyncio
import ssl

from aiohttp import web

from podid.sandbox.proxy.acks import acknowledge_reads
from podid.sandbox.proxy.relay import CHUNK


async def hand_over(transport: asyncio.WriteTransport, context: ssl.SSLContext, app: web.Server) -> None:
    """Terminate TLS on ``transport`` and give the connection to ``app``, as if it had accepted it."""
    early = _Early()
    tls = await asyncio.get_running_loop().start_tls(transport, early, context, server_side=True)
    if tls is None:
        raise ConnectionResetError("the client left during the TLS handshake")
    acknowledge_reads(transport)
    handler = app()
    tls.set_protocol(handler)
    handler.connection_made(tls)
    early.replay(handler)


class _Early(asyncio.Protocol):
    """What arrives between the end of the handshake and the handover, kept for the app's handler."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._eof = False

    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)

    def eof_received(self) -> bool | None:
        self._eof = True
        return None

    def replay(self, handler: asyncio.Protocol) -> None:
        for chunk in self._chunks:
            handler.data_received(chunk)
        if self._eof:
            handler.eof_received()


async def terminate_tls(writer: asyncio.StreamWriter, context: ssl.SSLContext) -> None:
    """TLS on the client's connection, its reads still acknowledged at once."""
    raw = writer.transport
    await writer.start_tls(context)
    acknowledge_reads(raw)


async def splice(
    client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
) -> None:
    try:
        await asyncio.gather(_pipe(client[0], upstream[1]), _pipe(upstream[0], client[1]), return_exceptions=True)
    finally:
        upstream[1].close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream, then pass the end on (a half-close where the transport has one)."""
    try:
        while chunk := await reader.read(CHUNK):
            writer.write(chunk)
            await writer.drain()
    finally:
        if writer.can_write_eof() and not writer.is_closing():
            writer.write_eof()
        else:
            writer.close()
