"""A SPDY/3.1 server session as kubectl's client (spdystream) expects it: every stream the client opens is
answered with SYN_REPLY (or refused with RST_STREAM), PINGs are echoed, our half of a stream ends with an
empty DATA frame carrying FIN, and closing sends GOAWAY. spdystream does no flow control (it neither sends
nor honours WINDOW_UPDATE), so neither do we.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from podid.sandbox.kube.streaming import _spdy_frames as frames
from podid.sandbox.kube.streaming._links import Link

_CHUNK = 32 * 1024

# Decides on a new stream from its headers: None accepts it, a text refuses it (RST_STREAM).
StreamCheck = Callable[[frames.Headers], str | None]


class SpdyStream:
    """One stream the client opened: its headers, what it sends us, and our half."""

    def __init__(self, session: SpdySession, stream_id: int, headers: frames.Headers) -> None:
        self.id = stream_id
        self.headers = headers
        self._session = session
        self._inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._ended = False
        self._finished = False

    async def read(self) -> bytes:
        """The next bytes the client sent; b"" once its half is closed."""
        if self._ended:
            return b""
        chunk = await self._inbox.get()
        self._ended = not chunk
        return chunk

    def feed(self, chunk: bytes) -> None:
        self._inbox.put_nowait(chunk)

    async def write(self, data: bytes) -> None:
        for start in range(0, len(data), _CHUNK):
            await self._session.send(frames.data(self.id, data[start : start + _CHUNK]))

    async def close(self) -> None:
        """End our half (FIN), once."""
        if not self._finished:
            self._finished = True
            with contextlib.suppress(ConnectionError):
                await self._session.send(frames.data(self.id, b"", frames.FLAG_FIN))


class SpdySession:
    """Serves one upgraded connection: ``streams`` yields the client's streams as they are accepted."""

    def __init__(self, link: Link, check: StreamCheck) -> None:
        self._link = link
        self._check = check
        self._codec = frames.HeaderCodec()
        self._streams: dict[int, SpdyStream] = {}
        self._last_id = 0
        self._lock = asyncio.Lock()  # frames leave whole, and header blocks in zlib order
        self._buffer = b""
        self.streams: asyncio.Queue[SpdyStream | None] = asyncio.Queue()

    async def send(self, frame: bytes) -> None:
        async with self._lock:
            await self._link.write(frame)

    async def serve(self) -> None:
        """Read frames until the client goes (EOF, GOAWAY or garbage); then every stream reads EOF."""
        try:
            while await self._handle(await self._read_frame()):
                pass
        except (frames.ProtocolError, ConnectionError, EOFError):
            pass
        finally:
            for stream in self._streams.values():
                stream.feed(b"")
            self.streams.put_nowait(None)

    async def close(self) -> None:
        """GOAWAY naming the last stream we accepted, then the connection closes."""
        with contextlib.suppress(ConnectionError):
            await self.send(frames.goaway(self._last_id))
        await self._link.close()

    async def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = await self._link.read()
            if not chunk:
                raise EOFError
            self._buffer += chunk
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken

    async def _read_frame(self) -> frames.Frame:
        is_control, kind, flags, length = frames.parse_header(await self._exactly(8))
        body = await self._exactly(length)
        if not is_control:
            return frames.Frame(0, flags, kind, body)
        return frames.parse_control(self._codec, kind, flags, body)

    async def _handle(self, frame: frames.Frame) -> bool:
        if frame.kind == 0:
            stream = self._streams.get(frame.stream)
            if stream is not None:
                if frame.payload:
                    stream.feed(frame.payload)
                if frame.flags & frames.FLAG_FIN:
                    stream.feed(b"")
        elif frame.kind == frames.SYN_STREAM:
            await self._open(frame)
        elif frame.kind == frames.RST_STREAM:
            gone = self._streams.pop(frame.stream, None)
            if gone is not None:
                gone.feed(b"")
        elif frame.kind == frames.PING:
            await self.send(frames.ping(frame.value))
        elif frame.kind == frames.GOAWAY:
            return False
        return True

    async def _open(self, frame: frames.Frame) -> None:
        headers = frame.headers or {}
        refusal = self._check(headers)
        if refusal is not None:
            await self.send(frames.rst_stream(frame.stream, frames.REFUSED_STREAM))
            return
        stream = SpdyStream(self, frame.stream, headers)
        self._streams[frame.stream] = stream
        self._last_id = max(self._last_id, frame.stream)
        async with self._lock:  # the reply's header block is compressed in the order it is sent
            await self._link.write(frames.syn_reply(self._codec, frame.stream, {}))
        if frame.flags & frames.FLAG_FIN:
            stream.feed(b"")
        self.streams.put_nowait(stream)


@contextlib.asynccontextmanager
async def serving(link: Link, check: StreamCheck) -> AsyncIterator[tuple[SpdySession, asyncio.Future[Any]]]:
    """A session read in the background while the body runs (the future ends when the client goes); then
    GOAWAY, and the connection closes."""
    session = SpdySession(link, check)
    reading = asyncio.ensure_future(session.serve())
    try:
        yield session, reading
    finally:
        await session.close()
        reading.cancel()
