"""The external-dns workload in-process, as the kubelet would start it, against a sandbox cluster's API server
and the sandbox's Azure DNS: in-cluster config from the pod root, informers over Services and Ingresses, a
client-secret azure.json, logfmt on stderr. (The pod-identity flow is in test_externaldns.py.)

Covers: `--once` writes the A and TXT records of an annotated LoadBalancer Service, which then resolve, and
exits 0; `--dry-run` only says `Would update ...`; the loop with `--events` follows a new Service, an address
change and a deletion through the watch, long before `--interval`; an Ingress with a `target` annotation;
bad input (an invalid hostname, a name outside `--domain-filter`, a TTL out of range) skipped with one line
each while the good Service still gets its record; a missing azure.json and no credential in azure.json are
one fatal line and exit 1; with the zone-scoped grant alone the pod keeps running and logs the 403
AuthorizationFailed each interval. The informer keeps following changes after the server ends a watch, and an
API server that refuses the token is logged client-go style while the first list never completes.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from kubernetes import client as k8s

from podid.sandbox import Endpoints, Sandbox
from podid.workloads.externaldns.config import parse_args
from podid.workloads.externaldns.execute import execute
from podid.workloads.externaldns.kube import Informer, InformerLister
from podid.workloads.externaldns.logfmt import logging_to
from podid.workloads.externaldns.main import main
from tests.conftest import ServicePrincipalLogin
from tests.e2e.edns import (
    IMAGE,
    NOERROR,
    NXDOMAIN,
    PREFIX,
    KubeAccess,
    ZoneAdmin,
    azure_json,
    enter_pod,
    eventually,
    in_process_cluster,
    resolve,
    service_manifest,
)

ZONE = "workload.example.internal"
GROUP = "edns-workload"
LINE = re.compile(r'time="[^"]+" level=(\w+) msg=(.*)')


@dataclass(frozen=True)
class Logins:
    full: ServicePrincipalLogin  # zone contributor + zone listing
    zone_only: ServicePrincipalLogin


@pytest.fixture(scope="module")
def cluster(sandbox: Sandbox, endpoints: Endpoints) -> KubeAccess:
    return in_process_cluster(sandbox, endpoints, GROUP, "edns")


@pytest.fixture(scope="module")
def admin(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> ZoneAdmin:
    return ZoneAdmin(endpoints, operator_credential, GROUP, ZONE)


@pytest.fixture(scope="module")
def logins(admin: ZoneAdmin, make_service_principal: Callable[[str], ServicePrincipalLogin]) -> Logins:
    full, zone_only = make_service_principal("edns-workload"), make_service_principal("edns-workload-zone-only")
    for login in (full, zone_only):
        admin.grant_zone_contributor(login.object_id)
    admin.grant_zone_listing(full.object_id)
    return Logins(full, zone_only)


@pytest.fixture
def pod_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cluster: KubeAccess, endpoints: Endpoints, logins: Logins
) -> Path:
    """The environment and files the kubelet gives an external-dns pod (azure.json for the `full` login)."""
    enter_pod(monkeypatch, tmp_path, cluster, endpoints)
    write_azure_json(tmp_path, endpoints, logins.full)
    return tmp_path


def write_azure_json(root: Path, endpoints: Endpoints, login: ServicePrincipalLogin | None) -> None:
    keys = {"aadClientId": login.app_id, "aadClientSecret": login.secret} if login else {}
    azure_json(root / "etc/kubernetes/azure.json", endpoints, GROUP, **keys)


def flags(*extra: str) -> list[str]:
    return ["--source=service", "--provider=azure", f"--domain-filter={ZONE}", "--txt-owner-id=workload", *extra]


def lines(text: str) -> list[tuple[str, str]]:
    """(level, unquoted message) of each logfmt line."""
    found = []
    for line in text.splitlines():
        level, message = LINE.fullmatch(line).groups()  # type: ignore[union-attr]
        found.append((level, json.loads(message) if message.startswith('"') else message))
    return found


def create_service(cluster: KubeAccess, name: str, hostname: str, **annotations: str) -> None:
    cluster.core.create_namespaced_service("default", service_manifest(name, hostname, **annotations))


def lb_ip(cluster: KubeAccess, name: str) -> str:
    def ingress() -> Any:
        return cluster.core.read_namespaced_service(name, "default").status.load_balancer.ingress

    return str(eventually(ingress)[0].ip)


def run_once(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, str]]]:
    code = main(argv, IMAGE)
    return code, lines(capsys.readouterr().err)


@contextmanager
def running(argv: list[str]) -> Iterator[io.StringIO]:
    """external-dns looping in a thread until the block ends (what SIGTERM does in the pod)."""
    config, stop, out, codes = parse_args(argv), threading.Event(), io.StringIO(), []

    def body() -> None:
        with logging_to(config.logging_level, out):
            codes.append(execute(config, os.environ, stop))

    thread = threading.Thread(target=body, name="external-dns")
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join(30)
    assert codes == [0], out.getvalue()


def test_once_publishes_the_service(
    pod_root: Path, cluster: KubeAccess, admin: ZoneAdmin, endpoints: Endpoints, capsys: pytest.CaptureFixture[str]
) -> None:
    create_service(cluster, "once", f"once.{ZONE}")
    ip = lb_ip(cluster, "once")
    code, logged = run_once(flags("--once"), capsys)
    assert code == 0, logged
    assert ("info", f"Updating A record named 'once' to '{ip}' for Azure DNS zone '{ZONE}'.") in logged
    assert ("info", "Using client_id+client_secret to retrieve access token for Azure API.") in logged
    assert not [entry for entry in logged if entry[0] in ("error", "fatal")]
    value = '"heritage=external-dns,external-dns/owner=workload,external-dns/resource=service/default/once"'
    assert admin.record_sets()[("a-once", "TXT")] == [value]
    assert resolve(endpoints, f"once.{ZONE}") == (NOERROR, [ip])


def test_dry_run_writes_nothing(
    pod_root: Path, cluster: KubeAccess, admin: ZoneAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    create_service(cluster, "dry", f"dry.{ZONE}")
    ip = lb_ip(cluster, "dry")
    code, logged = run_once(flags("--once", "--dry-run"), capsys)
    assert code == 0
    assert ("info", f"Would update A record named 'dry' to '{ip}' for Azure DNS zone '{ZONE}'.") in logged
    assert ("dry", "A") not in admin.record_sets()
    cluster.core.delete_namespaced_service("dry", "default")


def test_loop_follows_the_watch(pod_root: Path, cluster: KubeAccess, endpoints: Endpoints) -> None:
    with running(flags("--events", "--min-event-sync-interval=1s", "--interval=10m")) as out:
        eventually(lambda: "All records are already up to date" in out.getvalue() or "Updating" in out.getvalue())
        create_service(cluster, "watched", f"watched.{ZONE}")
        ip = lb_ip(cluster, "watched")
        assert eventually(lambda: resolve(endpoints, f"watched.{ZONE}") == (NOERROR, [ip])), out.getvalue()

        moved = {"spec": {"externalIPs": ["20.30.40.50"]}}
        cluster.core.patch_namespaced_service("watched", "default", moved)
        assert eventually(lambda: resolve(endpoints, f"watched.{ZONE}") == (NOERROR, ["20.30.40.50"]))

        cluster.core.delete_namespaced_service("watched", "default")
        assert eventually(lambda: resolve(endpoints, f"watched.{ZONE}")[0] == NXDOMAIN)
        assert eventually(lambda: resolve(endpoints, f"a-watched.{ZONE}", "TXT")[0] == NXDOMAIN)


def test_ingress_with_a_target(
    pod_root: Path, cluster: KubeAccess, endpoints: Endpoints, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {
        "metadata": {"name": "web", "annotations": {PREFIX + "target": "20.1.1.1"}},
        "spec": {"rules": [{"host": f"web.{ZONE}"}]},
    }
    cluster.networking.create_namespaced_ingress("default", body)
    argv = ["--source=ingress", *flags("--once")[1:]]
    assert run_once(argv, capsys)[0] == 0
    assert resolve(endpoints, f"web.{ZONE}") == (NOERROR, ["20.1.1.1"])


def test_bad_input_is_skipped_with_one_line_each(
    pod_root: Path, cluster: KubeAccess, endpoints: Endpoints, capsys: pytest.CaptureFixture[str]
) -> None:
    create_service(cluster, "bad-name", f"under_score.{ZONE}")
    create_service(cluster, "outside", "app.elsewhere.internal")
    create_service(cluster, "bad-ttl", f"ttl.{ZONE}", **{PREFIX + "ttl": "-5"})
    ip = lb_ip(cluster, "bad-ttl")
    code, logged = run_once(flags("--once", "--log-level=debug"), capsys)
    assert code == 0
    about = {
        name: [entry for entry in logged if name in entry[1] and "Updating" not in entry[1]]
        for name in ("under_score", "app.elsewhere.internal", "bad-ttl")
    }
    assert about == {
        "under_score": [
            (
                "warning",
                f"Skipping invalid hostname 'under_score.{ZONE}' from service/default/bad-name: "
                "label 'under_score' is not a valid RFC 1123 label",
            )
        ],
        "app.elsewhere.internal": [
            ("debug", "ignoring record app.elsewhere.internal that does not match domain filter")
        ],
        "bad-ttl": [("warning", "service/default/bad-ttl: TTL value -5 must be between [1, 2147483647]")],
    }
    assert resolve(endpoints, f"ttl.{ZONE}") == (NOERROR, [ip])
    for name in ("bad-name", "outside", "bad-ttl"):
        cluster.core.delete_namespaced_service(name, "default")


def test_missing_azure_json(pod_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (pod_root / "etc/kubernetes/azure.json").unlink()
    code, logged = run_once(flags("--once"), capsys)
    path = "/etc/kubernetes/azure.json"
    assert (code, logged[-1]) == (
        1,
        ("fatal", f"failed to read Azure config file '{path}': " * 2 + f"open {path}: no such file or directory"),
    )
    assert [entry for entry in logged if entry[0] in ("error", "fatal")] == [logged[-1]]


def test_a_handler_already_on_the_root_writes_none_of_the_workload_s_lines(
    pod_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In its pod the workload is the whole process: a host's handler (an in-process `podid` command leaves
    its `INFO: ...` stderr handler on the root) must not write each line again in its own format."""
    host = logging.StreamHandler(sys.stderr)
    host.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.getLogger().addHandler(host)
    try:
        assert main(flags("--once", "--dry-run"), IMAGE) == 0
    finally:
        logging.getLogger().removeHandler(host)
    written = capsys.readouterr().err.splitlines()
    assert [line for line in written if not LINE.fullmatch(line)] == []
    assert [line for line in written if 'msg="config: ' in line] != []


