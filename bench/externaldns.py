"""external-dns benchmark: N annotated LoadBalancer Services, until every name resolves over the sandbox's DNS.

For each N (default 1,000 then 10,000) a fresh sandbox runs in a child process, set up as the tutorial (the e2e
tests' `set_up_tutorial`: cluster with pod identity, zone example.internal, the DNS identity bound to the
external-dns Deployment, which runs with `--events` and a short `--interval`). Then:

1. Once external-dns' first cycle is done and `--min-event-sync-interval` (5 s) has passed, N Services
   annotated s<i>.example.internal are created through the cluster's API (8 threads); the clock starts
   before the first one.
2. Until every name resolves: the zone's record-set count is polled (one ARM GET every 0.2 s) until all A and
   TXT records exist, then every name is asked of the sandbox's DNS server (dnspython, 8 threads), again for
   those not answering yet. The time is taken when the last name answered.
3. Steady state: the ARM requests and writes between two consecutive "All records are already up to date" log
   lines (one full resync), from `/_sandbox/metrics`, against 1 zone list + the pages of one record-set list.
4. Resident memory of the sandbox process and of the external-dns process.

Targets (issue 5): 1,000 names within 10 s, 10,000 within 60 s; a steady-state cycle writes nothing and lists
each zone's record sets at most once; the sandbox stays under 600 MB with 10,000 Services.

Run: ``.venv/bin/python bench/externaldns.py [--services 1000 10000] [--interval 20s]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the e2e tests' set-up helpers

from tests.e2e.edns import NOERROR, resolve, service_manifest
from tests.e2e.edns_tutorial import (
    Tutorial,
    external_dns,
    log_of,
    set_up_tutorial,
)

from podid.sandbox import Endpoints

GROUP, ZONE = "bench", "example.internal"
UP_TO_DATE = "All records are already up to date"
MIN_EVENT_SYNC_SECONDS = 5.0  # external-dns' --min-event-sync-interval default
TARGET_SECONDS = {1_000: 10.0, 10_000: 60.0}
TARGET_RSS_MB = 600.0


@dataclass(frozen=True)
class Result:
    services: int
    created_s: float
    written_s: float
    resolved_s: float
    requests_per_cycle: int
    writes_per_cycle: int
    record_set_pages: int
    sandbox_mb: float
    external_dns_mb: float


@contextmanager
def sandbox_process(directory: Path) -> Iterator[tuple[Endpoints, int]]:
    ports = ["--arm-port", "0", "--imds-port", "0", "--dns-port", "0", "--kube-port-base", "0"]
    command = [sys.executable, "-m", "podid.sandbox", "--data-dir", str(directory), *ports, "--log-level", "WARNING"]
    child = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 60
        while not (directory / "endpoints.json").exists():
            if child.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.1)
        yield Endpoints.load(directory), child.pid
    finally:
        child.terminate()
        child.wait(30)


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_running(parent: int, marker: str) -> int | None:
    """The pid of `parent`'s child whose command line contains `marker` (the kubelet starts workloads)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent_pid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if parent_pid == parent and marker in cmdline:
            return int(entry.name)
    return None


def metrics(endpoints: Endpoints) -> dict[str, int]:
    response = requests.get(endpoints.arm_url + "_sandbox/metrics", verify=endpoints.ca_bundle, timeout=10)
    response.raise_for_status()
    return {"requests": int(response.json()["requests"]), "writes": int(response.json()["totalWrites"])}


def create_services(t: Tutorial, count: int) -> None:
    def create(index: int) -> None:
        manifest = service_manifest(f"s{index}", f"s{index}.{ZONE}")
        # 10,000 load balancers would need more node ports than 30000-32767 holds; as on a real cluster,
        # load balancers that need none are asked for without
        manifest["spec"]["allocateLoadBalancerNodePorts"] = False
        t.cluster.core.create_namespaced_service("default", manifest)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(count)))


def wait_until_written(t: Tutorial, count: int) -> None:
    expected = 2 + 2 * count  # SOA and NS, then an A and a TXT per Service
    while t.admin.dns.zones.get(GROUP, ZONE).number_of_record_sets < expected:
        time.sleep(0.2)


