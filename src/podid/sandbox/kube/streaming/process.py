"""Running an exec'd command as a host process: the pod's containers are processes on this machine, so a
command "in" a container is one more process with the container's environment, working directory and user.

The executable is looked up on the container's ``PATH`` as runc does, and a missing one is refused with
runc's text before anything runs. The process gets a session of its own and dies with the exec: when the
client goes, its whole group is killed. Without a pty, a ``tty`` exec gets stderr merged into stdout, as a
terminal would show them.
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

from podid.sandbox.kube.streaming.remotecommand import ExecIO, Reader, Writer, start_failure

_CHUNK = 32 * 1024


@dataclass(frozen=True)
class HostCommand:
    """Where and as whom a container's commands run (``uid`` None: as the sandbox itself)."""

    env: dict[str, str]
    cwd: Path
    uid: int | None = None
    gid: int = 0


def _become(cwd: Path, uid: int, gid: int) -> None:  # runs in the child between fork and exec
    """Enter the pod root, then drop to the container's user (the loop's spawn takes no user): the root is
    reached before the user changes, as the kubelet's zygote does, since the directories above it are closed
    to that user."""
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
    pipe, null = subprocess.PIPE, subprocess.DEVNULL
    become = None if command.uid is None else partial(_become, command.cwd, command.uid, command.gid)
    try:
        process = await asyncio.create_subprocess_exec(
            executable,
            *argv[1:],
            stdin=pipe if io.stdin else null,
            stdout=pipe if io.stdout else null,
            stderr=subprocess.STDOUT if io.tty else pipe if io.stderr else null,
            env=command.env,
            cwd=command.cwd if command.uid is None else None,
            start_new_session=True,
            preexec_fn=become,
        )
    except PermissionError:
        raise start_failure(argv[0], "permission denied") from None
    feeding = asyncio.ensure_future(_pump_in(io.stdin, process.stdin))
    try:
        await asyncio.gather(_pump_out(process.stdout, io.stdout), _pump_out(process.stderr, io.stderr))
        code = await process.wait()
        return 128 - code if code < 0 else code
    finally:
        feeding.cancel()
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


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
