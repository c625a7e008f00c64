"""The remote-command protocol's contract, whatever carries it: what ``pods/exec`` asks for, how a command is
run for it, and the Status the kubelet reports at its end.

The kubelet's streaming server (kubernetes/kubernetes pkg/kubelet/cri/streaming/remotecommand/exec.go,
ServeExec) ends every exec with a Status on the error stream: ``Success``; ``NonZeroExitCode`` with the code
as an ``ExitCode`` cause (client-go turns it into kubectl's "command terminated with exit code N"); or an
InternalError "error executing command in container: …" when the command could not be started (containerd's
texts, pkg/cri/server/container_execsync.go). Protocols before v4 carry only a failure's text.

``v5.channel.k8s.io`` is served by the API server's stream translator (k8s.io/apimachinery
pkg/util/proxy/streamtranslator.go), which re-reads the kubelet's Status as client-go does
(tools/remotecommand/v4.go errorDecoderV4) and writes its own: an exit code keeps its cause under the
message "command terminated with non-zero exit code: command terminated with exit code N", anything else
becomes an InternalError wrapping the kubelet's message.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]
Reader = Callable[[], Awaitable[bytes]]  # b"" at the end
Writer = Callable[[bytes], Awaitable[None]]


class ExecFailed(Exception):
    """The command could not be started (the text is the runtime's)."""


@dataclass(frozen=True)
class ExecOptions:
    """``PodExecOptions`` from the query, as the API server reads them (``stdin=true`` or ``1``)."""

    command: tuple[str, ...]
    container: str
    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool

    @classmethod
    def from_query(cls, query: Mapping[str, str], commands: Sequence[str]) -> ExecOptions:
        def flag(name: str) -> bool:
            return query.get(name, "").lower() in ("1", "true")

        tty = flag("tty")
        # the kubelet drops stderr under a tty (remotecommand/httpstream.go NewOptions)
        stderr = flag("stderr") and not tty
        return cls(tuple(commands), query.get("container", ""), flag("stdin"), flag("stdout"), stderr, tty)

    def streams(self) -> int:
        """How many streams a SPDY client opens: error, plus each asked for, plus resize under a tty."""
        return 1 + self.stdin + self.stdout + self.stderr + self.tty


@dataclass(frozen=True)
class ExecIO:
    """The command's ends: None where the client asked for no such stream."""

    stdin: Reader | None
    stdout: Writer | None
    stderr: Writer | None
    tty: bool
    resize: Reader | None = None  # TerminalSize JSON objects, under a tty


# Runs the command for the client and returns its exit code; raises ExecFailed when it cannot start.
CommandRunner = Callable[[Sequence[str], ExecIO], Awaitable[int]]


def success() -> Obj:
    return {"metadata": {}, "status": "Success"}


def exit_status(command: Sequence[str], code: int) -> Obj:
    # containerd's exec error ("error executing command [sh -c exit 3], exit code 3", Go's %v of a slice)
    # under the kubelet's "command terminated with non-zero exit code: …"
    message = f"error executing command [{' '.join(command)}], exit code {code}"
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: {message}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def internal_error(text: str) -> Obj:
    """apierrors.NewInternalError's Status."""
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"Internal error occurred: {text}",
        "reason": "InternalError",
        "details": {"causes": [{"message": text}]},
        "code": 500,
    }


def translated(status: Obj) -> Obj:
    """The Status the API server's stream translator writes for the kubelet's ``status``."""
    if status["status"] == "Success":
        return status
    if status.get("reason") == "NonZeroExitCode":
        code = status["details"]["causes"][0]["message"]
        message = f"command terminated with non-zero exit code: command terminated with exit code {code}"
        return {**status, "message": message}
    return internal_error(str(status["message"]))


def start_failure(executable: str, reason: str) -> ExecFailed:
    """runc's refusal to start a command, as containerd wraps it with its exec id."""
    exec_id = secrets.token_hex(32)
    return ExecFailed(
        f'failed to exec in container: failed to start exec "{exec_id}": OCI runtime exec failed: exec failed: '
        f'unable to start container process: exec: "{executable}": {reason}: unknown'
    )


async def run(options: ExecOptions, io: ExecIO, runner: CommandRunner) -> Obj:
    """Run the command and return the Status that ends the session."""
    try:
        code = await runner(options.command, io)
    except ExecFailed as error:
        return internal_error(f"error executing command in container: {error}")
    return success() if code == 0 else exit_status(options.command, code)
