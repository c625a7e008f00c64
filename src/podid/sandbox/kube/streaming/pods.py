"""``pods/exec`` and ``pods/portforward`` as the API server serves them: the pod's checks
(kubernetes/kubernetes pkg/registry/core/pod/strategy.go, streamLocation and PortForwardLocation: the
container named or the only one, a node assigned, an upgrade asked for), then the kubelet's part over the
upgraded connection. A command runs as a host process with the container's environment, working directory
and user (``Kubelet.exec_command``); a forwarded port is a TCP connection to the pod's address.

``pods/attach`` is not served (a workload writes only to its log; nothing could be attached to).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Protocol

from aiohttp import web

from podid.sandbox.kube.kubelet.runas import User
from podid.sandbox.kube.machinery.objects import Obj, as_str, dig
from podid.sandbox.kube.machinery.status import bad_request
from podid.sandbox.kube.streaming import portforward, serve_exec, upgrade_requested
from podid.sandbox.kube.streaming.process import HostCommand, run_host
from podid.sandbox.kube.streaming.remotecommand import ExecOptions

SUBRESOURCES = frozenset({"exec", "portforward"})


class Kubelet(Protocol):
    def exec_command(self, pod: Obj, name: str) -> tuple[dict[str, str], Path, User | None] | None: ...


async def serve(
    request: web.Request, pod: Obj, subresource: str, kubelet: Kubelet, pick: Callable[[Obj, str], str]
) -> web.StreamResponse:
    """``pod`` read already (its 404 before anything else); ``pick`` the API server's choice of container."""
    if subresource == "portforward":
        return await _port_forward(request, pod)
    options = ExecOptions.from_query(request.query, request.query.getall("command", []))
    name = pick(pod, options.container)
    _assigned(pod)
    if not upgrade_requested(request):
        raise bad_request("Upgrade request required")  # the upgrade-aware proxy's refusal
    if not (options.stdin or options.stdout or options.stderr):
        return web.Response(status=400, text="you must specify at least 1 of stdin, stdout, stderr")
    found = kubelet.exec_command(pod, name)
    if found is None:  # the kubelet's GetExec for a container that is not running
        return await serve_exec(request, options, f'container not found ("{name}")')
    env, cwd, user = found
    command = HostCommand(env, cwd, user.uid, user.gid) if user else HostCommand(env, cwd)
    return await serve_exec(request, options, partial(run_host, command))


def _assigned(pod: Obj) -> None:
    if not dig(pod, "spec", "nodeName"):
        raise bad_request(f"pod {as_str(dig(pod, 'metadata', 'name'))} does not have a host assigned")


async def _port_forward(request: web.Request, pod: Obj) -> web.StreamResponse:
    _assigned(pod)
    if not upgrade_requested(request):
        raise bad_request("Upgrade request required")
    address = as_str(dig(pod, "status", "podIP"))
    uid = as_str(dig(pod, "metadata", "uid"))

    async def dial(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if not address:
            raise ConnectionRefusedError(111, "connection refused")
        return await asyncio.open_connection(address, port)

    return await portforward.serve(request, dial, partial(_forward_failure, uid))


def _forward_failure(uid: str, port: int, error: OSError) -> str:
    """The kubelet's text around containerd's (the pod is named by its sandbox's id, with no uid)."""
    sandbox = hashlib.sha256(uid.encode()).hexdigest()
    netns = f"/var/run/netns/cni-{uuid.UUID(bytes=hashlib.md5(uid.encode()).digest())}"
    reason = (error.strerror or str(error)).lower()
    return (
        f"error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace "
        f'"{netns}": failed to connect to localhost:{port} inside namespace "{sandbox}", '
        f"IPv4: dial tcp4 127.0.0.1:{port}: connect: {reason} IPv6 dial tcp6 [::1]:{port}: connect: {reason} "
    )