def wait_until_resolved(t: Tutorial, count: int) -> None:
    pending = [f"s{index}.{ZONE}" for index in range(count)]
    with ThreadPoolExecutor(8) as pool:
        while pending:
            answers = pool.map(lambda name: resolve(t.endpoints, name)[0] == NOERROR, pending)
            pending = [name for name, answered in zip(pending, list(answers), strict=True) if not answered]


def next_up_to_date(t: Tutorial, pod: str, after: str) -> str:
    """Wait for an "up to date" log line other than `after`; return it (its time stamp tells cycles apart)."""
    while True:
        text = t.cluster.core.read_namespaced_pod_log(pod, "kube-addons", tail_lines=5)
        lines = [line for line in text.splitlines() if UP_TO_DATE in line]
        if lines and lines[-1] != after:
            return lines[-1]
        time.sleep(0.2)


def steady_cycle(t: Tutorial, pod: str) -> tuple[int, int]:
    """ARM requests and writes of one full resync with nothing to change."""
    first = next_up_to_date(t, pod, "")
    before = metrics(t.endpoints)
    next_up_to_date(t, pod, first)
    after = metrics(t.endpoints)
    return after["requests"] - before["requests"], after["writes"] - before["writes"]


def run(count: int, interval: str) -> Result:
    with (
        tempfile.TemporaryDirectory(prefix="podid-bench-edns-") as directory,
        sandbox_process(Path(directory) / "sandbox") as (endpoints, pid),
    ):
        t = set_up_tutorial(endpoints, Path(directory), GROUP, ZONE)
        argv = ["--source=service", f"--domain-filter={ZONE}", "--provider=azure", f"--azure-resource-group={GROUP}"]
        argv += ["--txt-owner-id=bench", "--policy=sync", "--events", f"--interval={interval}"]
        with external_dns(t, "external-dns", argv) as pod:
            while not any(message == UP_TO_DATE for _, message in log_of(t, pod)):
                time.sleep(0.2)
            time.sleep(MIN_EVENT_SYNC_SECONDS)  # the burst meets an idle controller, free to start a cycle
            started = time.monotonic()
            create_services(t, count)
            created = time.monotonic()
            wait_until_written(t, count)
            written = time.monotonic()
            wait_until_resolved(t, count)
            resolved = time.monotonic()
            requests_per_cycle, writes_per_cycle = steady_cycle(t, pod)
            pages = sum(1 for _ in t.admin.dns.record_sets.list_all_by_dns_zone(GROUP, ZONE).by_page())
            workload = child_running(pid, "external-dns")
            workload_mb = resident_mb(workload) if workload else float("nan")
            return Result(
                count,
                created - started,
                written - started,
                resolved - started,
                requests_per_cycle,
                writes_per_cycle,
                pages,
                resident_mb(pid),
                workload_mb,
            )


def report(result: Result) -> None:
    target = TARGET_SECONDS.get(result.services)
    verdict = (
        "" if target is None else f" (target {target:.0f} s: {'met' if result.resolved_s <= target else 'MISSED'})"
    )
    once = result.requests_per_cycle == 1 + result.record_set_pages
    print(f"{result.services} Services")
    print(f"  created through the API in   {result.created_s:7.1f} s")
    print(f"  all records written after    {result.written_s:7.1f} s")
    print(f"  every name resolves after    {result.resolved_s:7.1f} s{verdict}")
    print(
        f"  steady-state cycle           {result.requests_per_cycle} ARM requests, {result.writes_per_cycle} writes"
        f" (1 zone list + {result.record_set_pages} record-set pages: listed once: {'yes' if once else 'NO'})"
    )
    rss_ok = "met" if result.sandbox_mb < TARGET_RSS_MB else "MISSED"
    print(f"  sandbox RSS                  {result.sandbox_mb:7.0f} MB (target < {TARGET_RSS_MB:.0f} MB: {rss_ok})")
    print(f"  external-dns RSS             {result.external_dns_mb:7.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--interval", default="20s", help="external-dns --interval (the steady-state resync)")
    args = parser.parse_args()
    for count in args.services:
        report(run(count, args.interval))


if __name__ == "__main__":
    main()
