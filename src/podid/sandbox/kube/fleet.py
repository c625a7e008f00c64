"""``cloud.kube``: every cluster of the sandbox, each with its own HTTPS API server (``kube.api.KubeFleet``).

A cluster record (store kind ``kubeCluster``) keeps the spec, the kubeconfig tokens, the service-account
signing key and the port, so a restarted sandbox serves the same clusters on the same URLs and kubeconfigs
stay valid (a port taken meanwhile is replaced by a new one). Ports are ``kube_port_base + n``, or any free
port when the base is 0. AKS calls ``ensure_cluster`` from request handlers on the loop thread; a caller on
another thread (a test fixture) is served on the loop too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import hashlib
import os
import random
import secrets
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Protocol, TypeVar, cast

import podid
from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.metrics import Metrics
from podid.sandbox.core.pki import CertificateAuthority
from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.core.sockets import bind_tcp
from podid.sandbox.core.store import Store
from podid.sandbox.kube.api import ClusterAccess, ClusterSpec, NodeSpec
from podid.sandbox.kube.identity.tokens import new_signing_key
from podid.sandbox.kube.kubelet.kubelet import KubeletSettings
from podid.sandbox.kube.kubelet.zygote_client import Zygote
from podid.sandbox.kube.machinery.objects import Obj, dig
from podid.sandbox.kube.network.ippool import LOAD_BALANCER_NETWORK, POD_NETWORK, AddressPool
from podid.sandbox.kube.server import ClusterServer, ServerSettings
from podid.sandbox.kube.storage.cluster import Admission, Cluster, clone

CLUSTER_KIND = "kubeCluster"
_PORT_RANGE = 1000
# below Linux's default ephemeral range (32768-60999), so bind(0) elsewhere never takes a cluster's port
_FREE_PORT_BASE, _FREE_PORT_SPREAD = 20000, 11000
_LOOP_CALL_TIMEOUT = 60.0
T = TypeVar("T")


def _spec_from(doc: Obj) -> ClusterSpec:
    raw = dict(doc["spec"])
    raw["nodes"] = tuple(NodeSpec(**node) for node in raw["nodes"])
    return ClusterSpec(**raw)


# PATH, locale, Python settings of workload processes: a container's env may override them
_WORKLOAD_ENV = {
    "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
    "LANG": "C.UTF-8",
    "PYTHONUNBUFFERED": "1",
    "PYTHONPATH": str(Path(podid.__file__).resolve().parent.parent),
}


class PodCredentials(Protocol):
    def for_pod(self, ip: str, uid: str) -> str: ...  # the userinfo of the pod's proxy URL


class PodProxy(Protocol):
    """The sandbox's HTTP proxy as a pod's environment names it (``proxy.ProxyService`` is one)."""

    @property
    def url(self) -> str: ...
    @property
    def credentials(self) -> PodCredentials: ...


class Sandbox(Protocol):
    """What the fleet reads of the sandbox it serves in; the sandbox's composition root (``cloud.Cloud``) is one."""

    @property
    def settings(self) -> CloudSettings: ...
    @property
    def store(self) -> Store: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def ids(self) -> IdGenerator: ...
    @property
    def ca(self) -> CertificateAuthority: ...
    @property
    def metrics(self) -> Metrics: ...
    @property
    def published(self) -> Mapping[str, object]: ...  # what other services announce: ``proxy``, a PodProxy


