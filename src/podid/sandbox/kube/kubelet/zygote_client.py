"""The kubelet's side of the zygote (``zygote``): start it, ask it for workload processes.

A zygote imports for about a second after it starts (the fleet starts one ahead of the first cluster, see
``fleet.KubeFleet``); requests sent meanwhile wait in the socket, so a container counts as started at once. A
child the zygote has not forked yet has no pid: a signal for it goes through the zygote. If the zygote fails (it
cannot start, breaks the connection or refuses a fork), every request it has not forked is started directly
instead (``direct_spawn``), and so is every later one.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from podid.sandbox.kube.kubelet import zygote as fork_server
from podid.sandbox.kube.kubelet.containers import Process, direct_spawn
from podid.sandbox.kube.kubelet.runas import User

WAIT_SECONDS = 30.0  # wait() for a child's exit report: covers the zygote's warm-up on a busy machine


class ZygoteChild:
    """A workload process forked by the zygote (or, after a zygote failure, started directly)."""

    def __init__(self, zygote: Zygote, request: dict[str, Any]) -> None:
        self._zygote, self.request = zygote, request
        self.pid: int | None = None
        self.returncode: int | None = None
        self.direct: Process | None = None

    def poll(self) -> int | None:
        self._zygote.pump(block=False)
        return self.direct.poll() if self.direct is not None else self.returncode

    def wait(self) -> int:
        while self.direct is None and self.returncode is None:
            self._zygote.pump(block=True)
        return self.direct.wait() if self.direct is not None else self.returncode or 0

    def signal_group(self, signum: int) -> None:
        if self.direct is not None:
            self.direct.signal_group(signum)
        elif self.pid is not None and self.returncode is None:
            fork_server.signal_group(self.pid, signum)
        elif self.pid is None:
            self._zygote.send({"op": "signal", "id": self.request["id"], "signum": int(signum)})

    def process_id(self) -> int | None:
        return self.direct.process_id() if self.direct is not None else self.pid


class Zygote:
    """One zygote process per kubelet, started by ``start`` or else on the first ``spawn``."""

    def __init__(self, python: str, env: dict[str, str]) -> None:
        self._python, self._env = python, env
        self._process: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._pending: dict[int, ZygoteChild] = {}  # request id -> child not forked yet
        self._running: dict[int, ZygoteChild] = {}  # pid -> forked child not reaped yet
        self._next_id = 0
        self._listener: tuple[asyncio.AbstractEventLoop, Callable[[], None]] | None = None
        self.failed = False

    def spawn(
        self, argv: list[str], env: dict[str, str], cwd: Path, log_path: Path, user: User | None = None
    ) -> Process:
        """Start ``python -m podid.workloads <argv...>`` as ``user`` (None: this process's), through the zygote
        while it works."""
        if self.failed:
            return direct_spawn(self._python, argv, env, cwd, log_path, user)
        log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._next_id += 1
        request = {"op": "spawn", "id": self._next_id, "argv": argv, "env": env, "cwd": str(cwd), "log": str(log_path)}
        request["user"] = [user.uid, user.gid] if user is not None else None
        child = ZygoteChild(self, request)
        self._pending[self._next_id] = child
        self.start()
        self.send(request)
        return child

    def start(self) -> None:
        """Start the zygote process now (if it is not running), so that it warms up before it is needed."""
        if self._sock is None and not self.failed:
            self._start()

    def on_report(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        """Read the zygote's reports as they arrive on ``loop`` (its thread), then call ``callback``: an exit is
        known at once, not at the next poll."""
        if self._listener is None:
            self._listener = (loop, callback)
            self._listen()

    def stop_reports(self) -> None:
        """No more callbacks: the kubelet is stopping, and the exits it causes are not the pods' own."""
        if self._listener is not None and self._sock is not None:
            self._listener[0].remove_reader(self._sock.fileno())
        self._listener = None

    def _listen(self) -> None:
        if self._listener is not None and self._sock is not None:
            loop, callback = self._listener
            loop.add_reader(self._sock.fileno(), self._reported, callback)

    def _reported(self, callback: Callable[[], None]) -> None:
        self.pump(block=False)
        callback()

    def send(self, message: dict[str, Any]) -> None:
        if self._sock is None:
            return
        try:
            self._sock.sendall(json.dumps(message).encode() + b"\n")
        except OSError:
            self._fail()

    def pump(self, *, block: bool) -> None:
        """Read what the zygote reported (waiting up to WAIT_SECONDS for something when ``block``)."""
        while self._sock is not None:
            if not select.select([self._sock], [], [], WAIT_SECONDS if block else 0)[0]:
                if block:
                    self._fail()  # a zygote that says nothing for so long is wedged
                return
            try:
                data = self._sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                self._fail()
                return
            *lines, self._buffer = (self._buffer + data).split(b"\n")
            for line in lines:
                self._dispatch(json.loads(line))
            block = False

    def close(self) -> None:
        """Stop the zygote; children it still has die with it."""
        self.stop_reports()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        for child in [*self._running.values(), *self._pending.values()]:
            child.returncode = -9
        self._running.clear()
        self._pending.clear()

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [self._python, "-P", fork_server.__file__, str(theirs.fileno()), str(os.getpid())],
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                start_new_session=True,  # a Ctrl-C of the sandbox's terminal is for the sandbox to handle
            )
        except OSError:
            ours.close()
            self.failed = True
            return
        finally:
            theirs.close()
        self._sock = ours  # blocking: reads happen only once select() says there is data
        self._listen()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "exit" in message:
            child = self._running.pop(message["exit"], None)
            if child is not None:
                child.returncode = message["code"]
            return
        child = self._pending.pop(message["id"])
        if "pid" in message:
            child.pid = message["pid"]
            self._running[child.pid] = child
        else:
            self._start_directly(child)

    def _fail(self) -> None:
        """The zygote is unusable: what it has not forked starts directly; what it forked died with it."""
        pending = list(self._pending.values())
        self._pending.clear()
        self.failed = True
        self.close()
        for child in pending:
            self._start_directly(child)

    def _start_directly(self, child: ZygoteChild) -> None:
        request = child.request
        user = User(*request["user"]) if request["user"] is not None else None
        cwd, log = Path(request["cwd"]), Path(request["log"])
        child.direct = direct_spawn(self._python, request["argv"], request["env"], cwd, log, user)
