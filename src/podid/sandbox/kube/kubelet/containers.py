"""Containers as the kubelet tracks them: a workload process (or nothing) and the containerStatus it reports.

A container whose image has a built-in workload (``podid.workloads.images``) is a process running
``python -m podid.workloads <image> <args...>`` (forked by the zygote, or started directly) in its own
session, with stdout and stderr appended to ``logs/<container>/<restartCount>.log`` (what ``pods/log``
serves). On Linux the child gets SIGKILL if the sandbox dies, so no workload outlives it; the restarted
sandbox starts them again. Any other image is a container that runs and does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from podid.sandbox.kube.kubelet.runas import User
from podid.sandbox.kube.machinery.objects import Obj

_PR_SET_PDEATHSIG = 1
# Resolved before any fork: the child may only call it, not load anything, between fork and exec.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Process(Protocol):
    """A container's process, however it was started."""

    def poll(self) -> int | None: ...

    def wait(self) -> int: ...

    def signal_group(self, signum: int) -> None: ...

    def process_id(self) -> int | None:
        """The process's id, while there is one (what metrics read of it in /proc)."""


class DirectProcess:
    """A workload started as its own ``python -m podid.workloads`` process."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen

    def poll(self) -> int | None:
        return self.popen.poll()

    def wait(self) -> int:
        return self.popen.wait()

    def signal_group(self, signum: int) -> None:
        """Signal the container's whole process group (what the runtime does), ignoring one that is gone."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)

    def process_id(self) -> int | None:
        return self.popen.pid


class FailedStart:
    """A workload process that could not be started (its executable is closed to the pod's user, say): it
    counts as exited with 128, as a runtime reports a container it could not start."""

    def poll(self) -> int:
        return 128

    def wait(self) -> int:
        return 128

    def signal_group(self, signum: int) -> None:
        pass

    def process_id(self) -> None:
        return None


def direct_spawn(
    python: str, argv: list[str], env: dict[str, str], cwd: Path, log_path: Path, user: User | None
) -> Process:
    """``python -m podid.workloads <argv...>`` in a new session as ``user`` (None: the sandbox's own), stdout
    and stderr appended to ``log_path``."""
    log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        popen = subprocess.Popen(
            [python, "-m", "podid.workloads", *argv],
            env=env,
            cwd=cwd,  # entered before the user changes, as the zygote does
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user.uid if user else None,
            group=user.gid if user else None,
            extra_groups=[] if user else None,
            preexec_fn=_die_with_parent if _PRCTL is not None else None,  # noqa: PLW1509  after the user change
        )
    except OSError as error:
        os.write(log, f"failed to start the workload: {error}\n".encode())
        return FailedStart()
    finally:
        os.close(log)
    return DirectProcess(popen)


def _repository(image: str) -> str:
    """``nginx:1.25`` → ``docker.io/library/nginx``, as containerd reports image references."""
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    name = f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]
    if "/" not in name:
        return f"docker.io/library/{name}"
    first = name.split("/", 1)[0]
    return name if "." in first or ":" in first or first == "localhost" else f"docker.io/{name}"


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


@dataclass
class Container:
    """One container of a pod on a node."""

    name: str
    image: str
    workload: str | None  # the module that plays the image, or None for an idle container
    init: bool = False
    restart_count: int = 0
    process: Process | None = None
    state: Obj = field(default_factory=dict)  # {"running": ...} | {"waiting": ...} | {"terminated": ...}
    last_state: Obj = field(default_factory=dict)
    retry_at: float = 0.0  # when a crashed container is started again (CrashLoopBackOff), time.monotonic()
    crashes: int = 0
    started_at: float = 0.0  # time.monotonic() of the last start

    @property
    def running(self) -> bool:
        return "running" in self.state

    @property
    def done(self) -> bool:
        return "terminated" in self.state

    def container_id(self) -> str:
        return "containerd://" + _digest(self.name, self.image, str(self.restart_count))

    def started(self, now: str) -> None:
        self.state = {"running": {"startedAt": now}}
        self.started_at = time.monotonic()

    def waiting(self, reason: str, message: str = "") -> None:
        self.state = {"waiting": {"reason": reason, **({"message": message} if message else {})}}

    def exited(self, code: int, now: str) -> Obj:
        """Record an exit (negative codes are signals, reported as 128 + signal) and return the terminated state."""
        started = self.state.get("running", {}).get("startedAt", now)
        exit_code = 128 - code if code < 0 else code
        reason = "Completed" if exit_code == 0 else "Error"
        terminated = {
            "exitCode": exit_code,
            "reason": reason,
            "startedAt": started,
            "finishedAt": now,
            "containerID": self.container_id(),
        }
        self.state = {"terminated": terminated}
        self.process = None
        return terminated

    def status(self) -> Obj:
        ready = self.running and not self.init
        status: Obj = {
            "name": self.name,
            "state": self.state,
            "lastState": self.last_state,
            "ready": ready if not self.init else self.done and self.state["terminated"]["exitCode"] == 0,
            "restartCount": self.restart_count,
            "image": self.image,
            "imageID": f"{_repository(self.image)}@sha256:{_digest(self.image)}",
            "started": self.running,
        }
        if self.running or self.done:
            status["containerID"] = self.container_id()
        return status
