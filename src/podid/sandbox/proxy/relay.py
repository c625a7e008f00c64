"""Plain HTTP through the proxy, one message at a time, so that the client's connection and the listener's carry
the next request too (keep-alive); and the connection to a listener that a client connection holds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import SplitResult

from podid.sandbox.proxy.messages import Body, Head, Refused, response_body
from podid.sandbox.proxy.routes import Backend

CHUNK = 256 * 1024
Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
# hop-by-hop (RFC 9110 section 7.6.1), besides the fields that Connection names
_HOP_BY_HOP = frozenset({"proxy-authorization", "proxy-connection", "connection", "keep-alive", "te", "upgrade"})


class Upstream:
    """The connection to a sandbox listener that one client connection holds. The next request reuses it only
    when it goes to the same listener from the same source address: NMI tells pods apart by that address, and each
    request's credential decides it anew."""

    def __init__(self, connect: Callable[[Backend, str], Awaitable[Streams]]) -> None:
        self._connect = connect
        self._key: tuple[Backend, str] | None = None
        self._streams: Streams | None = None

    async def get(self, backend: Backend, source: str) -> Streams:
        streams = self._streams
        if streams is None or self._key != (backend, source) or streams[0].at_eof() or streams[1].is_closing():
            self.close()
            streams = self._streams = await self._connect(backend, source)
            self._key = (backend, source)
        return streams

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
        self._streams = self._key = None


def origin_form(head: Head, url: SplitResult) -> bytes:
    """The request as the listener expects it: origin-form target, no hop-by-hop fields."""
    method, _, version = head.start
    dropped = _HOP_BY_HOP | set(head.tokens("connection"))
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    lines = [f"{method} {target} {version}"]
    lines += [f"{name}: {value}" for name, value in head.fields if name not in dropped]
    return "\r\n".join([*lines, "", ""]).encode("latin-1")


async def relay_response(method: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """The response to one request, interim ones first; True when both connections can carry another."""
    while True:
        raw = await reader.readuntil(b"\r\n\r\n")
        try:
            head = Head.response(raw)
            body, length = response_body(head, method)
        except ValueError:
            raise Refused(502, "Bad Gateway", "podid sandbox proxy: the sandbox sent a malformed response") from None
        if not 100 <= int(head.start[1]) < 200:
            break
        writer.write(raw)  # 100 Continue, 103 Early Hints: the final response follows
    if body is Body.LENGTH and length <= CHUNK:
        writer.write(raw + await reader.readexactly(length))  # one write: most responses are small
    else:
        writer.write(raw)
        await copy_body(body, length, reader, writer)
    await writer.drain()
    return body is not Body.UNTIL_CLOSE and head.keep_alive(head.start[0])


async def copy_body(body: Body, length: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    if body is Body.LENGTH:
        await _copy_exactly(length, reader, writer)
    elif body is Body.CHUNKED:
        await _copy_chunked(reader, writer)
    elif body is Body.UNTIL_CLOSE:
        while chunk := await reader.read(CHUNK):
            writer.write(chunk)
            await writer.drain()


async def _copy_exactly(length: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while length > 0:
        chunk = await reader.read(min(length, CHUNK))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", length)
        writer.write(chunk)
        length -= len(chunk)
        await writer.drain()


async def _copy_chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Chunks as they come, size lines and trailer fields included, through the empty line that ends them
    (RFC 9112 section 7.1)."""
    while size := _chunk_size(line := await reader.readuntil(b"\r\n")):
        writer.write(line)
        await _copy_exactly(size + 2, reader, writer)  # the data and its CRLF
    writer.write(line)
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        writer.write(line)
    writer.write(line)
    await writer.drain()


def _chunk_size(line: bytes) -> int:
    digits = line.split(b";", 1)[0].strip()
    if not digits or digits.strip(b"0123456789abcdefABCDEF"):
        raise ValueError("malformed chunk size")
    return int(digits, 16)
