"""The kubelet of every node of one cluster: runs the pods bound to them.

Starting a pod gives it an address (its own loopback IP, or the node's for ``hostNetwork``), materialises its
volumes, starts a process for each container with a built-in workload and reports Running at once (idle
containers need nothing). A periodic tick watches the processes: exits are recorded, containers restarted per
``restartPolicy`` with CrashLoopBackOff delays, projected tokens renewed. Deleting a pod sends SIGTERM, waits
out the grace period (SIGKILL after), then removes the pod object, as the kubelet's final delete does.
Probes are not run: a started container counts as Ready. Workload processes are forked by the kubelet's
zygote (``zygote_client``), which has imported the workloads already, or started directly if it fails. When
the sandbox is root they run as the pod's own unprivileged user (``runas``), which can read its pod's files
and nothing of the sandbox's: it reaches its root as its cwd, and trusts the CA bundle copied into it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podid.sandbox.kube.events.recorder import EventRecorder
from podid.sandbox.kube.identity.tokens import TokenSigner
from podid.sandbox.kube.kubelet.containers import Container
from podid.sandbox.kube.kubelet.events import KubeletEvents
from podid.sandbox.kube.kubelet.podenv import ContainerConfigError, command_line, container_env
from podid.sandbox.kube.kubelet.podfiles import Materializer, PodFiles
from podid.sandbox.kube.kubelet.podstatus import PodRun, pod_status
from podid.sandbox.kube.kubelet.runas import User, container_user, files_owner, pod_user, switches_users
from podid.sandbox.kube.kubelet.usage import UsageMeter
from podid.sandbox.kube.kubelet.zygote_client import Zygote
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.network.ippool import AddressPool
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions
from podid.workloads.images import workload_module

TICK_SECONDS = 0.25
CONFIG_RETRY_SECONDS = 2.0
BACKOFF_START, BACKOFF_MAX, BACKOFF_RESET = 10.0, 300.0, 600.0
STOP_SECONDS = 3.0
CA_BUNDLE = "REQUESTS_CA_BUNDLE"  # a host path in the sandbox's env: the pod gets a copy in its root
CERT_FILE = "SSL_CERT_FILE"  # OpenSSL's (and Go's) name for the same trust: the pod's copy

Key = tuple[str, str]


@dataclass(frozen=True)
class KubeletSettings:
    """What a cluster's kubelet needs from the sandbox."""

    pods_dir: Path  # <data dir>/kube/<cluster>/pods
    default_env: dict[str, str]  # PATH, locale, Python settings: a container's env may override them
    # the API server, the proxy acting as the pod (its IP and UID; None: a hostNetwork pod, the node's) and the CA,
    # read at each start and set last
    sandbox_env: Callable[[tuple[str, str] | None], dict[str, str]]
    zygote: Callable[[], Zygote]  # this kubelet's fork server (maybe already warm)


def _key(pod: Obj) -> Key:
    return as_str(dig(pod, "metadata", "namespace")), as_str(dig(pod, "metadata", "name"))


