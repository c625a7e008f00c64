"""NMI benchmark: token requests from 100 pods at once, and the time from a new pod Running to its first token.

A sandbox with one AKS cluster (pod identity enabled, one identity bound to label ``aadpodidbinding=bench``)
runs 100 pods; one HTTP client per pod, its sockets bound to that pod's IP as the pod's own would be, asks NMI
for ARM tokens as fast as it can for a few seconds. Then new pods are created one by one and each is asked for
a token from the moment the API server reports it Running until NMI answers 200.

Targets (the real NMI: 10-30 ms typical with 1 s spikes, 35-60 s to the first token on a scale set):
p50 <= 2 ms, p99 <= 10 ms, >= 1,000 tokens/s, first token <= 100 ms.

Run: ``.venv/bin/python bench/nmi.py [--pods 100] [--seconds 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.features import FeatureClient
from azure.mgmt.resource.resources import ResourceManagementClient
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.sandbox import Endpoints
from podid.sandbox.testing import credential_for, eventually, mgmt_client, start_sandbox

TOKEN_QUERY = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/"
NAMESPACE, SELECTOR, GROUP, LOCATION = "bench", "bench", "bench-rg", "westus2"
TARGETS = {"p50 ms": 2.0, "p99 ms": 10.0, "tokens/s": 1000.0, "first token ms": 100.0}


def provision(endpoints: Endpoints, workdir: Path) -> k8s.CoreV1Api:
    """Resource group, identity, feature, a one-node cluster with the identity bound, and a kube client."""
    credential = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    mgmt_client(ResourceManagementClient, endpoints, credential).resource_groups.create_or_update(
        GROUP, {"location": LOCATION}
    )
    msi = mgmt_client(ManagedServiceIdentityClient, endpoints, credential)
    identity = msi.user_assigned_identities.create_or_update(GROUP, "bench-identity", {"location": LOCATION})
    features = mgmt_client(FeatureClient, endpoints, credential)
    features.features.register("Microsoft.ContainerService", "EnablePodIdentityPreview")
    features.features.get("Microsoft.ContainerService", "EnablePodIdentityPreview")
    aks = mgmt_client(ContainerServiceClient, endpoints, credential)
    body = {
        "location": LOCATION,
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "dnsPrefix": "bench",
            "agentPoolProfiles": [{"name": "nodepool1", "count": 1, "mode": "System", "osType": "Linux"}],
            "networkProfile": {"networkPlugin": "azure"},
            "podIdentityProfile": {
                "enabled": True,
                "userAssignedIdentities": [
                    {
                        "name": "bench",
                        "namespace": NAMESPACE,
                        "bindingSelector": SELECTOR,
                        "identity": {"resourceId": identity.id, "clientId": identity.client_id},
                    }
                ],
            },
        },
    }
    aks.managed_clusters.begin_create_or_update(GROUP, "bench", body).result()
    kubeconfig = aks.managed_clusters.list_cluster_admin_credentials(GROUP, "bench").kubeconfigs[0].value
    path = workdir / "kubeconfig"
    path.write_bytes(kubeconfig)
    api_client = k8s_config.new_client_from_config(str(path))
    return k8s.CoreV1Api(api_client)


def pod_manifest(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"aadpodidbinding": SELECTOR}},
        "spec": {"containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.9"}]},
    }


def running_ips(core: k8s.CoreV1Api, count: int, timeout: float = 60.0) -> list[str]:
    def ips() -> list[str] | None:
        pods = core.list_namespaced_pod(NAMESPACE).items
        running = [pod.status.pod_ip for pod in pods if pod.status.phase == "Running" and pod.status.pod_ip]
        return running if len(running) >= count else None

    return eventually(ips, f"{count} Running pods", timeout, interval=0.1)


async def _ask(session: aiohttp.ClientSession, url: str) -> tuple[int, float]:
    started = time.perf_counter()
    async with session.get(url, headers={"Metadata": "true"}) as response:
        await response.read()
        return response.status, time.perf_counter() - started


async def load(imds_url: str, ips: list[str], seconds: float, interval: float) -> tuple[list[float], int]:
    """Every pod asks for a token every ``interval`` seconds (0: back to back) for ``seconds``;
    returns the latencies of the 200s and the number of other answers."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def pod_client(index: int, ip: str) -> None:
        nonlocal failures
        connector = aiohttp.TCPConnector(local_addr=(ip, 0), limit=1)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.sleep(interval * index / len(ips))  # spread the pods over the interval
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                status, latency = await _ask(session, imds_url + TOKEN_QUERY)
                if status == 200:
                    latencies.append(latency)
                else:
                    failures += 1
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

    await asyncio.gather(*(pod_client(index, ip) for index, ip in enumerate(ips)))
    return latencies, failures


