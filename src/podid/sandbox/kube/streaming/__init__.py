"""The streaming subresources, ``pods/exec`` and ``pods/portforward``, over SPDY/3.1 and WebSockets as the
kubelet's streaming server (and the API server's stream translator) speak them.

The protocols know nothing of pods: ``pods`` is the API server's side (the pod's checks, the container's
command from the kubelet, the pod's address), which hands the upgraded request to ``serve_exec`` with a
``CommandRunner`` (``process.run_host``) or to ``portforward.serve`` with a ``Dialer``.
"""

from __future__ import annotations

from aiohttp import web

from podid.sandbox.kube.streaming import _exec_spdy, _exec_ws
from podid.sandbox.kube.streaming._upgrade import wants_spdy, wants_websocket
from podid.sandbox.kube.streaming.remotecommand import CommandRunner, ExecOptions

__all__ = ["serve_exec", "upgrade_requested"]


def upgrade_requested(request: web.Request) -> bool:
    """Whether the request asks for WebSockets or SPDY/3.1 (else the API server's 400 "Upgrade request required")."""
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
    return await _exec_spdy.serve(request, options, runner)  # the caller checked that an upgrade was asked for
