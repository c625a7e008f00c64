"""Run a sandbox: bind its sockets, build its state, serve every front end until stopped.

``Sandbox.start()`` runs everything on an event loop in a daemon thread and returns once all front ends
answer (moto's ThreadedMotoServer); ``Sandbox.serve_forever()`` runs it in the foreground for
``podid sandbox start``. Sockets are bound before anything else so that port 0 (tests) works.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import uvloop
from aiohttp import web

from podid.sandbox import _bootstrap, _cloudapp, _control
from podid.sandbox._config import Endpoints, Operator, SandboxConfig
from podid.sandbox.cloud import Cloud
from podid.sandbox.core import pki
from podid.sandbox.core.files import private_dir
from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.core.sockets import bind_tcp
from podid.sandbox.core.store import Store
from podid.sandbox.core.tokens import TokenService
from podid.sandbox.proxy import ProxyService

log = logging.getLogger(__name__)
T = TypeVar("T")


def _ca_bundle(data_dir: Path, ca_pem: bytes) -> Path:
    """System roots plus the sandbox CA: REQUESTS_CA_BUNDLE replaces the trust store, so keep both.
    Certificates only, so it stays readable by the processes the user points at it."""
    bundle = data_dir / "ca-bundle.pem"
    system = Path(ssl.get_default_verify_paths().openssl_cafile)
    roots = system.read_bytes() if system.is_file() else b""
    bundle.write_bytes(roots.rstrip(b"\n") + b"\n" + ca_pem)
    return bundle


def _settings(config: SandboxConfig, ident: dict[str, Any], arm_url: str) -> CloudSettings:
    """The cloud's settings: its tenant and subscription (bootstrapped once, kept in the store) and the config's."""
    return CloudSettings(
        ident["tenantId"],
        ident["subscriptionId"],
        ident["subscriptionName"],
        arm_url,
        arm_url.rstrip("/"),
        host=config.host,
        imds_port=config.imds_port,
        dns_port=config.dns_port,
        kube_port_base=config.kube_port_base,
        data_dir=config.data_dir,
        dns_rate_limits=config.dns_rate_limits,
        nmi_wait=config.nmi_wait,
        nmi_mode=config.nmi_mode,
        nmi_retry_after=config.nmi_retry_after,
    )


def _endpoints(
    config: SandboxConfig, cloud: Cloud, operator: Operator, control_token: str, proxy_url: str
) -> Endpoints:
    """What a running sandbox publishes (``endpoints.json``), once its services have bound their ports."""
    settings, ca = cloud.settings, cloud.ca
    return Endpoints(
        arm_url=settings.arm_url,
        authority=settings.authority,
        tenant_id=settings.tenant_id,
        subscription_id=settings.subscription_id,
        operator=operator,
        ca_cert=str(ca.ca_path),
        ca_bundle=str(_ca_bundle(config.data_dir, ca.ca_pem)),
        imds_url=str(cloud.published.get("imds_url", "")),
        dns_host=config.host,
        dns_port=int(str(cloud.published.get("dns_port", 0))),
        data_dir=str(config.data_dir),
        control_token=control_token,
        pid=os.getpid(),
        proxy_url=proxy_url,
    )


class Sandbox:
    """One local Azure + AKS: its state, its front ends and its event loop."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.cloud: Cloud | None = None
        self.endpoints: Endpoints | None = None
        self.proxy: ProxyService | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runners: list[web.AppRunner] = []
        self._stopped: asyncio.Event | None = None

    # lifecycle

    def start(self) -> Endpoints:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = uvloop.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve(ready))
            except BaseException as error:
                failure.append(error)
                ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="podid-sandbox", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        assert self.endpoints is not None
        return self.endpoints

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def serve_forever(self) -> None:
        """Serve in the foreground until SIGTERM or SIGINT, then stop cleanly (`podid sandbox start`)."""

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                self._loop.add_signal_handler(signum, self.request_stop)
            await self._serve(threading.Event())

        uvloop.run(serve())

    def call(self, function: object) -> None:
        """Run a callable on the sandbox loop (used by the signal handler of the foreground process)."""
        if self._loop is not None and callable(function):
            self._loop.call_soon_threadsafe(function)

    def run(self, function: Callable[[], T], timeout: float = 30) -> T:
        """Call ``function`` on the sandbox loop and return what it returns: the in-process contract (``kube.api``)
        is single-threaded, so a caller in another thread must not call it directly."""
        if self._loop is None:
            raise RuntimeError("the sandbox is not running")

        async def call() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout)

    def request_stop(self) -> None:
        if self._stopped is not None:
            self._stopped.set()

    # serving

    async def _serve(self, ready: threading.Event) -> None:
        self._stopped = asyncio.Event()
        config = self.config
        private_dir(config.data_dir)  # the operator's secret, keys and tokens: the owner's alone
        control_token = _control.load_or_create_token(config.data_dir)
        arm_socket = bind_tcp(config.host, config.arm_port)
        arm_url = f"https://{config.host}:{arm_socket.getsockname()[1]}/"
        proxy_socket = bind_tcp(config.host, config.proxy_port)
        ca = pki.load_or_create(config.data_dir / "pki")
        store = Store(config.data_dir / "state.db")
        ids, clock = IdGenerator(), Clock()
        if config.seed is not None:
            _bootstrap.seed(store, ids, config.seed)
        settings = _settings(config, _bootstrap.identity(store, ids), arm_url)
        tokens = TokenService(config.data_dir / "signing.pem", settings.authority, clock, ids)
        cloud = Cloud(settings, store, tokens, ids, clock, ca)
        self.cloud = cloud
        operator = _bootstrap.ensure_operator(cloud, config.data_dir)
        self.proxy = proxy = ProxyService(cloud, proxy_socket)
        cloud.published["proxy"] = proxy  # the kubelet gives each pod its proxy credential
        try:
            azure = await self._start_site(_cloudapp.build(cloud, control_token), arm_socket, ca.server_context())
            for service in cloud.services:
                await service.start()
            await proxy.start(azure.server)
            self.endpoints = _endpoints(config, cloud, operator, control_token, proxy.url)
            self.endpoints.save(config.data_dir)
            ready.set()
            await self._stopped.wait()
        finally:
            await proxy.stop()
            for service in reversed(cloud.services):
                await service.stop()
            for runner in reversed(self._runners):
                await runner.cleanup()
            store.close()

    async def _start_site(
        self, app: web.Application, sock: socket.socket, context: ssl.SSLContext | None
    ) -> web.AppRunner:
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock, ssl_context=context, shutdown_timeout=1).start()
        self._runners.append(runner)
        return runner
