"""external-dns benchmark: N annotated LoadBalancer Services, until every name resolves over the sandbox's DNS.

For each N (default 1,000 then 10,000) a fresh sandbox runs in a child process, set up as the tutorial (the e2e
tests' `set_up_tutorial`: cluster with pod identity, zone example.internal, the DNS identity bound to the
external-dns Deployment, which runs with `--events` and a short `--interval`). A zone holds at most
`maxNumberOfRecordSets` (10,000 on Azure DNS) record sets: SOA and NS, then an A and a TXT per name. So when N
names do not fit, the names are spread evenly over more zones of the same resource group (example2.internal,
...), each created and granted to the DNS identity as the tutorial does its zone, and external-dns gets one
`--domain-filter` per zone. Then:

1. Once external-dns' first cycle is done and `--min-event-sync-interval` (5 s) has passed, N Services
   annotated s<i>.<zone> are created through the cluster's API (8 threads); the clock starts before the first.
   The image is the release podid deploys (v0.22.0), whose `ScheduleRunOnce` starts the cycle for the first
   Service 5 s after it, batching the burst: 5 s of every time below is that wait.
2. Until every name resolves: each zone's record-set count is polled (one ARM GET per zone every 0.2 s) until
   all A and TXT records exist, then every name's A record is asked of the sandbox's DNS server (over UDP, a
   window of questions in flight), again for those without an answer. The time is taken when the last name
   answered.
3. Steady state: the ARM requests and writes between two consecutive "All records are already up to date" log
   lines (one full resync), from `/_sandbox/metrics` in the resource group of the zones, against 1 zone list + the
   pages of each zone's record-set list.
4. Resident memory of the sandbox process and of the external-dns process.

Targets (issue 5): 1,000 names within 10 s, 10,000 within 60 s; a steady-state cycle writes nothing and lists
each zone's record sets at most once; the sandbox stays under 600 MB with 10,000 Services.

Run: ``.venv/bin/python bench/externaldns.py [--services 1000 10000] [--interval 20s]``.
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.rcode
import dns.rdatatype
from azure.mgmt.msi import ManagedServiceIdentityClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the e2e tests' set-up helpers

from tests.e2e.edns import ZoneAdmin, service_manifest
from tests.e2e.edns_tutorial import (
    BINDING,
    Tutorial,
    external_dns,
    log_of,
    set_up_tutorial,
)

from podid.sandbox import Endpoints
from podid.sandbox.testing import control_call, credential_for, mgmt_client

GROUP, ZONE = "bench", "example.internal"
UP_TO_DATE = "All records are already up to date"
MIN_EVENT_SYNC_SECONDS = 5.0  # external-dns' --min-event-sync-interval default
TARGET_SECONDS = {1_000: 10.0, 10_000: 60.0}
TARGET_RSS_MB = 600.0
DNS_WINDOW = 64  # questions in flight to the sandbox's DNS server
DNS_SILENCE_SECONDS = 1.0  # no answer for this long: the questions still out count as unanswered


@dataclass(frozen=True)
class Result:
    services: int
    zones: int
    created_s: float
    written_s: float
    resolved_s: float
    requests_per_cycle: int
    writes_per_cycle: int
    record_set_pages: int
    sandbox_mb: float
    external_dns_mb: float


@dataclass(frozen=True)
class Names:
    """The hostname of each Service, in zones of at most `per_zone` names."""

    zones: list[str]
    hostnames: list[str]

    @classmethod
    def spread(cls, count: int, per_zone: int) -> Names:
        zones = [ZONE] + [f"example{k}.internal" for k in range(2, math.ceil(count / per_zone) + 1)]
        return cls(zones, [f"s{i}.{zones[i * len(zones) // count]}" for i in range(count)])

    def count_in(self, zone: str) -> int:
        return sum(1 for name in self.hostnames if name.endswith("." + zone))


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


def workload_pid(pod: str) -> int | None:
    """The process whose output goes to `pod`'s log (the kubelet forks workloads from a zygote, so neither the
    parent nor the command line tells them apart)."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"_{pod}_" in os.readlink(entry / "fd" / "1"):
                return int(entry.name)
        except OSError:
            continue
    return None


def metrics(endpoints: Endpoints) -> dict[str, int]:
    """The ARM requests and writes in the tutorial's resource group, where every zone is."""
    query = {"subscriptionId": endpoints.subscription_id, "resourceGroup": GROUP}
    response = control_call(endpoints, "GET", "/metrics", params=query)
    response.raise_for_status()
    return {"requests": int(response.json()["requests"]), "writes": int(response.json()["totalWrites"])}


def add_zones(t: Tutorial, zones: list[str]) -> list[ZoneAdmin]:
    """Every zone of `zones` (the tutorial's exists), each with DNS Zone Contributor for the DNS identity."""
    operator = credential_for(t.endpoints, t.endpoints.operator.client_id, t.endpoints.operator.client_secret)
    msi = mgmt_client(ManagedServiceIdentityClient, t.endpoints, operator)
    principal = str(msi.user_assigned_identities.get(GROUP, f"{BINDING}-identity").principal_id)
    admins = [t.admin]
    for zone in zones[1:]:
        admins.append(ZoneAdmin(t.endpoints, operator, GROUP, zone))
        admins[-1].grant_zone_contributor(principal)
    return admins


def create_services(t: Tutorial, names: Names) -> None:
    def create(index: int) -> None:
        manifest = service_manifest(f"s{index}", names.hostnames[index])
        # 10,000 load balancers would need more node ports than 30000-32767 holds; as on a real cluster,
        # load balancers that need none are asked for without
        manifest["spec"]["allocateLoadBalancerNodePorts"] = False
        t.cluster.core.create_namespaced_service("default", manifest)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(len(names.hostnames))))


