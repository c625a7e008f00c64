"""One served cluster: its object store, controllers, kubelet and HTTPS API server, wired together.

Controllers hear every change through the watch hub's listeners and queue work; on (re)start they are handed
every stored object once, which makes them converge whatever happened before a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.store import Store
from podid.sandbox.kube.api import ClusterSpec
from podid.sandbox.kube.apiserver import admission, crds
from podid.sandbox.kube.apiserver.authentication import Authenticator
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.apiserver.http import build_app
from podid.sandbox.kube.controllers.bootstrap import bootstrap, sync_nodes
from podid.sandbox.kube.controllers.daemonsets import DaemonSetController
from podid.sandbox.kube.controllers.endpointslices import EndpointSliceController
from podid.sandbox.kube.controllers.jobs import JobController, admit_job
from podid.sandbox.kube.controllers.leases import LeaseHolders
from podid.sandbox.kube.controllers.lifecycle import GarbageCollector, NamespaceController, TokenController
from podid.sandbox.kube.controllers.scheduler import Scheduler
from podid.sandbox.kube.controllers.services import EndpointsController, LoadBalancerController, ServiceAllocator
from podid.sandbox.kube.controllers.statefulsets import StatefulSetController
from podid.sandbox.kube.controllers.workloads import REPLICATIONCONTROLLERS, DeploymentController, ReplicaSetController
from podid.sandbox.kube.events.recorder import EventRecorder
from podid.sandbox.kube.identity.tokens import DEFAULT_ISSUER, TokenSigner
from podid.sandbox.kube.kubelet.kubelet import Kubelet, KubeletSettings
from podid.sandbox.kube.kubelet.node_events import NodeEvents
from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.network.ippool import AddressPool
from podid.sandbox.kube.rbac.aggregation import ClusterRoleAggregator
from podid.sandbox.kube.rbac.authorizer import Authorizer
from podid.sandbox.kube.storage.cluster import Cluster

LEGACY_TOKEN_SECRETS_BEFORE = (1, 24)  # the token controller stopped creating Secrets in 1.24


class Controller(Protocol):
    def on_event(self, event_type: str, obj: Obj) -> None: ...


@dataclass(frozen=True)
class ServerSettings:
    """What a cluster is served with: the sandbox's state, clock, CA and address pools, and its write counter."""

    store: Store
    clock: Clock
    ids: IdGenerator
    ca_pem: str
    tls: Callable[[], ssl.SSLContext]
    pod_ips: AddressPool
    lb_ips: AddressPool
    count_write: Callable[[str], None]  # a client's successful write to this cluster, for the sandbox's metrics


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:2] if p.isdigit())