class KubeFleet:
    """The sandbox's Kubernetes clusters (implements ``kube.api.KubeFleet``; a sandbox service)."""

    def __init__(self, cloud: Sandbox) -> None:
        self._cloud = cloud
        self._servers: dict[str, ClusterServer] = {}
        self.pod_ips = AddressPool(POD_NETWORK)
        self.lb_ips = AddressPool(LOAD_BALANCER_NETWORK)
        self._admission: list[tuple[str, Admission]] = []
        self._closing: set[asyncio.Task[None]] = set()  # deleted clusters' endpoints shutting down
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        data_dir = cloud.settings.data_dir or Path(tempfile.mkdtemp(prefix="podid-kube-"))
        self._files = data_dir / "kube"
        self._spare_zygote: Zygote | None = None
        self._keygen: concurrent.futures.ThreadPoolExecutor | None = None
        self._spare_key: concurrent.futures.Future[str] | None = None

    # sandbox service

    async def start(self) -> None:
        self._loop, self._loop_thread = asyncio.get_running_loop(), threading.get_ident()
        # a zygote warms up for about a second: the first cluster's workloads start without waiting for it
        self._spare_zygote = Zygote(sys.executable, _WORKLOAD_ENV)
        self._spare_zygote.start()
        # likewise a signing key: RSA generation takes ~40 ms, done off the loop (it releases the GIL)
        self._keygen = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kube-keygen")
        self._spare_key = self._keygen.submit(new_signing_key)
        for doc in self._cloud.store.all(CLUSTER_KIND):
            self._serve(doc)

    async def stop(self) -> None:
        if self._spare_zygote is not None:
            self._spare_zygote.close()
        if self._keygen is not None:
            self._keygen.shutdown(cancel_futures=True)
        for key in list(self._servers):
            await self._servers.pop(key).stop()
        for closing in list(self._closing):
            await closing

    # kube.api.KubeFleet

    def ensure_cluster(self, spec: ClusterSpec) -> ClusterAccess:
        return self._on_loop(lambda: self._ensure(spec))

    def delete_cluster(self, cluster_id: str) -> None:
        self._on_loop(lambda: self._delete(cluster_id.lower()))

    def cluster(self, cluster_id: str) -> Cluster | None:
        server = self._servers.get(cluster_id.lower())
        return server.cluster if server is not None else None

    def pod_by_ip(self, ip: str) -> tuple[Cluster, Obj] | None:
        owner = self.pod_ips.owner(ip)
        if not isinstance(owner, tuple):
            return None
        cluster_key, namespace, name, uid = owner
        server = self._servers.get(cluster_key)
        if server is None:
            return None
        pod = server.cluster.find(server.cluster.resource_type("pods"), namespace, name)
        if pod is None or dig(pod, "metadata", "uid") != uid:
            return None
        if dig(pod, "status", "phase") not in ("Pending", "Running"):
            return None
        return server.cluster, clone(pod)

    def add_admission(self, kind: str, hook: Admission) -> None:
        """A mutating admission hook for ``kind`` objects of every cluster (e.g. an add-on's webhook), run after
        the built-in plugins, as MutatingAdmissionWebhook runs after ServiceAccount."""
        self._admission.append((kind, hook))
        for server in self._servers.values():
            server.cluster.add_admission(kind, hook)

    def server(self, cluster_id: str) -> ClusterServer | None:
        """The served cluster (its signer's JWKS and issuer, its URL), for sandbox components."""
        return self._servers.get(cluster_id.lower())

    # internals

    def _ensure(self, spec: ClusterSpec) -> ClusterAccess:
        """Serve the cluster (keeping its tokens, key and port if it was known) or bring it up to ``spec``."""
        key = spec.cluster_id.lower()
        doc = self._cloud.store.get(CLUSTER_KIND, key) or {
            "adminToken": secrets.token_hex(32),
            "userToken": secrets.token_hex(32),
            "signingKey": self._signing_key(),
            "port": 0,
        }
        doc["spec"] = asdict(spec)
        server = self._servers.get(key)
        if server is None:
            return self._access(self._serve(doc), doc)
        if spec != server.spec:
            self._cloud.store.put(CLUSTER_KIND, key, doc)
            server.update(spec)
        return self._access(server, doc)

    def _serve(self, doc: Obj) -> ClusterServer:
        spec = _spec_from(doc)
        key = spec.cluster_id.lower()
        sock = self._bind(key, int(doc.get("port") or 0))
        doc["port"] = sock.getsockname()[1]
        self._cloud.store.put(CLUSTER_KIND, key, doc)
        tokens = {doc["adminToken"]: "clusterAdmin", doc["userToken"]: "clusterUser"}
        directory = self._files / hashlib.sha256(key.encode()).hexdigest()[:16]
        kubelet = self._kubelet_settings(directory, doc["port"])
        server = ClusterServer(self._settings(key), spec, sock, doc["signingKey"], tokens, kubelet)
        for kind, hook in self._admission:
            server.cluster.add_admission(kind, hook)
        self._servers[key] = server
        server.start()
        return server

    def _access(self, server: ClusterServer, doc: Obj) -> ClusterAccess:
        return ClusterAccess(server.server_url, doc["adminToken"], doc["userToken"])

    def _delete(self, key: str) -> None:
        server = self._servers.pop(key, None)
        if server is not None:
            closing = server.destroy()
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        self.pod_ips.release_all(lambda owner: isinstance(owner, tuple) and owner[0] == key)
        self.lb_ips.release_all(lambda owner: isinstance(owner, tuple) and owner[0] == key)
        self._cloud.store.delete(CLUSTER_KIND, key)

    def _bind(self, key: str, preferred: int) -> socket.socket:
        host = self._cloud.settings.host
        if preferred:
            try:
                return bind_tcp(host, preferred)
            except OSError:
                pass  # taken while the sandbox was down: the cluster gets a new port
        # "Any free port" (base 0) is searched below the kernel's ephemeral range: a port picked by bind(0) could be
        # handed to another socket of the restarted sandbox (its ARM port, say) before this cluster reclaims it.
        base = self._cloud.settings.kube_port_base or _FREE_PORT_BASE + random.randrange(_FREE_PORT_SPREAD)
        taken = {int(doc.get("port") or 0) for doc in self._cloud.store.all(CLUSTER_KIND)}
        taken |= {server.port for server in self._servers.values()}
        for port in range(base, base + _PORT_RANGE):
            if port in taken:
                continue
            try:
                return bind_tcp(host, port)
            except OSError:
                continue
        raise OSError(f"no free port for the Kubernetes API server of {key} in {base}-{base + _PORT_RANGE - 1}")

    def _settings(self, cluster_id: str) -> ServerSettings:
        cloud = self._cloud
        ca_pem = cloud.ca.ca_pem.decode()
        return ServerSettings(
            cloud.store,
            cloud.clock,
            cloud.ids,
            ca_pem,
            cloud.ca.server_context,
            self.pod_ips,
            self.lb_ips,
            functools.partial(cloud.metrics.count_kube_write, cluster_id),  # counted per cluster
        )

    def _kubelet_settings(self, directory: Path, port: int) -> KubeletSettings:
        return KubeletSettings(
            directory / "pods", _WORKLOAD_ENV, lambda pod: self._sandbox_env(str(port), pod), self._zygote
        )

    def _signing_key(self) -> str:
        """The spare key made ahead, and the next one started; a new one when there is no spare."""
        spare, self._spare_key = self._spare_key, None
        if self._keygen is not None:
            self._spare_key = self._keygen.submit(new_signing_key)
        return spare.result() if spare is not None else new_signing_key()

    def _zygote(self) -> Zygote:
        """The warm spare for the first cluster, a new zygote (started on first need) for each other one."""
        spare, self._spare_zygote = self._spare_zygote, None
        return spare or Zygote(sys.executable, _WORKLOAD_ENV)

    def _sandbox_env(self, port: str, pod: tuple[str, str] | None) -> dict[str, str]:
        """What a workload process gets from its node, read at each container start: the API server, and Azure's
        own names (IMDS at 169.254.169.254 too) through the sandbox's proxy acting as the pod ``(IP, UID)``: its
        credential is in the proxy URL (a hostNetwork pod, the node's, has none). NO_PROXY keeps the API server
        and loopback direct. Nothing of it is in the pod spec, as a node's proxy settings are not."""
        host = self._cloud.settings.host
        env = {
            "KUBERNETES_SERVICE_HOST": host,
            "KUBERNETES_SERVICE_PORT": port,
            "KUBERNETES_SERVICE_PORT_HTTPS": port,
            "KUBERNETES_PORT": f"tcp://{host}:{port}",
            # the sandbox CA alone: pods reach only the sandbox, and each TLS connection loads the whole file
            "REQUESTS_CA_BUNDLE": str(self._cloud.ca.ca_path),
        }
        proxy = cast("PodProxy | None", self._cloud.published.get("proxy"))
        if proxy is not None:
            userinfo = f"{proxy.credentials.for_pod(*pod)}@" if pod is not None else ""
            url = proxy.url.replace("http://", f"http://{userinfo}", 1)
            direct = ",".join(dict.fromkeys((host, "127.0.0.1", "localhost")))
            # both spellings, as distributions set them: curl reads only http_proxy for http:// URLs (such as
            # IMDS), https://everything.curl.dev/usingcurl/proxies/env, and Go and Python read either
            for name, value in (("HTTP_PROXY", url), ("HTTPS_PROXY", url), ("NO_PROXY", direct)):
                env |= {name: value, name.lower(): value}
        return env

    def _on_loop(self, call: Callable[[], T]) -> T:
        """Run ``call`` on the sandbox loop, waiting for it when the caller is another thread."""
        if self._loop is None or threading.get_ident() == self._loop_thread:
            return call()
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(call())
            except BaseException as error:
                done.set_exception(error)

        self._loop.call_soon_threadsafe(run)
        return done.result(timeout=_LOOP_CALL_TIMEOUT)