class Kubelet:
    def __init__(
        self,
        cluster: Cluster,
        queue: WorkQueue,
        signer: TokenSigner,
        pod_ips: AddressPool,
        settings: KubeletSettings,
        events: EventRecorder,
    ) -> None:
        self._cluster, self._queue, self._pod_ips, self._settings = cluster, queue, pod_ips, settings
        self._events = KubeletEvents(events)
        self._pods = cluster.resource_type("pods")
        self._nodes = cluster.resource_type("nodes")
        self._files = Materializer(cluster, signer)
        self._runs: dict[Key, PodRun] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._zygote = settings.zygote()
        self._switch_users = switches_users()
        self.usage = UsageMeter()  # what metrics-server reads of this kubelet's containers

    def owner(self, pod: Obj) -> tuple[str, str, str, str]:
        """Who holds a pod IP in the sandbox-wide pool."""
        return (self._cluster.cluster_id.lower(), *_key(pod), as_str(dig(pod, "metadata", "uid")))

    def run_of(self, pod: Obj) -> PodRun | None:
        run = self._runs.get(_key(pod))
        return run if run is not None and run.uid == dig(pod, "metadata", "uid") else None

    def container(self, pod: Obj, name: str) -> tuple[PodRun, Container] | None:
        run = self.run_of(pod)
        found = run.container(name) if run is not None else None
        return (run, found) if run is not None and found is not None else None

    # events

    def on_event(self, event_type: str, obj: Obj) -> None:
        if obj.get("kind") != "Pod":
            return
        if event_type == "DELETED" and dig(obj, "status", "podIP"):
            self._pod_ips.release(as_str(dig(obj, "status", "podIP")), self.owner(obj))
        if event_type == "DELETED" or dig(obj, "spec", "nodeName"):
            self._queue.add(self.sync, _key(obj))

    def sync(self, key: Key) -> None:
        pod = self._cluster.find(self._pods, *key)
        run = self._runs.get(key)
        if run is not None and (pod is None or run.uid != dig(pod, "metadata", "uid")):
            self._discard(key, run)
            run = None
        if pod is None or not dig(pod, "spec", "nodeName"):
            return
        if dig(pod, "metadata", "deletionTimestamp"):
            self._terminate(pod, run)
        elif run is None and not dig(pod, "status", "podIP") and dig(pod, "status", "phase") == "Pending":
            self._start(pod)
        elif run is not None and dig(pod, "status", "phase") not in ("Succeeded", "Failed"):
            self._follow_images(pod, run)

    # starting

    def _start(self, pod: Obj) -> None:
        node = self._cluster.find(self._nodes, "", as_str(dig(pod, "spec", "nodeName")))
        addresses = as_list(dig(node, "status", "addresses"))
        host_ip = next((as_str(dig(a, "address")) for a in addresses if dig(a, "type") == "InternalIP"), "")
        host_network = dig(pod, "spec", "hostNetwork") is True
        ip = host_ip if host_network else self._pod_ips.allocate(self.owner(pod))
        uid = as_str(dig(pod, "metadata", "uid"))
        run = PodRun(uid, ip, host_ip, self._cluster.now(), self._pod_files(pod, ip), _containers(pod))
        self._runs[_key(pod)] = run
        self._launch(pod, run)

    def _launch(self, pod: Obj, run: PodRun) -> None:
        """Materialise the files (if anything runs), then start containers as far as init containers allow."""
        pod = self._with_addresses(pod, run)
        try:
            if run.has_workloads:
                self._files.materialize(pod, run.files)
        except ContainerConfigError as error:
            self._events.mount_failed(pod, error)
            for container in run.containers:
                container.waiting(error.reason, str(error))
            self._queue.add_after(CONFIG_RETRY_SECONDS, self._retry_launch, _key(pod))
            self._report(pod, run)
            return
        self._advance(pod, run)
        self._report(pod, run)
        if run.has_workloads:
            self._ensure_ticker()

    def _retry_launch(self, key: Key) -> None:
        """A missing Secret or ConfigMap may exist now: materialise again, start what has not started."""
        pod, run = self._cluster.find(self._pods, *key), self._runs.get(key)
        if pod is None or run is None or run.uid != dig(pod, "metadata", "uid"):
            return
        if not dig(pod, "metadata", "deletionTimestamp"):
            self._launch(pod, run)

    def _advance(self, pod: Obj, run: PodRun) -> None:
        """Start the next init container, or every app container once init containers are done."""
        now = self._cluster.now()
        for container in (c for c in run.containers if c.init):
            if not container.done and container.process is None and not container.retry_at:
                self._run_container(pod, run, container, now)
            if container.done and container.state["terminated"]["exitCode"] == 0:
                continue  # an idle init container completes at once
            for app in (c for c in run.containers if not c.init):
                app.waiting("PodInitializing")
            return
        for container in (c for c in run.containers if not c.init):
            if not container.running and not container.done and not container.retry_at:
                self._run_container(pod, run, container, now)

    def _run_container(self, pod: Obj, run: PodRun, container: Container, now: str) -> None:
        if container.workload is None:
            container.started(now)
            self._events.started(pod, container)
            if container.init:
                container.exited(0, now)
            return
        spec = next(as_dict(c) for c in _specs(pod) if as_dict(c).get("name") == container.name)
        try:
            env = container_env(self._cluster, pod, spec)
            user = container_user(pod, spec, pod_user(pod, run.ip))
        except ContainerConfigError as error:
            self._events.config_failed(pod, container, error)
            container.waiting(error.reason, str(error))
            self._queue.add_after(CONFIG_RETRY_SECONDS, self._retry_launch, _key(pod))
            return
        argv = [container.image, *command_line(spec, env)]
        run_as = user if self._switch_users else None
        log_path = run.files.log_path(container.name, container.restart_count)
        full_env = self._full_env(pod, run, env, run_as)
        container.process = self._zygote.spawn(argv, full_env, run.files.root, log_path, run_as)
        container.started(now)
        self._events.started(pod, container)

    def _full_env(self, pod: Obj, run: PodRun, env: dict[str, str], user: User | None) -> dict[str, str]:
        """The container's env with what the kubelet adds: the API server and the proxy as this pod, the pod root as
        ``user`` reaches it, the CA bundle (copied into the root), the pod IP."""
        root = run.files.root_for(user)
        own_address = dig(pod, "spec", "hostNetwork") is not True
        full_env = {**self._settings.default_env, "HOME": root, "HOSTNAME": _key(pod)[1], **env}
        sandbox_env = self._settings.sandbox_env((run.ip, run.uid) if own_address else None)
        full_env |= {**sandbox_env, "PODID_POD_ROOT": root}
        if CA_BUNDLE in full_env:
            trust = root + run.files.install_trust(Path(full_env[CA_BUNDLE]))
            full_env |= {CA_BUNDLE: trust, CERT_FILE: trust}
        if own_address:
            full_env["PODID_POD_IP"] = run.ip
        return full_env

    def exec_command(self, pod: Obj, name: str) -> tuple[dict[str, str], Path, User | None] | None:
        """Where and as whom a command exec'd in a running container runs: the container's environment as its
        workload gets it, the pod root, the container's user (None: the container is not running)."""
        found = self.container(pod, name)
        if found is None or not found[1].running:
            return None
        run = found[0]
        pod = self._with_addresses(pod, run)
        spec = next(as_dict(c) for c in _specs(pod) if as_dict(c).get("name") == name)
        try:
            env = container_env(self._cluster, pod, spec)
            user = container_user(pod, spec, pod_user(pod, run.ip)) if self._switch_users else None
        except ContainerConfigError:
            return None
        if not run.files.root.exists():  # an idle pod's files are written on first need
            self._files.materialize(pod, run.files)
        elif run.files.refresh_at is not None and run.files.refresh_at <= time.time():  # the tick skips idle pods
            self._files.refresh_tokens(pod, run.files)
        return self._full_env(pod, run, env, user), run.files.root, user

    def _pod_files(self, pod: Obj, ip: str) -> PodFiles:
        """Where the pod's files go, owned by its user when pods run as users of their own."""
        namespace, name = _key(pod)
        files = PodFiles(self._settings.pods_dir / f"{namespace}_{name}_{as_str(dig(pod, 'metadata', 'uid'))}")
        if self._switch_users:
            files.owner = files_owner(pod, pod_user(pod, ip))
        return files

    def _with_addresses(self, pod: Obj, run: PodRun) -> Obj:
        """The pod as its containers see it (the downward API's status.podIP is already set)."""
        addresses = {"podIP": run.ip, "podIPs": [{"ip": run.ip}], "hostIP": run.host_ip}
        return {**pod, "status": {**as_dict(pod.get("status")), **addresses}}

    def _report(self, pod: Obj, run: PodRun) -> None:
        current = self._cluster.find(self._pods, *_key(pod))
        if current is None or dig(current, "metadata", "uid") != run.uid:
            return
        status = pod_status(current, run, self._cluster.now())
        self._cluster.commit(self._pods, current, {**current, "metadata": dict(current["metadata"]), "status": status})

    # changes while running

    def _follow_images(self, pod: Obj, run: PodRun) -> None:
        """A new image in the spec restarts that container with it (the only change a pod allows)."""
        images = {as_str(dig(c, "name")): as_str(dig(c, "image")) for c in _specs(pod)}
        changed = [c for c in run.containers if not c.init and images.get(c.name, c.image) != c.image]
        if not changed:
            return
        now = self._cluster.now()
        for container in changed:
            if container.process is not None:
                container.process.signal_group(signal.SIGKILL)
                container.process.wait()
            terminated = container.exited(0, now) if container.running else None
            container.last_state = {"terminated": terminated} if terminated else container.last_state
            container.image = images[container.name]
            container.workload = workload_module(container.image)
            container.restart_count += 1
            container.retry_at, container.crashes = 0.0, 0
            if container.workload is not None and not run.files.root.exists():
                self._files.materialize(self._with_addresses(pod, run), run.files)
            self._run_container(self._with_addresses(pod, run), run, container, now)
        self._report(pod, run)
        self._ensure_ticker()

    # the tick: exits, restarts, termination, token renewal

    def _ensure_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            loop = asyncio.get_running_loop()
            self._ticker = loop.create_task(self._tick_forever())
            self._zygote.on_report(loop, self._tick_all)  # exits through the zygote: at once, like an evented PLEG

    async def _tick_forever(self) -> None:
        while any(run.has_workloads for run in self._runs.values()):
            await asyncio.sleep(TICK_SECONDS)
            self._tick_all()

    def _tick_all(self) -> None:
        for key, run in list(self._runs.items()):
            if run.has_workloads:
                self._tick(key, run)

    def _tick(self, key: Key, run: PodRun) -> None:
        pod = self._cluster.find(self._pods, *key)
        if pod is None or dig(pod, "metadata", "uid") != run.uid:
            self._discard(key, run)
            return
        changed = False
        for container in run.containers:
            code = container.process.poll() if container.process is not None else None
            if code is not None:
                self._exited(pod, run, container, code)
                changed = True
        if run.grace_deadline is not None:
            self._finish_termination(pod, run)
            return
        changed |= self._restart_due(pod, run)
        if run.files.refresh_at is not None and run.files.refresh_at <= time.time():
            self._files.refresh_tokens(self._with_addresses(pod, run), run.files)
        if changed:
            self._advance(self._with_addresses(pod, run), run)
            self._report(pod, run)

    def _exited(self, pod: Obj, run: PodRun, container: Container, code: int) -> None:
        ran_for = time.monotonic() - container.started_at
        terminated = container.exited(code, self._cluster.now())
        if run.grace_deadline is not None:
            return
        policy = as_str(dig(pod, "spec", "restartPolicy")) or "Always"
        failed = terminated["exitCode"] != 0
        if container.init and not failed:
            return
        if policy == "Always" or (policy == "OnFailure" and failed) or (container.init and policy != "Never"):
            container.crashes = 1 if ran_for > BACKOFF_RESET else container.crashes + 1
            delay = min(BACKOFF_START * 2 ** (container.crashes - 1), BACKOFF_MAX)
            container.retry_at = time.monotonic() + delay
            container.last_state = {"terminated": terminated}
            container.restart_count += 1  # counts dead instances: "1 (5s ago)" while backing off
            namespace, name = _key(pod)
            where = f"container={container.name} pod={name}_{namespace}({run.uid})"
            container.waiting("CrashLoopBackOff", f"back-off {int(delay)}s restarting failed {where}")
            self._events.back_off(pod, container)

    def _restart_due(self, pod: Obj, run: PodRun) -> bool:
        due = [c for c in run.containers if c.retry_at and c.retry_at <= time.monotonic()]
        for container in due:
            container.retry_at = 0.0
            self._run_container(self._with_addresses(pod, run), run, container, self._cluster.now())
        return bool(due)

    # termination

    def _terminate(self, pod: Obj, run: PodRun | None) -> None:
        if run is not None and run.grace_deadline is None:
            for container in (c for c in run.containers if c.running):
                self._events.stopping(pod, container)
        if run is None or not any(c.process is not None for c in run.containers):
            self._finalize(pod, run)
            return
        if run.grace_deadline is None:
            grace = as_int(dig(pod, "metadata", "deletionGracePeriodSeconds"), 30)
            run.grace_deadline = time.monotonic() + grace
            for container in run.containers:
                if container.process is not None:
                    container.process.signal_group(signal.SIGTERM)
            self._ensure_ticker()

    def _finish_termination(self, pod: Obj, run: PodRun) -> None:
        alive = [c.process for c in run.containers if c.process is not None]
        if alive and run.grace_deadline is not None and time.monotonic() >= run.grace_deadline:
            for process in alive:
                process.signal_group(signal.SIGKILL)
            return
        if not alive:
            self._finalize(pod, run)

    def _finalize(self, pod: Obj, run: PodRun | None) -> None:
        namespace, name = _key(pod)
        options = DeleteOptions(grace_seconds=0, preconditions={"uid": dig(pod, "metadata", "uid")})
        self._cluster.delete_object(self._pods, namespace, name, options)
        if run is not None and self._cluster.find(self._pods, namespace, name) is None:
            self._discard((namespace, name), run)

    def _discard(self, key: Key, run: PodRun) -> None:
        """Forget a pod that is gone: its processes are killed and its files removed."""
        self._runs.pop(key, None)
        for container in run.containers:
            if container.process is not None:
                container.process.signal_group(signal.SIGKILL)
                container.process.wait()
                container.process = None
        run.files.remove()

    # sandbox lifecycle

    def resume(self) -> None:
        """After a restart: take back the pods' addresses and start their workloads again."""
        for pod in self._cluster.list_objects(self._pods, None):
            ip = as_str(dig(pod, "status", "podIP"))
            if not dig(pod, "spec", "nodeName") or not ip or dig(pod, "status", "phase") in ("Succeeded", "Failed"):
                continue
            if dig(pod, "spec", "hostNetwork") is not True:
                self._pod_ips.claim(ip, self.owner(pod))
            uid = as_str(dig(pod, "metadata", "uid"))
            start = as_str(dig(pod, "status", "startTime")) or self._cluster.now()
            host_ip = as_str(dig(pod, "status", "hostIP"))
            run = PodRun(uid, ip, host_ip, start, self._pod_files(pod, ip), _containers(pod))
            _restore_counts(pod, run)
            self._runs[_key(pod)] = run
            if run.has_workloads and not dig(pod, "metadata", "deletionTimestamp"):
                self._launch(pod, run)
            self._queue.add(self.sync, _key(pod))

    def kill_all(self) -> None:
        """The nodes are gone (cluster deleted): kill every workload at once and forget the pods' files."""
        self._zygote.stop_reports()
        if self._ticker is not None:
            self._ticker.cancel()
        for key, run in list(self._runs.items()):
            self._discard(key, run)
        self._zygote.close()

    async def stop(self) -> None:
        """Stop every workload process (SIGTERM, then SIGKILL); pods stay Running in the store."""
        self._zygote.stop_reports()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        processes = [c.process for run in self._runs.values() for c in run.containers if c.process is not None]
        for process in processes:
            process.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while any(p.poll() is None for p in processes) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for process in processes:
            if process.poll() is None:
                process.signal_group(signal.SIGKILL)
                process.wait()
        self._runs.clear()
        self._zygote.close()


def _specs(pod: Obj) -> list[Obj]:
    spec = as_dict(pod.get("spec"))
    return [as_dict(c) for c in as_list(spec.get("initContainers")) + as_list(spec.get("containers"))]


def _containers(pod: Obj) -> list[Container]:
    spec = as_dict(pod.get("spec"))
    found = []
    for field, init in (("initContainers", True), ("containers", False)):
        for item in (as_dict(c) for c in as_list(spec.get(field))):
            image = as_str(item.get("image"))
            found.append(Container(as_str(item.get("name")), image, workload_module(image), init=init))
    return found


def _restore_counts(pod: Obj, run: PodRun) -> None:
    statuses = as_list(dig(pod, "status", "containerStatuses")) + as_list(dig(pod, "status", "initContainerStatuses"))
    by_name = {as_str(dig(s, "name")): as_dict(s) for s in statuses}
    for container in run.containers:
        saved = by_name.get(container.name, {})
        container.restart_count = as_int(saved.get("restartCount"))
        container.last_state = as_dict(saved.get("lastState"))
        if container.init and "terminated" in as_dict(saved.get("state")):
            container.state = as_dict(saved["state"])
