"""external-dns against a sandbox started with Azure DNS's per-zone request limits (429 with Retry-After).

Covers: 110 Services need 220 record-set writes, more than the zone's 200 a minute; one `--once` cycle still
writes them all and exits 0, without a failed write in the log, because azure-core waits out each Retry-After
and the provider falls back to one write at a time once the zone throttles; the front door saw more requests
than writes in the zone's resource group (the refused ones, retried).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from podid.sandbox import Endpoints, Sandbox
from podid.workloads.externaldns.main import main
from tests.conftest import control_call, credential_for, start_sandbox
from tests.e2e.edns import (
    IMAGE,
    KubeAccess,
    ZoneAdmin,
    azure_json,
    enter_pod,
    eventually,
    in_process_cluster,
    service_manifest,
)

GROUP, ZONE, SERVICES = "throttled", "throttled.example.internal", 110


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sandbox, _ = start_sandbox(tmp_path_factory.mktemp("limited"), dns_rate_limits=True)
    yield sandbox
    sandbox.stop()


def metrics(endpoints: Endpoints) -> dict[str, int]:
    """The ARM requests and writes in the zone's resource group."""
    query = {"subscriptionId": endpoints.subscription_id, "resourceGroup": GROUP}
    body = control_call(endpoints, "GET", "/metrics", params=query).json()
    return {"requests": body["requests"], "writes": body["totalWrites"]}


def create_services(cluster: KubeAccess) -> None:
    def create(index: int) -> None:
        cluster.core.create_namespaced_service("default", service_manifest(f"s{index}", f"s{index}.{ZONE}"))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(create, range(SERVICES)))

    def all_addressed() -> bool:
        items = cluster.core.list_namespaced_service("default").items
        return sum(bool(item.status.load_balancer.ingress) for item in items) == SERVICES

    assert eventually(all_addressed)


@pytest.mark.slow
def test_a_throttled_zone_converges_without_a_failed_write(
    limited: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoints = limited.endpoints
    assert endpoints is not None
    operator = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    admin = ZoneAdmin(endpoints, operator, GROUP, ZONE)
    cluster = in_process_cluster(limited, endpoints, GROUP, "throttled")
    create_services(cluster)
    enter_pod(monkeypatch, tmp_path, cluster, endpoints)
    login = {"aadClientId": endpoints.operator.client_id, "aadClientSecret": endpoints.operator.client_secret}
    azure_json(tmp_path / "etc/kubernetes/azure.json", endpoints, GROUP, **login)
    before = metrics(endpoints)

    code = main(["--source=service", "--provider=azure", f"--domain-filter={ZONE}", "--once"], IMAGE)
    logged = capsys.readouterr().err.splitlines()

    assert code == 0
    assert len(admin.record_sets()) == 2 * SERVICES
    assert [line for line in logged if 'level=info msg="Updating A record named ' in line]
    assert not [line for line in logged if "level=error " in line or "level=fatal " in line]
    after = metrics(endpoints)
    assert after["writes"] - before["writes"] >= 2 * SERVICES
    assert after["requests"] - before["requests"] > after["writes"] - before["writes"] + 2  # 429s, retried
