"""The zygote: a warm fork server for workload processes (run as ``python -P <this file> <fd> <parent pid>``).

Every workload process would otherwise spend about a second of CPU importing azure-identity, azure-mgmt-* and
kubernetes. The zygote imports the workload modules of ``podid.workloads.images`` once, then forks a child per
request, already warm. It is run by path, not with ``-m``, so that it loads none of the sandbox (importing
``podid.sandbox.kube`` pulls in aiohttp and asyncio); and it starts no thread and opens no event loop, so that
forking it is safe.

Protocol, JSON lines over the socket ``<fd>`` shared with the kubelet (``zygote_client``):

* kubelet → zygote: ``{"op": "spawn", "id", "argv", "env", "cwd", "log", "user"}`` and
  ``{"op": "signal", "id", "signum"}`` (a signal for a child whose pid the kubelet does not know yet);
* zygote → kubelet: ``{"id", "pid"}`` or ``{"id", "error"}`` per spawn, then ``{"exit": pid, "code"}`` once the
  child is reaped (codes as ``subprocess``: negative for a signal).

A child does what ``python -m podid.workloads <argv...>`` would, in its own session: env replaced wholesale, cwd,
stdin from /dev/null, stdout and stderr appended to the log file, as ``user`` (``[uid, gid]``, or null to stay
the zygote's user). The zygote dies with the thread that started it, and each child with the zygote
(``PR_SET_PDEATHSIG``); end of file on the socket ends the zygote too.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib
import json
import os
import select
import signal
import socket
import stat
import sys
import threading
import traceback
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """SIGKILL when the parent goes; exit now if it has already gone (before prctl took effect)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def signal_group(pid: int, signum: int) -> None:
    """Signal a child's process group, or the child alone if it has not called setsid() yet."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            os.kill(pid, signum)


def preload() -> None:
    """Import every workload module (and so its SDKs); nothing environment-dependent is evaluated at import."""
    from podid.workloads import __main__  # noqa: F401  the dispatcher the children run
    from podid.workloads.images import WORKLOADS

    for module in sorted(set(WORKLOADS.values())):
        importlib.import_module(module)
    assert threading.active_count() == 1, "a workload import started a thread: forking would not be safe"


def _open_to_others(path: str) -> bool:
    """Whether a user with no claim on ``path`` can pass every directory from / down to it."""
    real = os.path.realpath(path)
    chain = [real]
    while chain[-1] != os.path.dirname(chain[-1]):
        chain.append(os.path.dirname(chain[-1]))
    return all(os.stat(directory).st_mode & stat.S_IXOTH for directory in chain)


def share_imports() -> None:
    """Let children that run as other users import lazily from the interpreter's own directories.

    A Python installed below a private directory (``/root/.pyenv``, say) is closed to them, and workloads still
    import now and then (``asyncio.to_thread`` imports ``concurrent.futures.thread``). So each such
    ``sys.path`` entry is opened here, as root, and named ``/proc/self/fd/<fd>`` from now on, in ``sys.path``
    and in the ``__path__`` of every package loaded from it: the children inherit the descriptor, which
    lets them reach what is below the entry (with its own modes) and nothing above it."""
    moved: dict[str, str] = {}
    for entry in sys.path:
        if entry and os.path.isdir(entry) and not _open_to_others(entry):
            moved[entry] = f"/proc/self/fd/{os.open(entry, os.O_RDONLY | os.O_DIRECTORY)}"

    def rename(path: str) -> str:
        for old, new in moved.items():
            if path == old or path.startswith(old + os.sep):
                return new + path[len(old) :]
        return path

    sys.path[:] = [rename(entry) for entry in sys.path]
    for module in list(sys.modules.values()):
        search = getattr(module, "__path__", None)
        if isinstance(search, list):
            search[:] = [rename(entry) for entry in search]
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()


def exit_code(error: SystemExit) -> int:
    """The status ``sys.exit(value)`` gives a process (a non-int value is printed and gives 1)."""
    if error.code is None or isinstance(error.code, int):
        return error.code or 0
    print(error.code, file=sys.stderr)
    return 1


def run_workload(argv: list[str]) -> int:
    """``python -m podid.workloads``'s main, then the interpreter's own shutdown: non-daemon threads, atexit."""
    from podid.workloads.__main__ import main

    sys.argv = [main.__code__.co_filename, *argv]
    try:
        code = main(argv)
    except SystemExit as error:
        code = exit_code(error)
    except BaseException:  # as the interpreter does: traceback to stderr, status 1
        traceback.print_exc()
        code = 1
    threading._shutdown()  # type: ignore[attr-defined]  # waits for non-daemon threads, as at exit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    return code


def become_user(user: list[int] | None) -> None:
    """Run as ``[uid, gid]``: no supplementary groups, then the group, then the user (after which neither
    could be changed any more)."""
    if user is not None:
        uid, gid = user
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)


def _become_child(request: dict[str, Any], zygote_fds: list[int]) -> None:
    """In the forked child: a fresh session, signals as a new interpreter has them, the pod's files, user and env.

    The log and the cwd (the pod root) are opened before the user changes: their parent directories may be
    closed to that user, who reaches its root through its cwd alone. The parent-death signal is set after,
    as changing credentials clears it (prctl(2), PR_SET_PDEATHSIG)."""
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for fd in zygote_fds:
        os.close(fd)
    log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    os.chdir(request["cwd"])
    become_user(request.get("user"))
    die_with_parent(int(request["parent"]))
    os.environ.clear()
    os.environ.update(request["env"])


class _Server:
    def __init__(self, sock: socket.socket, wake: int, wake_write: int) -> None:
        self._sock, self._wake, self._wake_write = sock, wake, wake_write
        self._pids: dict[int, int] = {}  # request id -> pid, until reaped

    def send(self, message: dict[str, Any]) -> None:
        self._sock.sendall(json.dumps(message).encode() + b"\n")

    def serve(self) -> None:
        buffer = b""
        while True:
            ready, _, _ = select.select([self._sock.fileno(), self._wake], [], [])
            if self._wake in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake, 4096)
                self._reap()
            if self._sock.fileno() in ready:
                data = self._sock.recv(1 << 16)
                if not data:
                    return  # the kubelet has gone: exiting takes every child with it
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    self._handle(json.loads(line))

    def _handle(self, request: dict[str, Any]) -> None:
        if request["op"] == "signal":
            pid = self._pids.get(request["id"])
            if pid is not None:
                signal_group(pid, request["signum"])
            return
        zygote = os.getpid()
        try:
            pid = os.fork()
        except OSError as error:
            self.send({"id": request["id"], "error": str(error)})
            return
        if pid == 0:
            self._child({**request, "parent": zygote})
        self._pids[request["id"]] = pid
        self.send({"id": request["id"], "pid": pid})

    def _child(self, request: dict[str, Any]) -> None:
        code = 1
        try:
            _become_child(request, [self._sock.fileno(), self._wake, self._wake_write])
            code = run_workload(request["argv"])
        except BaseException:  # the child must never return into the zygote's loop
            traceback.print_exc()
        finally:
            os._exit(code)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._pids = {key: value for key, value in self._pids.items() if value != pid}
            self.send({"exit": pid, "code": os.waitstatus_to_exitcode(status)})


def main(fd: int, parent: int) -> None:
    die_with_parent(parent)
    sock = socket.socket(fileno=fd)
    preload()
    if os.geteuid() == 0:  # children may run as other users (the kubelet's ``runas``)
        share_imports()
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that SIGCHLD writes to the wakeup fd
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the kubelet has gone
        _Server(sock, wake_read, wake_write).serve()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
