"""Benchmark the ARM front door: GET and PUT throughput and p50/p99 latency with RBAC on, before and after
10,000 role assignments exist, and the sandbox's resident memory idle and after the run.

    python bench/arm.py                       # a fresh sandbox in a child process, on free ports
    python bench/arm.py --data-dir DIR        # a sandbox already running from DIR (endpoints.json)
    python bench/arm.py --in-process --profile  # sandbox in this process; cProfile of its event loop

The load comes from worker processes (spawned, so they share no GIL with the sandbox), each running threads
with their own keep-alive ``requests.Session`` and a real bearer token. Requests are made as a service
principal holding DNS Zone Contributor on one zone (the tutorial's grant), so every request goes through
the RBAC index; the 10,000 assignments belong to other principals at the subscription, group and zone.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests
from azure.identity import ClientSecretCredential

from podid.sandbox import Endpoints, Sandbox
from podid.sandbox.testing import ARM_SCOPE, GRAPH_SCOPE, credential_for, operator_credential_for, start_sandbox

DNS_API, AUTH_API = "2018-05-01", "2022-04-01"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"
GROUP, ZONE = "bench", "bench.internal"
TARGETS = {"GET/s": 1500, "PUT/s": 400, "p99 ms": 20, "idle MB": 150}


# load generation (runs in worker processes)


@dataclass(frozen=True)
class Job:
    """What each worker thread does: ``method`` on ``url`` (``{n}`` numbered per request) until done."""

    method: str
    url: str
    token: str
    verify: str
    body: dict[str, Any] | None = None
    seconds: float = 0.0  # run for this long, or
    count: int = 0  # make this many requests in total per worker
    fresh_principal: bool = False  # role assignments: a new principalId in every body (no duplicates)

    def request(self, name: str) -> tuple[str, dict[str, Any] | None]:
        url = self.url.format(n=name, guid=uuid.uuid4())
        if not self.fresh_principal or self.body is None:
            return url, self.body
        return url, {"properties": {**self.body["properties"], "principalId": str(uuid.uuid4())}}


def _thread(job: Job, worker: int, thread: int, threads: int) -> tuple[list[float], Counter[int]]:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {job.token}"}
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    deadline = time.perf_counter() + job.seconds
    index = thread
    while (job.count and index < job.count) or (not job.count and time.perf_counter() < deadline):
        url, body = job.request(f"{worker}-{index}")
        started = time.perf_counter()
        response = session.request(job.method, url, json=body, headers=headers, verify=job.verify, timeout=60)
        latencies.append(time.perf_counter() - started)
        statuses[response.status_code] += 1
        index += threads
    return latencies, statuses


def run_worker(job: Job, worker: int, threads: int) -> tuple[list[float], Counter[int]]:
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda thread: _thread(job, worker, thread, threads), range(threads)))
    latencies = [value for values, _ in results for value in values]
    return latencies, sum((statuses for _, statuses in results), Counter())


@dataclass
class Figures:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: Counter[int]
    cpu_ms: float = 0.0  # the sandbox's CPU time per request

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def load(pool: ProcessPoolExecutor, job: Job, workers: int, threads: int, pid: int) -> Figures:
    started, cpu = time.perf_counter(), cpu_seconds(pid)
    results = list(pool.map(run_worker, [job] * workers, range(workers), [threads] * workers))
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    latencies = sorted(value for values, _ in results for value in values)
    statuses = sum((counts for _, counts in results), Counter())
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    median = statistics.median(latencies)
    return Figures(len(latencies), elapsed, median * 1000, p99 * 1000, statuses, cpu * 1000 / len(latencies))


# the sandbox under test


@dataclass
class Target:
    endpoints: Endpoints
    pid: int
    sandbox: Sandbox | None = None


@contextmanager
def sandbox_under_test(args: argparse.Namespace) -> Iterator[Target]:
    if args.data_dir:
        endpoints = Endpoints.load(Path(args.data_dir))
        yield Target(endpoints, endpoints.pid)
        return
    with tempfile.TemporaryDirectory(prefix="podid-bench-") as directory:
        ports = ["--arm-port", "0", "--imds-port", "0", "--dns-port", "0", "--kube-port-base", "0"]
        if args.in_process:
            sandbox, endpoints = start_sandbox(Path(directory))
            yield Target(endpoints, os.getpid(), sandbox)
            sandbox.stop()
            return
        command = [sys.executable, "-m", "podid.sandbox", "--data-dir", directory, *ports, "--log-level", "WARNING"]
        child = subprocess.Popen(command)
        try:
            yield Target(_wait_for_endpoints(Path(directory), child), child.pid)
        finally:
            child.terminate()
            child.wait(30)


def _wait_for_endpoints(directory: Path, child: subprocess.Popen[bytes]) -> Endpoints:
    for _ in range(600):
        if (directory / "endpoints.json").exists():
            return Endpoints.load(directory)
        if child.poll() is not None:
            raise SystemExit(f"the sandbox exited with {child.returncode}")
        time.sleep(0.1)
    raise SystemExit("the sandbox did not start within 60 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# set-up through the real APIs


class Arm:
    def __init__(self, endpoints: Endpoints, credential: ClientSecretCredential) -> None:
        self.endpoints, self.base = endpoints, endpoints.arm_url.rstrip("/")
        self.token = credential.get_token(ARM_SCOPE).token
        self.graph_token = credential.get_token(GRAPH_SCOPE).token
        self.session = requests.Session()

    def call(self, method: str, path: str, body: object = None, api: str = DNS_API, graph: bool = False) -> Any:
        url = f"{self.base}/v1.0{path}" if graph else f"{self.base}{path}?api-version={api}"
        token = self.graph_token if graph else self.token
        response = self.session.request(
            method, url, json=body, headers={"Authorization": f"Bearer {token}"}, verify=self.endpoints.ca_bundle
        )
        if response.status_code >= 300:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def definition_id(self, guid: str) -> str:
        return (
            f"/subscriptions/{self.endpoints.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
        )


def set_up(arm: Arm) -> tuple[str, str]:
    """A group, a zone with one record set, and a principal with DNS Zone Contributor on the zone."""
    subscription = f"/subscriptions/{arm.endpoints.subscription_id}"
    group = f"{subscription}/resourceGroups/{GROUP}"
    zone = f"{group}/providers/Microsoft.Network/dnsZones/{ZONE}"
    arm.call("PUT", group, {"location": "westus2"}, api="2024-11-01")
    arm.call("PUT", zone, {"location": "global"})
    arm.call("PUT", f"{zone}/A/www", {"properties": {"TTL": 60, "ARecords": [{"ipv4Address": "10.0.0.1"}]}})
    app = arm.call("POST", "/applications", {"displayName": "bench"}, graph=True)
    principal = arm.call("POST", "/servicePrincipals", {"appId": app["appId"]}, graph=True)
    secret = arm.call("POST", f"/applications/{app['id']}/addPassword", {"passwordCredential": {}}, graph=True)
    body = {"properties": {"roleDefinitionId": arm.definition_id(DNS_ZONE_CONTRIBUTOR), "principalId": principal["id"]}}
    arm.call("PUT", f"{zone}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}", body, api=AUTH_API)
    credential = credential_for(arm.endpoints, app["appId"], secret["secretText"])
    return zone, credential.get_token(ARM_SCOPE).token


def add_assignments(arm: Arm, pool: ProcessPoolExecutor, args: argparse.Namespace, zone: str, pid: int) -> Figures:
    """``--assignments`` Reader assignments for fresh principals, a third each at subscription, group, zone."""
    subscription = f"/subscriptions/{arm.endpoints.subscription_id}"
    # principalType given: Azure then skips the directory lookup, so fresh ids of no principal are accepted
    body = {
        "properties": {
            "roleDefinitionId": arm.definition_id(READER),
            "principalId": "",
            "principalType": "ServicePrincipal",
        }
    }
    figures: list[Figures] = []
    for scope in (subscription, f"{subscription}/resourceGroups/{GROUP}", zone):
        count = -(-args.assignments // (3 * args.workers))  # round up: at least --assignments in all
        url = f"{arm.base}{scope}/providers/Microsoft.Authorization/roleAssignments/{{guid}}?api-version={AUTH_API}"
        job = Job("PUT", url, arm.token, arm.endpoints.ca_bundle, body=body, count=count, fresh_principal=True)
        figures.append(load(pool, job, args.workers, args.threads, pid))
    return Figures(
        sum(item.requests for item in figures),
        sum(item.seconds for item in figures),
        max(item.p50_ms for item in figures),
        max(item.p99_ms for item in figures),
        sum((item.statuses for item in figures), Counter()),
    )


def run(args: argparse.Namespace, target: Target, pool: ProcessPoolExecutor) -> None:
    endpoints = target.endpoints
    idle = resident_mb(target.pid)
    arm = Arm(endpoints, operator_credential_for(endpoints))
    zone, token = set_up(arm)
    record = {"properties": {"TTL": 60, "ARecords": [{"ipv4Address": "10.0.0.2"}]}}
    get = Job("GET", f"{arm.base}{zone}/A/www?api-version={DNS_API}", token, endpoints.ca_bundle, seconds=args.seconds)
    put = Job(
        "PUT", f"{arm.base}{zone}/A/p{{n}}?api-version={DNS_API}", token, endpoints.ca_bundle, record, args.seconds
    )
    warm_up = replace(get, seconds=0.0, count=args.threads)  # spawns the workers and imports outside the timing
    load(pool, warm_up, args.workers, args.threads, target.pid)
    with profiled(target, args.profile):
        baseline = load(pool, get, args.workers, args.threads, target.pid)
        created = add_assignments(arm, pool, args, zone, target.pid)
        if set(created.statuses) != {201}:  # the figures below would be measured without the assignments
            raise SystemExit(f"role assignments refused: {dict(created.statuses)}")
        gets = load(pool, get, args.workers, args.threads, target.pid)
        puts = load(pool, put, args.workers, args.threads, target.pid)
    after = resident_mb(target.pid)
    print(f"ARM front door, RBAC on: {args.workers} worker processes x {args.threads} keep-alive sessions")
    print(f"{'':34}{'figure':>10}  {'target':>10}")
    print(f"{'sandbox RSS idle (MB)':34}{idle:10.1f}  {'<= ' + str(TARGETS['idle MB']):>10}")
    _line("GET record set, 1 assignment", baseline, "GET/s")
    print(
        f"{'role assignments created':34}{created.requests:10d}  in {created.seconds:.1f} s "
        f"({created.rate:.0f}/s, p99 {created.p99_ms:.1f} ms) {dict(created.statuses)}"
    )
    _line(f"GET record set, {created.requests + 2} assignments", gets, "GET/s")
    _line(f"PUT record set, {created.requests + 2} assignments", puts, "PUT/s")
    print(f"{'sandbox RSS after (MB)':34}{after:10.1f}")
    print(
        f"RBAC cost as assignments grow (flat = 100%): GET rate {gets.rate / baseline.rate:.0%}, "
        f"sandbox CPU per GET {gets.cpu_ms / baseline.cpu_ms:.0%} of the 1-assignment figures"
    )


def _line(label: str, figures: Figures, unit: str) -> None:
    target = f">= {TARGETS[unit]}"
    print(
        f"{label + f' ({unit})':34}{figures.rate:10.0f}  {target:>10}   p50 {figures.p50_ms:.1f} ms  "
        f"p99 {figures.p99_ms:.1f} ms (target < {TARGETS['p99 ms']})  sandbox CPU {figures.cpu_ms:.2f} ms/request "
        f"(~{1000 / figures.cpu_ms:.0f}/s per core)  {dict(figures.statuses)}"
    )


@contextmanager
def profiled(target: Target, enabled: bool) -> Iterator[None]:
    """cProfile the sandbox's event-loop thread (in-process only) and print its hotspots."""
    if not enabled:
        yield
        return
    if target.sandbox is None:
        raise SystemExit("--profile needs --in-process")
    profiler = cProfile.Profile()
    target.sandbox.call(profiler.enable)
    try:
        yield
    finally:
        target.sandbox.call(profiler.disable)
        time.sleep(0.5)
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(
                os.environ.get("BENCH_PROFILE_FILTER", ""), 30
            )
            print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="use the sandbox already running from this directory")
    parser.add_argument("--in-process", action="store_true", help="run the sandbox in this process")
    parser.add_argument("--profile", action="store_true", help="cProfile the sandbox loop (needs --in-process)")
    parser.add_argument("--assignments", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with (
        sandbox_under_test(args) as target,
        ProcessPoolExecutor(args.workers, multiprocessing.get_context("spawn")) as pool,
    ):
        run(args, target, pool)


if __name__ == "__main__":
    main()
