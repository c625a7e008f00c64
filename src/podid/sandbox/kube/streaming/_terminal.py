"""The pseudo-terminal of a ``tty`` exec: the command's stdin, stdout and stderr are its one end, the client
reads and writes the other (the kubelet's tty exec has no stderr stream). Resize events, client-go's
``TerminalSize`` JSON objects one after another (``{"Width":80,"Height":24}``), set its window size.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import struct
import termios

from podid.sandbox.kube.streaming.remotecommand import Reader, Writer

_CHUNK = 32 * 1024


def take_terminal(slave: int) -> None:  # runs in the child between fork and exec
    """A session of its own, with the terminal as its controlling one (so that ^C reaches its group)."""
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)


class Terminal:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        os.set_blocking(self.master, False)

    def started(self) -> None:
        """The child holds the slave end now: ours goes, so that its exit ends our reads (EIO)."""
        os.close(self.slave)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.master)

    async def pump_out(self, sink: Writer | None) -> None:
        while chunk := await self._read():
            if sink is not None:
                await sink(chunk)

    async def pump_in(self, source: Reader | None) -> None:
        if source is None:
            return
        while chunk := await source():
            with contextlib.suppress(BlockingIOError):
                os.write(self.master, chunk)

    async def follow_resizes(self, source: Reader | None) -> None:
        if source is None:
            return
        decoder, buffer = json.JSONDecoder(), ""
        while chunk := await source():
            buffer += chunk.decode(errors="replace")
            while buffer.strip():
                try:
                    size, end = decoder.raw_decode(buffer.lstrip())
                except json.JSONDecodeError:
                    break  # the rest of the object is still to come
                buffer = buffer.lstrip()[end:]
                self._resize(size)

    def _resize(self, size: object) -> None:
        if isinstance(size, dict):
            rows, columns = int(size.get("Height") or 0), int(size.get("Width") or 0)
            with contextlib.suppress(OSError, OverflowError, struct.error):
                fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    async def _read(self) -> bytes:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        loop.add_reader(self.master, ready.set_result, None)
        try:
            await ready
        finally:
            loop.remove_reader(self.master)
        try:
            return os.read(self.master, _CHUNK)
        except BlockingIOError:
            return await self._read()
        except OSError:  # EIO: the command and its children are gone
            return b""