def wait_until_written(admins: list[ZoneAdmin], names: Names) -> None:
    expected = {admin.zone: 2 + 2 * names.count_in(admin.zone) for admin in admins}  # SOA, NS, an A and a TXT each
    left = list(admins)
    while left:
        left = [a for a in left if (a.dns.zones.get(GROUP, a.zone).number_of_record_sets or 0) < expected[a.zone]]
        if left:
            time.sleep(0.2)


def questions(names: list[str]) -> list[bytes]:
    """An A query per name, its message id the name's index (so at most 65,536 names)."""
    wires = []
    for index, name in enumerate(names):
        query = dns.message.make_query(name, "A")
        query.id = index
        wires.append(query.to_wire())
    return wires


def answered(response: bytes, name: str) -> bool:
    message = dns.message.from_wire(response)
    return message.rcode() == dns.rcode.NOERROR and any(
        rrset.rdtype == dns.rdatatype.A and rrset.name.to_text() == name + "." for rrset in message.answer
    )


def unanswered(endpoints: Endpoints, names: list[str], wires: list[bytes]) -> list[int]:
    """Ask the sandbox's DNS server every question of `wires`, `DNS_WINDOW` in flight over one UDP socket; return
    the indexes of the names without an A answer (NXDOMAIN, or no answer at all within `DNS_SILENCE_SECONDS`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((endpoints.dns_host, endpoints.dns_port))
        sock.settimeout(DNS_SILENCE_SECONDS)
        waiting: set[int] = set()
        done: set[int] = set()
        sent = 0
        while sent < len(wires) or waiting:
            while sent < len(wires) and len(waiting) < DNS_WINDOW:
                sock.send(wires[sent])
                waiting.add(sent)
                sent += 1
            try:
                response = sock.recv(4096)
            except TimeoutError:
                break  # what is still waiting was lost
            index = int.from_bytes(response[:2], "big")
            if index in waiting:
                waiting.discard(index)
                if answered(response, names[index]):
                    done.add(index)
    return [index for index in range(len(wires)) if index not in done]


def wait_until_resolved(endpoints: Endpoints, names: list[str], wires: list[bytes]) -> None:
    pending = list(range(len(names)))
    while pending:
        left = unanswered(endpoints, [names[i] for i in pending], [wires[i] for i in pending])
        pending = [pending[i] for i in left]


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


def record_set_pages(admins: list[ZoneAdmin]) -> int:
    return sum(sum(1 for _ in a.dns.record_sets.list_all_by_dns_zone(GROUP, a.zone).by_page()) for a in admins)


def run(count: int, interval: str) -> Result:
    with (
        tempfile.TemporaryDirectory(prefix="podid-bench-edns-") as directory,
        sandbox_process(Path(directory) / "sandbox") as (endpoints, pid),
    ):
        t = set_up_tutorial(endpoints, Path(directory), GROUP, ZONE)
        limit = int(t.admin.dns.zones.get(GROUP, ZONE).max_number_of_record_sets or 0)
        names = Names.spread(count, (limit - 2) // 2)
        admins = add_zones(t, names.zones)
        wires = questions(names.hostnames)
        argv = ["--source=service", *(f"--domain-filter={zone}" for zone in names.zones), "--provider=azure"]
        argv += [f"--azure-resource-group={GROUP}", "--txt-owner-id=bench", "--policy=sync", "--events"]
        with external_dns(t, "external-dns", [*argv, f"--interval={interval}"]) as pod:
            while not any(message == UP_TO_DATE for _, message in log_of(t, pod)):
                time.sleep(0.2)
            time.sleep(MIN_EVENT_SYNC_SECONDS)  # the burst meets an idle controller, free to start a cycle
            started = time.monotonic()
            create_services(t, names)
            created = time.monotonic()
            wait_until_written(admins, names)
            written = time.monotonic()
            wait_until_resolved(endpoints, names.hostnames, wires)
            resolved = time.monotonic()
            requests_per_cycle, writes_per_cycle = steady_cycle(t, pod)
            workload = workload_pid(pod)
            return Result(
                count,
                len(names.zones),
                created - started,
                written - started,
                resolved - started,
                requests_per_cycle,
                writes_per_cycle,
                record_set_pages(admins),
                resident_mb(pid),
                resident_mb(workload) if workload else float("nan"),
            )


def report(result: Result) -> None:
    target = TARGET_SECONDS.get(result.services)
    verdict = (
        "" if target is None else f" (target {target:.0f} s: {'met' if result.resolved_s <= target else 'MISSED'})"
    )
    once = result.requests_per_cycle == 1 + result.record_set_pages
    quiet = "met" if result.writes_per_cycle == 0 and once else "MISSED"
    print(f"{result.services} Services in {result.zones} zone{'s' if result.zones > 1 else ''}")
    print(f"  created through the API in   {result.created_s:7.1f} s")
    print(f"  all records written after    {result.written_s:7.1f} s")
    print(f"  every name resolves after    {result.resolved_s:7.1f} s{verdict}")
    print(
        f"  steady-state cycle           {result.requests_per_cycle} ARM requests, {result.writes_per_cycle} writes"
        f" (1 zone list + {result.record_set_pages} record-set pages; target: no writes, each zone listed once:"
        f" {quiet})"
    )
    rss_ok = "met" if result.sandbox_mb < TARGET_RSS_MB else "MISSED"
    rss_target = (
        f" (target < {TARGET_RSS_MB:.0f} MB with 10,000 Services: {rss_ok})" if result.services >= 10_000 else ""
    )
    print(f"  sandbox RSS                  {result.sandbox_mb:7.0f} MB{rss_target}")
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
