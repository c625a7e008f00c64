"""`podid up` against the tutorial's az CLI command sequence, side by side.

1. On each of ``--runs`` fresh sandboxes (a child process on free ports, just started), `podid up -o json`:
   everything created, the hello name resolving, the least-privilege probes run (it changed things); then a
   second, no-op `up`. Meanwhile the hello name is asked of the sandbox's DNS server every 20 ms, and
   external-dns' log is read afterwards. The median run counts.
2. On the last sandbox, the tutorial's commands for the same ARM steps, against another group, cluster and zone
   (az logged in beforehand, untimed), in its order: the az CLI 2.91.0 core commands (the identities' ids read
   with `az identity show --query` as the tutorial does; the podIdentityProfile shown with `az aks show --query`
   and the role assignments listed once, as `up` prints them), and the 3 that only aks-preview had (`az aks
   update --enable-pod-identity`, `az aks pod-identity add` twice) through podid's az-compatible `podid aks ...`
   commands, which start about as fast as az. `podid up` does all of these steps, so the ratio counts them all;
   the ratio to the az core commands alone is shown too.
3. On as many other fresh sandboxes, `podid up --target azure` as a user runs it after
   `eval "$(podid sandbox env --proxy)"`: DefaultAzureCredential and Azure's public endpoints, every request
   through the sandbox's proxy (issue 16).
4. A table against the targets: `podid up` within 5 s end to end, at least 10x faster than the tutorial's
   sequence (issue 6); through the proxy within 1.5 s, next to the direct figure (issue 16).

Run: ``.venv/bin/python bench/up.py [--runs 3] [--no-az]`` (the first run installs the Azure CLI into
.cache/azcli-venv; ``--no-az`` times `podid up` alone, direct and through the proxy).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.query

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the azcli tests' installer

from tests.azcli._install import Az, install_az, logged_in_az

from podid.sandbox import Endpoints

HELLO = "hello.example.internal"  # `podid up`'s defaults: the tutorial's env.sh
GROUP, CLUSTER, ZONE, LOCATION = "azseq", "azseq", "azseq.internal", "westus2"
AKS_CREATE = (
    "--enable-managed-identity", "--vm-set-type", "VirtualMachineScaleSets", "--node-count", "3",
    "--zones", "1", "2", "3", "--load-balancer-sku", "standard", "--no-ssh-key",
)  # fmt: skip
TARGET_UP_SECONDS, TARGET_RATIO, TARGET_PROXIED_UP_SECONDS = 5.0, 10.0, 1.5
KUBE_STEPS = {"hello app", "external-dns", "demo pod"}  # `up`'s other steps are ARM's (the kubeconfig too)
LOG_TIME = re.compile(r'^time="([^"]+)"')


@dataclass
class Stopwatch:
    """Runs commands through ``command``, keeping each one's wall time under its sub-command words."""

    command: Az
    prefix: str
    laps: list[tuple[str, float]] = field(default_factory=list)

    def __call__(self, *args: str) -> str:
        start = time.perf_counter()
        stdout = self.command(*args).stdout
        words = [self.prefix, *itertools.takewhile(lambda word: not word.startswith("-"), args)]
        words += [f"--query {args[args.index('--query') + 1]}"] if "--query" in args else []
        self.laps.append((" ".join(words), time.perf_counter() - start))
        return str(stdout)

    @property
    def total(self) -> float:
        return sum(seconds for _, seconds in self.laps)


@contextlib.contextmanager
def fresh_sandbox(directory: Path) -> Iterator[Endpoints]:
    ports = ("--arm-port", "0", "--imds-port", "0", "--dns-port", "0", "--kube-port-base", "0")
    command = [sys.executable, "-m", "podid.sandbox", "--data-dir", str(directory), *ports, "--log-level", "WARNING"]
    child = subprocess.Popen(command)
    try:
        yield _endpoints_of(directory, child)
    finally:
        child.terminate()
        child.wait(30)


def _endpoints_of(directory: Path, child: subprocess.Popen[bytes]) -> Endpoints:
    while child.poll() is None:
        try:
            return Endpoints.load(directory)
        except (OSError, ValueError):  # not written yet (or half written)
            time.sleep(0.1)
    raise SystemExit(f"the sandbox exited with {child.returncode}")


