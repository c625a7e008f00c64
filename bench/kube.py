"""Benchmark a sandbox cluster's Kubernetes API server, controllers and kubelet.

    python bench/kube.py                      # a fresh sandbox in a child process, on free ports
    python bench/kube.py --pods 2000          # a bigger rollout
    python bench/kube.py --in-process --profile  # sandbox in this process; cProfile of its event loop

Measures, with the kubernetes Python client and raw watch streams (as client-go reads them):

1. rollout: a Deployment of ``--pods`` replicas, timed from the POST until a watch has seen every pod
   Running (target: 1,000 pods within 5 s), plus the watch events delivered per second meanwhile;
2. list: full lists of those pods (JSON and Table) per second from ``--threads`` client threads;
3. watch fan-out: ``--watchers`` watches open while the Deployment scales to zero, until each has seen every
   pod DELETED: events delivered per second across watchers.

The sandbox runs in a spawned child process, so the clients share no GIL with it; its CPU time during the
rollout is reported too, a figure that (unlike wall time) does not suffer when the machine is busy.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import os
import pstats
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.sandbox import Sandbox, testing
from podid.sandbox.kube import ClusterSpec, NodeSpec

NAMESPACE, NAME = "default", "bench"
TARGETS = {"rollout s": 5.0}


def cluster_spec(subscription: str) -> ClusterSpec:
    vmss, group = "aks-nodepool1-12345678-vmss", "MC_bench_bench_westus2"
    prefix = f"azure:///subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute"
    nodes = tuple(
        NodeSpec(
            f"{vmss}{i:06d}",
            f"{prefix}/virtualMachineScaleSets/{vmss}/virtualMachines/{i}",
            f"westus2-{i + 1}",
            f"10.224.0.{4 + i}",
        )
        for i in range(3)
    )
    cluster_id = (
        f"/subscriptions/{subscription}/resourceGroups/bench/providers/Microsoft.ContainerService/managedClusters/bench"
    )
    return ClusterSpec(cluster_id, "bench", "westus2", "1.29.4", "azure", nodes)


def start_sandbox(data_dir: Path) -> tuple[Sandbox, Path]:
    """A sandbox with one cluster, and a kubeconfig for it (written in ``data_dir``)."""
    sandbox, endpoints = testing.start_sandbox(data_dir)
    assert sandbox.cloud is not None
    access = sandbox.cloud.kube.ensure_cluster(cluster_spec(endpoints.subscription_id))
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "bench", "cluster": {"server": access.server_url, "certificate-authority": endpoints.ca_cert}}
        ],
        "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench"}}],
        "current-context": "bench",
        "users": [{"name": "bench", "user": {"token": access.admin_token}}],
    }
    path = data_dir / "bench-kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return sandbox, path


def _serve(data_dir: str, ready: Any, stop: Any) -> None:  # the child process
    sandbox, path = start_sandbox(Path(data_dir))
    ready.put(str(path))
    stop.wait()
    sandbox.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Target:
    kubeconfig: Path
    pid: int
    sandbox: Sandbox | None = None  # when in this process


@contextmanager
def sandbox_under_test(args: argparse.Namespace) -> Iterator[Target]:
    with tempfile.TemporaryDirectory(prefix="podid-kube-bench-") as directory:
        if args.in_process:
            sandbox, path = start_sandbox(Path(directory))
            try:
                yield Target(path, os.getpid(), sandbox)
            finally:
                sandbox.stop()
            return
        context = multiprocessing.get_context("spawn")
        ready, stop = context.Queue(), context.Event()
        child = context.Process(target=_serve, args=(directory, ready, stop))
        child.start()
        try:
            assert child.pid is not None
            yield Target(Path(ready.get(timeout=120)), child.pid)
        finally:
            stop.set()
            child.join(timeout=60)


# clients


def _events(api: k8s.ApiClient, resource_version: str, seconds: int) -> Iterator[dict[str, Any]]:
    """Raw watch lines of the namespace's pods (no model decoding: what we time is the server)."""
    response = k8s.CoreV1Api(api).list_namespaced_pod(
        NAMESPACE, watch=True, resource_version=resource_version, timeout_seconds=seconds, _preload_content=False
    )
    buffer = b""
    for chunk in response.stream(65536):
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line:
                yield json.loads(line)


@dataclass
class Watched:
    seconds: float = 0.0
    events: int = 0


def watch_until(api: k8s.ApiClient, version: str, pods: int, done: str, started: threading.Event, out: Watched) -> None:
    """Count events until ``pods`` distinct pods reached ``done`` (a phase, or DELETED)."""
    reached: set[str] = set()
    began = time.perf_counter()
    started.set()
    for event in _events(api, version, 600):
        out.events += 1
        obj = event["object"]
        if event["type"] == done or (event["type"] != "DELETED" and obj.get("status", {}).get("phase") == done):
            reached.add(obj["metadata"]["name"])
        if len(reached) >= pods:
            break
    out.seconds = time.perf_counter() - began