class ClusterServer:
    """A cluster being served on ``sock``; ``tokens`` maps the kubeconfig tokens to user names."""

    def __init__(
        self,
        settings: ServerSettings,
        spec: ClusterSpec,
        sock: socket.socket,
        signing_key: str,
        tokens: dict[str, str],
        kubelet_settings: KubeletSettings,
    ) -> None:
        self.spec = spec
        self.port: int = sock.getsockname()[1]
        self.server_url = f"https://{sock.getsockname()[0]}:{self.port}"
        self._socket = sock
        self._settings = settings
        self.cluster = Cluster(spec.cluster_id, settings.store, settings.clock, settings.ids)
        self.signer = TokenSigner(signing_key, spec.oidc_issuer_url or DEFAULT_ISSUER, settings.clock)
        self.queue = WorkQueue(settings.store)
        self.events = EventRecorder(self.cluster, self.queue, lambda: self.spec.kubernetes_version)
        self.kubelet = Kubelet(self.cluster, self.queue, self.signer, settings.pod_ips, kubelet_settings, self.events)
        self._controllers = self._wire(settings)
        self._unlisten = self.cluster.hub.listen(self._dispatch)
        self.cluster.hub.listen(NodeEvents(self.events).on_event)  # nodes created or removed, not replayed
        authenticator = Authenticator(self.cluster, self.signer, tokens)
        self.context = ApiContext(
            self.cluster,
            self.kubelet,
            authenticator,
            Authorizer(self.cluster),
            self.signer,
            spec.kubernetes_version,
            self.server_url,
            settings.count_write,
        )
        self._runner: web.AppRunner | None = None
        self._serving: asyncio.Task[None] | None = None  # held: the loop keeps only weak references to tasks
        self._listener: asyncio.Server | None = None
        self._closed = False

    def _wire(self, settings: ServerSettings) -> list[Controller]:
        cluster, queue = self.cluster, self.queue
        admission.install(cluster)
        crds.install(cluster)
        allocator = ServiceAllocator(cluster)
        cluster.add_admission("Service", allocator.admit)
        cluster.add_admission("Job", admit_job)
        controllers: list[Controller] = [
            NamespaceController(cluster, queue, settings.ca_pem),
            DeploymentController(cluster, queue, self.events),
            ReplicaSetController(cluster, queue, self.events),
            ReplicaSetController(cluster, queue, self.events, REPLICATIONCONTROLLERS),
            DaemonSetController(cluster, queue, self.events),
            StatefulSetController(cluster, queue, self.events),
            JobController(cluster, queue, self.events),
            Scheduler(cluster, queue, self.events),
            self.kubelet,
            LoadBalancerController(cluster, queue, settings.lb_ips, allocator),
            EndpointsController(cluster, queue),
            EndpointSliceController(cluster, queue),
            GarbageCollector(cluster, queue),
            ClusterRoleAggregator(cluster, queue),
            LeaseHolders(cluster, queue),
        ]
        if _version_tuple(self.spec.kubernetes_version) < LEGACY_TOKEN_SECRETS_BEFORE:
            controllers.append(TokenController(cluster, queue, self.signer, settings.ca_pem))
        return controllers

    def _dispatch(self, event_type: str, obj: Obj) -> None:
        for controller in self._controllers:
            controller.on_event(event_type, obj)

    def start(self) -> None:
        """Bring the cluster's objects in line with its spec, resume its pods and start serving (on the loop)."""
        with self._settings.store.transaction():
            bootstrap(self.cluster, self.port)
            sync_nodes(self.cluster, self.spec)
        self.kubelet.resume()
        for resource in self.cluster.objects.resources():
            for obj in self.cluster.objects.objects(resource):
                for controller in self._controllers:
                    if controller is not self.kubelet:
                        controller.on_event("ADDED", obj)
        app = build_app(self.context)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1)
        self._serving = asyncio.get_running_loop().create_task(self._serve(self._runner))

    async def _serve(self, runner: web.AppRunner) -> None:
        # The listener is ours (not a SockSite's) so that deleting the cluster can stop accepting at once.
        await runner.setup()
        assert runner.server is not None
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(runner.server, sock=self._socket, ssl=self._settings.tls())
        if self._closed:
            self._listener.close()

    def update(self, spec: ClusterSpec) -> None:
        """AKS changed the cluster (scale, upgrade, OIDC issuer)."""
        self.spec = spec
        self.context.kubernetes_version = spec.kubernetes_version
        self.signer.issuer = spec.oidc_issuer_url or DEFAULT_ISSUER
        with self._settings.store.transaction():
            sync_nodes(self.cluster, spec)

    async def stop(self) -> None:
        """Sandbox shutdown: stop serving and stop the workloads; the cluster's state stays."""
        self._close()
        await self.kubelet.stop()
        await self._cleanup()

    def destroy(self) -> asyncio.Task[None]:
        """The cluster is deleted: its workloads, objects and endpoint go (the endpoint when the task is done)."""
        self._close()
        self.kubelet.kill_all()
        self.cluster.objects.destroy()
        return asyncio.get_running_loop().create_task(self._cleanup())

    def _close(self) -> None:
        """Stop accepting connections and end the watches now; the open connections close in ``_cleanup``."""
        self._closed = True
        if self._listener is not None:
            self._listener.close()
        self.queue.close()
        self.events.close()
        self._unlisten()
        self.cluster.hub.close()

    async def _cleanup(self) -> None:
        if self._serving is not None and not self._serving.done():
            await self._serving
        if self._runner is not None:
            await self._runner.cleanup()
        with contextlib.suppress(OSError):
            self._socket.close()