def podid_runner(workdir: Path, env: dict[str, str], *options: str) -> Az:
    """``podid(*args, *options)`` in ``env``, from a directory without podid.toml."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "podid.cli", *args, *options]
        result = subprocess.run(command, cwd=workdir, env=env, check=False, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise SystemExit(f"podid {' '.join(args)} exited {result.returncode}:\n{result.stderr}{result.stdout}")
        return result

    return run


def plain_environment() -> dict[str, str]:
    """This shell's environment without env.sh's or `podid sandbox env`'s variables."""
    prefixes = ("AZ_", "AZURE_", "PODID_", "KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
    return {name: value for name, value in os.environ.items() if not name.upper().startswith(prefixes)}


def proxy_environment(endpoints: Endpoints, home: Path) -> dict[str, str]:
    """A user's shell after `eval "$(podid sandbox env --proxy)"`, with a HOME of its own (no az login)."""
    command = [sys.executable, "-m", "podid.cli", "sandbox", "env", "--proxy", "--data-dir", endpoints.data_dir]
    output = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
    lines = [line.removeprefix("export ") for line in output.splitlines() if line.startswith("export ")]
    exports = dict(shlex.split(line)[0].split("=", 1) for line in lines)
    home.mkdir(exist_ok=True)
    return {**plain_environment(), **exports, "PODID_DATA_DIR": endpoints.data_dir, "HOME": str(home)}


class NameWatcher(threading.Thread):
    """Asks the sandbox's DNS server for HELLO until it answers; ``resolved`` is then time.perf_counter()."""

    def __init__(self, endpoints: Endpoints) -> None:
        super().__init__(daemon=True)
        self.server = (endpoints.dns_host, endpoints.dns_port)
        self.resolved: float | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        query = dns.message.make_query(HELLO, "A")
        while self.resolved is None and not self.stop.wait(0.02):
            with contextlib.suppress(OSError, dns.exception.DNSException):
                if dns.query.udp(query, self.server[0], port=self.server[1], timeout=0.5).answer:
                    self.resolved = time.perf_counter()


IDENTITIES = ("azseq-internal-identity", "application-identity")  # the DNS identity, the demo identity
POD_IDENTITIES = (("external-dns", "kube-addons"), ("my-pod-identity", "my-app"))  # (name, namespace) as `up`'s
TSV = ("-o", "tsv", "--query")


def az_sequence(az: Stopwatch, podid: Stopwatch, kubeconfig: Path) -> None:
    """The tutorial's commands in its order; the two preview-only ones through ``podid``."""
    group = ("-g", GROUP)
    az("feature", "register", "--namespace", "Microsoft.ContainerService", "--name", "EnablePodIdentityPreview")
    az("provider", "register", "--namespace", "Microsoft.ContainerService")
    az("group", "create", "-n", GROUP, "-l", LOCATION)
    az("aks", "create", *group, "-n", CLUSTER, *AKS_CREATE)
    az("aks", "get-credentials", *group, "-n", CLUSTER, "-f", str(kubeconfig))
    podid("aks", "update", *group, "-n", CLUSTER, "--enable-pod-identity")
    zone_id = json.loads(az("network", "dns", "zone", "create", *group, "-n", ZONE))["id"]
    for name in IDENTITIES:
        az("identity", "create", *group, "-n", name)
    client_ids = [az("identity", "show", *group, "-n", name, *TSV, "clientId").strip() for name in IDENTITIES]
    resource_ids = [az("identity", "show", *group, "-n", name, *TSV, "id").strip() for name in IDENTITIES]
    _grant(az, zone_id, client_ids, _cluster_facts(az))
    add = ("aks", "pod-identity", "add", *group, "--cluster-name", CLUSTER)
    for (name, namespace), resource_id in zip(POD_IDENTITIES, resource_ids, strict=True):
        podid(*add, "--namespace", namespace, "--name", name, "--identity-resource-id", resource_id)
    _show(az)


def _show(az: Stopwatch) -> None:
    """What `up` prints from ARM: the podIdentityProfile (the tutorial's states) and the role assignments (one
    listing of the subscription's, where `up` lists those of the identities involved)."""
    az("aks", "show", "-g", GROUP, "-n", CLUSTER, "--query", "{podIdentityProfile:podIdentityProfile}")
    az("role", "assignment", "list", "--all", "-o", "table")


def _cluster_facts(az: Stopwatch) -> tuple[str, str]:
    """(the node resource group's id, the cluster identity's principal id), looked up as the tutorial does."""
    show = ("aks", "show", "-g", GROUP, "-n", CLUSTER, *TSV)
    node_group = az(*show, "nodeResourceGroup").strip()
    node_group_id = az("group", "show", "-n", node_group, *TSV, "id").strip()
    return node_group_id, az(*show, "identity.principalId").strip()


def _grant(az: Stopwatch, zone_id: str, client_ids: list[str], cluster: tuple[str, str]) -> None:
    """The role assignments `podid up` makes: the DNS identity's two, the demo identity's, the cluster's two."""
    (dns_client, demo_client), (node_group_id, cluster_principal) = client_ids, cluster
    group_id = zone_id.split("/providers/", maxsplit=1)[0]
    reader = f"DNS Zone Reader ({GROUP})"
    definition = {"Name": reader, "Description": "List DNS zones.", "AssignableScopes": [group_id]}
    definition["Actions"] = ["Microsoft.Network/dnsZones/read"]
    az("role", "definition", "create", "--role-definition", json.dumps(definition))
    assign = ("role", "assignment", "create")
    for role, client, scope in (
        ("DNS Zone Contributor", dns_client, zone_id),
        (reader, dns_client, group_id),
        ("Virtual Machine Contributor", demo_client, node_group_id),
    ):
        az(*assign, "--role", role, "--assignee", client, "--scope", scope)
    cluster_assignee = ("--assignee-object-id", cluster_principal, "--assignee-principal-type", "ServicePrincipal")
    for name in IDENTITIES:
        scope = f"{group_id}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        az(*assign, "--role", "Managed Identity Operator", *cluster_assignee, "--scope", scope)


def external_dns_log(data_dir: str) -> list[tuple[float, str]]:
    """(epoch seconds, message) of the external-dns container's log lines (second resolution, UTC)."""
    lines = []
    for path in Path(data_dir).glob("kube/*/pods/kube-addons_external-dns-*/logs/external-dns/0.log"):
        for line in path.read_text().splitlines():
            if found := LOG_TIME.match(line):
                stamp = datetime.fromisoformat(found.group(1)).timestamp()
                lines.append((stamp, line.split('msg="', 1)[-1][:70]))
    return sorted(lines, key=lambda line: line[0])  # stable: log order within a second


def print_profile(data: dict[str, Any], began: float, resolved: float | None, log: list[tuple[float, str]]) -> None:
    steps = sorted(data["steps"], key=lambda step: -step["seconds"])
    slowest = ", ".join(f"{step['step']} {step['seconds']:.2f} s" for step in steps[:3])
    total = sum(step["seconds"] for step in steps)
    print(f"\nfirst `up` (probes ran: {data['verification']['acted']}): steps {total:.2f} s; slowest: {slowest}")
    if resolved is not None:
        print(f"  {HELLO} first answered at +{resolved:.2f} s (this script's DNS poll, every 20 ms)")
    for stamp, message in log:
        if "record named 'hello'" in message or message.startswith(("config:", "Using managed", "All records")):
            print(f"  external-dns log +{stamp - began:5.1f} s  {message}")


def print_table(rows: list[tuple[str, str, str]]) -> None:
    for label, value, target in rows:
        print(f"{label:<74}  {value:>8}  {target}")


def time_up(podid: Az, endpoints: Endpoints, kubeconfig: Path, *target: str) -> tuple[float, float, float]:
    """(fresh `up`, no-op `up`, the fresh one's ARM steps) seconds; prints where the fresh one's time went."""
    ups, up = Stopwatch(podid, "podid"), ("up", "-o", "json", "--kubeconfig", str(kubeconfig), *target)
    watcher = NameWatcher(endpoints)
    began_epoch, began = time.time(), time.perf_counter()
    watcher.start()
    data = json.loads(ups(*up))
    watcher.stop.set()
    assert data["dns"]["expected"] in data["dns"]["addresses"], data["dns"]  # `up` waited for the name
    ups(*up)
    resolved = None if watcher.resolved is None else watcher.resolved - began
    print(f"\n`podid up {' '.join(target) or '(the sandbox target)'}`: {ups.laps[0][1]:.2f} s")
    print_profile(data, began_epoch, resolved, external_dns_log(endpoints.data_dir))
    arm = sum(step["seconds"] for step in data["steps"] if step["step"] not in KUBE_STEPS)
    return ups.laps[0][1], ups.laps[1][1], arm


def tutorial_sequence(az_executable: Path, podid: Az, endpoints: Endpoints, workdir: Path) -> tuple[Stopwatch, ...]:
    """The tutorial's commands on ``endpoints``, timed and printed: (az's, podid aks's)."""
    az = Stopwatch(logged_in_az(az_executable, endpoints, workdir / "azure-config"), "az")
    preview = Stopwatch(podid, "podid")
    az_sequence(az, preview, workdir / "kubeconfig-az")
    print("\naz sequence (the tutorial's order):")
    print_table([(label, f"{seconds:.2f} s", "") for label, seconds in az.laps + preview.laps])
    return az, preview


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh sandboxes to time `podid up` on (median)")
    parser.add_argument("--no-az", action="store_true", help="time `podid up` alone, direct and through the proxy")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{n:.2f}' for n in os.getloadavg())} ({os.cpu_count()} CPUs)")
    az_executable = None if args.no_az else install_az()
    direct, proxied, sequence = [], [], None
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="podid-bench-up-") as tmp, fresh_sandbox(Path(tmp) / "sb") as sandbox:
            workdir = Path(tmp)
            podid = podid_runner(workdir, plain_environment(), "--data-dir", sandbox.data_dir)
            direct.append(time_up(podid, sandbox, workdir / "kubeconfig"))
            if run == args.runs - 1 and az_executable is not None:
                sequence = tutorial_sequence(az_executable, podid, sandbox, workdir)
        with tempfile.TemporaryDirectory(prefix="podid-bench-up-") as tmp, fresh_sandbox(Path(tmp) / "sb") as sandbox:
            workdir = Path(tmp)
            podid = podid_runner(workdir, proxy_environment(sandbox, workdir / "home"))
            proxied.append(time_up(podid, sandbox, workdir / "kubeconfig", "--target", "azure"))
    print_results(direct, proxied, sequence)