def deployment(replicas: int) -> dict[str, Any]:
    labels = {"app": NAME}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}}
    return {
        "metadata": {"name": NAME},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
    }


def rollout(api: k8s.ApiClient, pods: int) -> Watched:
    version = k8s.CoreV1Api(api).list_namespaced_pod(NAMESPACE).metadata.resource_version
    watched, started = Watched(), threading.Event()
    watcher = threading.Thread(target=watch_until, args=(api, version, pods, "Running", started, watched))
    watcher.start()
    started.wait()
    began = time.perf_counter()
    k8s.AppsV1Api(api).create_namespaced_deployment(NAMESPACE, deployment(pods))
    watcher.join()
    watched.seconds = time.perf_counter() - began
    return watched


def list_rate(api: k8s.ApiClient, threads: int, seconds: float, accept: str) -> tuple[float, int]:
    core = k8s.CoreV1Api(api)

    def run(_: int) -> tuple[int, int]:
        count = size = 0
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            response = core.list_namespaced_pod(NAMESPACE, _preload_content=False, _headers={"Accept": accept})
            size = len(response.data)
            count += 1
        return count, size

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(run, range(threads)))
    return sum(c for c, _ in results) / seconds, max(s for _, s in results)


def fan_out(api: k8s.ApiClient, pods: int, watchers: int) -> tuple[float, int]:
    version = k8s.CoreV1Api(api).list_namespaced_pod(NAMESPACE).metadata.resource_version
    results = [Watched() for _ in range(watchers)]
    ready = [threading.Event() for _ in range(watchers)]
    threads = [
        threading.Thread(target=watch_until, args=(api, version, pods, "DELETED", ready[i], results[i]))
        for i in range(watchers)
    ]
    for thread in threads:
        thread.start()
    for event in ready:
        event.wait()
    began = time.perf_counter()
    k8s.AppsV1Api(api).patch_namespaced_deployment_scale(NAME, NAMESPACE, {"spec": {"replicas": 0}})
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    events = sum(r.events for r in results)
    return events / elapsed, events


def run(target: Target, args: argparse.Namespace) -> dict[str, float]:
    api = k8s_config.new_client_from_config(config_file=str(target.kubeconfig))
    api.rest_client.pool_manager.connection_pool_kw["maxsize"] = max(args.threads, args.watchers) + 4
    figures: dict[str, float] = {}
    cpu = cpu_seconds(target.pid)
    watched = rollout(api, args.pods)
    cpu = cpu_seconds(target.pid) - cpu
    figures["rollout s"] = watched.seconds
    rate = watched.events / watched.seconds
    print(f"rollout: {args.pods} pods Running after {watched.seconds:.2f} s", end=" ")
    print(f"using {cpu:.2f} s of sandbox CPU ({rate:.0f} watch events/s)")
    for label, accept in (("JSON", "application/json"), ("Table", "application/json;as=Table;v=v1;g=meta.k8s.io")):
        rate, size = list_rate(api, args.threads, args.seconds, accept)
        figures[f"list {label}/s"] = rate
        print(f"list {label}: {rate:.1f} lists/s of {args.pods} pods", end=" ")
        print(f"({size / 1e6:.1f} MB each, {rate * args.pods:.0f} pods/s)")
    rate, events = fan_out(api, args.pods, args.watchers)
    figures["watch events/s"] = rate
    print(f"watch fan-out: {events} events to {args.watchers} watchers, {rate:.0f} events/s")
    api.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4, help="client threads listing pods")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to list")
    parser.add_argument("--watchers", type=int, default=4)
    parser.add_argument("--in-process", action="store_true", help="run the sandbox in this process")
    parser.add_argument("--profile", action="store_true", help="cProfile the sandbox loop (needs --in-process)")
    args = parser.parse_args()
    if args.profile and not args.in_process:
        raise SystemExit("--profile needs --in-process")
    with sandbox_under_test(args) as target:
        profiler, sandbox = cProfile.Profile(), target.sandbox
        if args.profile and sandbox is not None:
            sandbox.call(profiler.enable)
        figures = run(target, args)
        if args.profile and sandbox is not None:
            done = threading.Event()
            sandbox.call(lambda: (profiler.disable(), done.set()))
            done.wait()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    failed = [name for name, limit in TARGETS.items() if figures[name] > limit]
    print(
        "targets:",
        ", ".join(f"{name} ≤ {limit}" for name, limit in TARGETS.items()),
        "→",
        "MISSED" if failed else "met",
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
