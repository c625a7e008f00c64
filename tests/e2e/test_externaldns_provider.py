"""external-dns' Azure side against the sandbox: the provider `execute.build_provider` makes from a
client-secret azure.json (azure-identity + azure-mgmt-dns, as in the pod), under the TXT registry and the
controller, with Services handed in directly; names are asked of the sandbox's DNS server.

Covers: with DNS Zone Contributor on the zone plus `dnsZones/read` on the group, an annotated Service gets its A
record and new-format TXT ownership record, which resolve; deleting the Service removes both under sync and
keeps them under upsert-only; a hand-made record is never touched; a second owner does not take over; with the
zone-scoped grant alone, listing zones fails softly with the 403 AuthorizationFailed text external-dns logs;
a TTL annotation out of range is skipped with one warning and the record gets Azure's default TTL of 300.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure.identity import ClientSecretCredential

from podid.sandbox import Endpoints
from podid.workloads.externaldns.config import parse_args
from podid.workloads.externaldns.controller import Controller
from podid.workloads.externaldns.domain_filter import DomainFilter
from podid.workloads.externaldns.errors import SoftError
from podid.workloads.externaldns.execute import build_provider
from podid.workloads.externaldns.policy import sync, upsert_only
from podid.workloads.externaldns.registry import TxtRegistry
from podid.workloads.externaldns.source import KubernetesSource
from tests.conftest import ServicePrincipalLogin
from tests.e2e.edns import NOERROR, NXDOMAIN, ZoneAdmin, azure_json, resolve, service
from tests.externaldns.fakes import Lister


@dataclass(frozen=True)
class Setup:
    admin: ZoneAdmin
    config_file: Path  # least privilege: zone contributor + zone listing
    zone_only_file: Path  # the tutorial's grant alone


@pytest.fixture(scope="module")
def pod_env(endpoints: Endpoints) -> Iterator[dict[str, str]]:
    """What the kubelet gives a pod for reaching the sandbox's Azure (the CA bundle is read by `_runtime`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", endpoints.ca_bundle)
        yield {"PODID_AUTHORITY": endpoints.authority, "PODID_ARM_URL": endpoints.arm_url}


@pytest.fixture(scope="module")
def setup(
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    make_service_principal: Callable[[str], ServicePrincipalLogin],
    tmp_path_factory: pytest.TempPathFactory,
) -> Setup:
    admin = ZoneAdmin(endpoints, operator_credential, "edns-provider", "provider.example.internal")
    full, zone_only = make_service_principal("edns-full"), make_service_principal("edns-zone-only")
    for login in (full, zone_only):
        admin.grant_zone_contributor(login.object_id)
    admin.grant_zone_listing(full.object_id)
    root = tmp_path_factory.mktemp("edns")

    def config_file(name: str, login: ServicePrincipalLogin) -> Path:
        keys = {"aadClientId": login.app_id, "aadClientSecret": login.secret}
        return azure_json(root / name, endpoints, admin.group, **keys)

    return Setup(admin, config_file("full.json", full), config_file("zone-only.json", zone_only))


def controller(config_file: Path, env: dict[str, str], lister: Lister, owner: str = "default", policy=sync):
    config = parse_args(["--source=service", "--provider=azure", f"--azure-config-file={config_file}"])
    provider = build_provider(config, DomainFilter(), env)
    return Controller(KubernetesSource(lister, ["service"]), TxtRegistry(provider, owner), policy)


def txt(owner: str, name: str) -> str:
    return f'"heritage=external-dns,external-dns/owner={owner},external-dns/resource=service/default/{name}"'


def test_records_follow_the_service_under_sync(setup: Setup, endpoints: Endpoints, pod_env: dict[str, str]) -> None:
    zone = setup.admin.zone
    lister = Lister([service("hello", f"hello.{zone}", "20.1.2.3")])
    ctl = controller(setup.config_file, pod_env, lister)
    ctl.run_once()
    assert setup.admin.record_sets() == {("hello", "A"): ["20.1.2.3"], ("a-hello", "TXT"): [txt("default", "hello")]}
    assert resolve(endpoints, f"hello.{zone}") == (NOERROR, ["20.1.2.3"])
    assert not ctl.run_once().has_changes()

    lister.services.clear()
    ctl.run_once()
    assert setup.admin.record_sets() == {}
    assert resolve(endpoints, f"hello.{zone}")[0] == NXDOMAIN


def test_upsert_only_keeps_records_and_others_records_are_left_alone(
    setup: Setup, endpoints: Endpoints, pod_env: dict[str, str]
) -> None:
    zone = setup.admin.zone
    setup.admin.add_a_record("manual", "10.0.0.9")
    lister = Lister([service("kept", f"kept.{zone}", "20.1.2.4"), service("mine", f"manual.{zone}", "20.9.9.9")])
    controller(setup.config_file, pod_env, lister, policy=upsert_only).run_once()
    other = Lister([service("taken", f"kept.{zone}", "20.7.7.7")])
    controller(setup.config_file, pod_env, other, owner="second").run_once()
    lister.services.clear()
    controller(setup.config_file, pod_env, lister, policy=upsert_only).run_once()

    records = setup.admin.record_sets()
    assert records[("kept", "A")] == ["20.1.2.4"]
    assert records[("a-kept", "TXT")] == [txt("default", "kept")]
    assert records[("manual", "A")] == ["10.0.0.9"]
    assert ("a-manual", "TXT") not in records
    assert resolve(endpoints, f"manual.{zone}") == (NOERROR, ["10.0.0.9"])


def test_zone_scoped_grant_alone_cannot_list_zones(setup: Setup, pod_env: dict[str, str]) -> None:
    lister = Lister([service("denied", f"denied.{setup.admin.zone}", "20.1.2.5")])
    with pytest.raises(SoftError) as raised:
        controller(setup.zone_only_file, pod_env, lister).run_once()
    assert (raised.value.status, raised.value.code) == (403, "AuthorizationFailed")
    message = str(raised.value)
    assert message.startswith("GET https://") and "/providers/Microsoft.Network/dnsZones\n" in message
    assert "RESPONSE 403: 403 Forbidden\nERROR CODE: AuthorizationFailed\n" in message
    assert "does not have authorization to perform action 'Microsoft.Network/dnsZones/read'" in message


def test_out_of_range_ttl_is_skipped_with_one_warning(
    setup: Setup, pod_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    zone = setup.admin.zone
    ttl = "external-dns.alpha.kubernetes.io/ttl"
    lister = Lister([service("ttl", f"ttl.{zone}", "20.1.2.6", **{ttl: "0"})])
    with caplog.at_level(logging.WARNING, logger="podid"):
        controller(setup.config_file, pod_env, lister).run_once()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("podid")] == [
        "service/default/ttl: TTL value 0 must be between [1, 2147483647]"
    ]
    record = setup.admin.dns.record_sets.get(setup.admin.group, zone, "ttl", "A")
    assert (record.ttl, [a.ipv4_address for a in record.a_records]) == (300, ["20.1.2.6"])