def _median(timings: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return sorted(timings)[len(timings) // 2]


def print_results(
    direct: list[tuple[float, float, float]],
    proxied: list[tuple[float, float, float]],
    sequence: tuple[Stopwatch, ...] | None,
) -> None:
    (up_seconds, again_seconds, arm_seconds), (proxied_seconds, proxied_again, _) = _median(direct), _median(proxied)
    runs, proxied_runs = (", ".join(f"{up:.2f}" for up, _, _ in timings) for timings in (direct, proxied))
    checks = {
        "podid up": up_seconds <= TARGET_UP_SECONDS,
        "through the proxy": proxied_seconds <= TARGET_PROXIED_UP_SECONDS,
    }
    rows = [
        (f"podid up, fresh: resolvable, verified (median of {runs})", f"{up_seconds:.2f} s",
         f"target <= {TARGET_UP_SECONDS:.0f} s"),
        ("podid up (again, no-op)", f"{again_seconds:.2f} s", ""),
        ("  its ARM steps alone", f"{arm_seconds:.2f} s", ""),
        (f"podid up --target azure through the proxy, fresh (median of {proxied_runs})", f"{proxied_seconds:.2f} s",
         f"target <= {TARGET_PROXIED_UP_SECONDS} s"),
        ("podid up --target azure through the proxy (again, no-op)", f"{proxied_again:.2f} s", ""),
    ]  # fmt: skip
    if sequence is not None:
        az, preview = sequence
        total = az.total + preview.total
        checks["ratio"] = total / up_seconds >= TARGET_RATIO
        rows += [
            (f"the tutorial's sequence ({len(az.laps) + len(preview.laps)} commands)", f"{total:.2f} s", ""),
            (f"  of which {len(az.laps)} az core commands", f"{az.total:.2f} s", f"{az.total / up_seconds:.1f}x up"),
            (f"  and {len(preview.laps)} aks-preview ones through podid aks", f"{preview.total:.2f} s", ""),
            ("ratio sequence / podid up", f"{total / up_seconds:.1f}x", f"target >= {TARGET_RATIO:.0f}x"),
        ]  # fmt: skip
    print("\nresults:")
    print_table(rows)
    print("\n" + "   ".join(f"{name}: {'PASS' if met else 'FAIL'}" for name, met in checks.items()))


if __name__ == "__main__":
    main()
