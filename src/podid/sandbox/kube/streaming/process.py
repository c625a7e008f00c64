"""Running an exec'd command as a host process: the pod's containers are processes on this machine, so a
command "in" a container is one more process with the container's environment, working directory and user.

The executable is looked up on the container's ``PATH`` as runc does, and a missing one is refused with
runc's text before anything runs. The process gets a session of its own and dies with the exec: when the
client goes, its whole group is killed. A ``tty`` exec runs on a pseudo-terminal (``_terminal``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from podid.sandbox.kube.streaming._terminal import Terminal, take_terminal
from podid.sandbox.kube.streaming.remotecommand import ExecIO, Reader, Writer, start_failure

_CHUNK = 32 * 1024


@dataclass(frozen=True)
class HostCommand:
    """Where and as whom a container's commands run (``uid`` None: as the sandbox itself)."""

    env: dict[str, str]
    cwd: Path
    uid: int | None = None
    gid: int = 0


def _prepare(cwd: Path, uid: int | None, gid: int, terminal: int | None) -> None:  # in the child, before exec
    """Take the terminal; enter the pod root, then drop to the container's user (the loop's spawn takes no
    user): the root is reached before the user changes, as the kubelet's zygote does, since the directories
    above it are closed to that user."""
    if terminal is not None:
        take_terminal(terminal)
    if uid is not None:
        os.chdir(cwd)
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)


def _executable(name: str, command: HostCommand) -> str:
    if not name:
        raise start_failure(name, "executable file not found in $PATH")
    if "/" in name:
        path = name if os.path.isabs(name) else str(command.cwd / name)
        if not os.path.exists(path):
            raise start_failure(name, f"stat {name}: no such file or directory")
        return path
    found = shutil.which(name, path=command.env.get("PATH", os.defpath))
    if found is None:
        raise start_failure(name, "executable file not found in $PATH")
    return found


async def run_host(command: HostCommand, argv: Sequence[str], io: ExecIO) -> int:
    """Run ``argv`` for an exec and return its exit code (128 + the signal that ended it)."""
    executable = _executable(argv[0] if argv else "", command)
    terminal = Terminal() if io.tty else None
    try:
        process = await _spawn(command, executable, argv, io, terminal)
    except BaseException:
        if terminal is not None:
            terminal.close()
        raise
    feeding: asyncio.Future[Any]
    if terminal is not None:
        terminal.started()
        feeding = asyncio.gather(terminal.pump_in(io.stdin), terminal.follow_resizes(io.resize))
        reading = [terminal.pump_out(io.stdout)]
    else:
        feeding = asyncio.gather(_pump_in(io.stdin, process.stdin))
        reading = [_pump_out(process.stdout, io.stdout), _pump_out(process.stderr, io.stderr)]
    try:
        await asyncio.gather(*reading)
        code = await process.wait()
        return 128 - code if code < 0 else code
    finally:
        feeding.cancel()
        # a cancelled gather finishes with CancelledError as its exception: retrieve it, or asyncio logs it
        feeding.add_done_callback(lambda done: done.cancelled() or done.exception())
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        if terminal is not None:
            terminal.close()


async def _spawn(
    command: HostCommand, executable: str, argv: Sequence[str], io: ExecIO, terminal: Terminal | None
) -> asyncio.subprocess.Process:
    pipe, null = subprocess.PIPE, subprocess.DEVNULL
    tty = terminal.slave if terminal is not None else None
    prepare = None
    if command.uid is not None or tty is not None:
        prepare = partial(_prepare, command.cwd, command.uid, command.gid, tty)
    try:
        return await asyncio.create_subprocess_exec(
            executable,
            *argv[1:],
            stdin=tty if tty is not None else pipe if io.stdin else null,
            stdout=tty if tty is not None else pipe if io.stdout else null,
            stderr=tty if tty is not None else pipe if io.stderr else null,
            env=command.env,
            cwd=command.cwd if command.uid is None else None,
            start_new_session=tty is None,  # a terminal's child makes its session itself
            preexec_fn=prepare,
        )
    except PermissionError:
        raise start_failure(argv[0], "permission denied") from None


async def _pump_out(source: asyncio.StreamReader | None, sink: Writer | None) -> None:
    if source is None or sink is None:
        return
    while chunk := await source.read(_CHUNK):
        await sink(chunk)


async def _pump_in(source: Reader | None, sink: asyncio.StreamWriter | None) -> None:
    if source is None or sink is None:
        return
    with contextlib.suppress(ConnectionError):
        while chunk := await source():
            sink.write(chunk)
            await sink.drain()
    sink.close()