def load_in_child(imds_url: str, ips: list[str], seconds: float, interval: float) -> tuple[list[float], int]:
    """Run ``load`` in its own process, so that the clients do not share the sandbox's interpreter lock."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_run_load, imds_url, ips, seconds, interval).result()


def _run_load(imds_url: str, ips: list[str], seconds: float, interval: float) -> tuple[list[float], int]:
    return asyncio.run(load(imds_url, ips, seconds, interval))


async def first_token(imds_url: str, core: k8s.CoreV1Api, name: str) -> float:
    """Seconds from the moment the API server shows the pod Running until NMI gives it a token."""
    core.create_namespaced_pod(NAMESPACE, pod_manifest(name))
    while True:
        pod = core.read_namespaced_pod(name, NAMESPACE)
        if pod.status.phase == "Running" and pod.status.pod_ip:
            break
        await asyncio.sleep(0.001)
    running = time.perf_counter()
    connector = aiohttp.TCPConnector(local_addr=(pod.status.pod_ip, 0), limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        while (await _ask(session, imds_url + TOKEN_QUERY))[0] != 200:
            await asyncio.sleep(0.001)
    return time.perf_counter() - running


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def report(results: dict[str, float]) -> None:
    for key, value in results.items():
        target = TARGETS[key]
        met = value >= target if key == "tokens/s" else value <= target
        bound = ">=" if key == "tokens/s" else "<="
        print(f"{key:>15}: {value:10.2f}   target {bound} {target:g}   {'ok' if met else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between one pod's requests (latency run)")
    parser.add_argument("--fresh-pods", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sandbox, endpoints = start_sandbox(workdir / "sandbox")
        try:
            core = provision(endpoints, workdir)
            for index in range(args.pods):
                core.create_namespaced_pod(NAMESPACE, pod_manifest(f"pod-{index}"))
            ips = running_ips(core, args.pods)
            load_in_child(endpoints.imds_url, ips, 1.0, 0.0)  # warm up: token cache, connections
            paced, paced_failures = load_in_child(endpoints.imds_url, ips, args.seconds, args.interval)
            saturated, failures = load_in_child(endpoints.imds_url, ips, args.seconds, 0.0)
            firsts = [asyncio.run(first_token(endpoints.imds_url, core, f"fresh-{i}")) for i in range(args.fresh_pods)]
        finally:
            sandbox.stop()
    offered = args.pods / args.interval
    print(f"{len(ips)} pods; latency at {offered:g} requests/s offered: {len(paced)} tokens, {paced_failures} failed")
    print(
        f"saturated: {len(saturated)} tokens in {args.seconds:g} s, {failures} failed; first tokens (ms): "
        + ", ".join(f"{value * 1000:.1f}" for value in firsts)
    )
    report(
        {
            "p50 ms": statistics.median(paced) * 1000,
            "p99 ms": percentile(paced, 0.99) * 1000,
            "tokens/s": len(saturated) / args.seconds,
            "first token ms": max(firsts) * 1000,
        }
    )


if __name__ == "__main__":
    main()
