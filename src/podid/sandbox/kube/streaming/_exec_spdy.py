"""``pods/exec`` over SPDY/3.1, as kubectl up to 1.29 (and later ones falling back) speaks it.

The client opens one stream per channel, each named by its ``streamType`` header (error, stdin, stdout,
stderr, resize); the kubelet waits for as many as the options ask for (remotecommand/httpstream.go,
waitForStreams) and ends with the Status on the error stream (JSON from v4, a failure's text before).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web

from podid.sandbox.kube.streaming import _upgrade, remotecommand
from podid.sandbox.kube.streaming._spdy import SpdySession, SpdyStream, serving
from podid.sandbox.kube.streaming.remotecommand import CommandRunner, ExecIO, ExecOptions

PROTOCOLS = ("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io")
_STREAM_TYPES = frozenset({"error", "stdin", "stdout", "stderr", "resize"})
STREAM_CREATION_SECONDS = 30.0  # the kubelet's streamCreationTimeout


def _check(headers: dict[str, str]) -> str | None:
    kind = headers.get("streamtype", "")
    return None if kind in _STREAM_TYPES else f"unexpected stream type: {kind!r}"


async def serve(request: web.Request, options: ExecOptions, runner: CommandRunner) -> web.StreamResponse:
    protocol = _upgrade.negotiate(request, PROTOCOLS)
    if isinstance(protocol, web.Response):
        return protocol
    response, link = await _upgrade.switch(request, protocol)
    async with serving(link, _check) as (session, reading):
        streams = await _gather(session, options.streams())
        if streams is not None:
            await _run(reading, streams, options, runner, protocol)
    return response


async def _gather(session: SpdySession, expected: int) -> dict[str, SpdyStream] | None:
    streams: dict[str, SpdyStream] = {}
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(STREAM_CREATION_SECONDS):
            while len(streams) < expected:
                stream = await session.streams.get()
                if stream is None:
                    return None
                streams[stream.headers["streamtype"]] = stream
            return streams
    return None


async def _run(
    reading: asyncio.Future[Any],
    streams: dict[str, SpdyStream],
    options: ExecOptions,
    runner: CommandRunner,
    protocol: str,
) -> None:
    stdin, stdout, stderr = (streams.get(name) for name in ("stdin", "stdout", "stderr"))
    resize = streams.get("resize")
    io = ExecIO(
        stdin.read if stdin else None,
        stdout.write if stdout else None,
        stderr.write if stderr else None,
        options.tty,
        resize.read if resize else None,
    )
    running = asyncio.ensure_future(remotecommand.run(options, io, runner))
    await asyncio.wait([running, reading], return_when=asyncio.FIRST_COMPLETED)
    if not running.done():  # the client went away: the command goes with it
        running.cancel()
        return
    status = running.result()
    for stream in (stdout, stderr):
        if stream is not None:
            await stream.close()
    error = streams["error"]
    if protocol == PROTOCOLS[0]:
        await error.write(json.dumps(status, separators=(",", ":")).encode())
    elif status["status"] != "Success":
        await error.write(str(status["message"]).encode())
    await error.close()