def test_azure_json_without_credentials(
    pod_root: Path, endpoints: Endpoints, capsys: pytest.CaptureFixture[str]
) -> None:
    write_azure_json(pod_root, endpoints, None)
    code, logged = run_once(flags("--once"), capsys)
    assert (code, logged[-1]) == (1, ("fatal", "failed to get credentials: no credentials provided for Azure API"))


def test_zone_scoped_grant_alone_logs_the_403_and_keeps_running(
    pod_root: Path, endpoints: Endpoints, logins: Logins
) -> None:
    write_azure_json(pod_root, endpoints, logins.zone_only)
    with running(flags("--interval=1s")) as out:
        assert eventually(lambda: "(consecutive soft errors: 2)" in out.getvalue())
    errors = [message for level, message in lines(out.getvalue()) if level == "error"]
    assert errors[0].startswith("Failed to do run once: GET https://")
    assert "RESPONSE 403: 403 Forbidden\nERROR CODE: AuthorizationFailed\n" in errors[0]
    assert "perform action 'Microsoft.Network/dnsZones/read'" in errors[0]
    assert errors[0].endswith("(consecutive soft errors: 1)")


def test_informer_keeps_following_after_the_server_ends_a_watch(cluster: KubeAccess) -> None:
    changed = threading.Event()
    informer = Informer(cluster.core.list_service_for_all_namespaces, "*v1.Service", changed.set, watch_seconds=1)
    threading.Thread(target=informer.run, daemon=True).start()
    try:
        assert informer.wait_synced(10)
        time.sleep(2.5)  # the first watch has ended by now; what follows must come through a resumed one
        create_service(cluster, "resumed", f"resumed.{ZONE}")
        assert eventually(changed.is_set)
        names = [item["metadata"]["name"] for item in informer.items()]
        assert "resumed" in names
    finally:
        informer.stop()
        cluster.core.delete_namespaced_service("resumed", "default")


def test_refused_token_never_syncs_and_says_why(cluster: KubeAccess, endpoints: Endpoints, caplog) -> None:
    configuration = k8s.Configuration()
    configuration.host, configuration.ssl_ca_cert = cluster.server_url, endpoints.ca_cert
    configuration.api_key, configuration.api_key_prefix = {"BearerToken": "not-a-token"}, {"BearerToken": "Bearer"}
    lister = InformerLister(k8s.ApiClient(configuration), ["service"])
    lister.start()
    try:
        assert lister.wait_synced(1.5, threading.Event()) == "*v1.Service"
        stopped = threading.Event()
        stopped.set()  # SIGTERM while waiting: the wait ends at once
        began = time.monotonic()
        assert lister.wait_synced(60, stopped) == "*v1.Service" and time.monotonic() - began < 5
    finally:
        lister.stop()
    refused = [r.getMessage() for r in caplog.records if r.name.endswith("externaldns.kube")]
    assert refused and refused[0] == "Failed to watch *v1.Service: failed to list *v1.Service: Unauthorized"
