"""The streaming subresources' protocols: ``pods/exec`` (and ``pods/attach``'s shape) and
``pods/portforward``, over SPDY/3.1 and WebSockets, as the kubelet's streaming server speaks them.

It knows nothing of pods: the API server hands it the request with a ``CommandRunner`` (``process.run_host``
with the container's environment) or a ``Dialer`` to the pod's address.
"""

from __future__ import annotations

from aiohttp import web

from podid.sandbox.kube.streaming import _exec_spdy, _exec_ws, portforward
from podid.sandbox.kube.streaming._upgrade import NotUpgraded, wants_spdy, wants_websocket
from podid.sandbox.kube.streaming.process import HostCommand, run_host
from podid.sandbox.kube.streaming.remotecommand import CommandRunner, ExecFailed, ExecIO, ExecOptions

__all__ = [
    "CommandRunner",
    "ExecFailed",
    "ExecIO",
    "ExecOptions",
    "HostCommand",
    "NotUpgraded",
    "portforward",
    "run_host",
    "serve_exec",
    "upgrade_requested",
]


def upgrade_requested(request: web.Request) -> bool:
    return wants_websocket(request) or wants_spdy(request)


async def serve_exec(request: web.Request, options: ExecOptions, runner: CommandRunner | str) -> web.StreamResponse:
    """An exec session on ``request``, over whichever protocol it asked for; ``runner`` a text when the
    kubelet cannot run anything there (``container not found ("name")``): its 500 before any upgrade, or the
    stream translator's InternalError after one."""
    if isinstance(runner, str):
        if wants_websocket(request) and _exec_ws.translated(request):
            return await _exec_ws.refuse(request, runner)
        return web.Response(status=500, text=runner)
    if wants_websocket(request):
        return await _exec_ws.serve(request, options, runner)
    if wants_spdy(request):
        return await _exec_spdy.serve(request, options, runner)
    raise NotUpgraded()
