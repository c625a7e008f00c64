"""The TXT registry as each release writes and reads it, and the noop registry.

Covers: up to v0.17 a create, update and delete carry the old-format TXT (`<name>`, `externaldns-<name>`)
before the new one, never for AAAA nor with `%{record_type}`; v0.16/v0.17's `--txt-new-format-only` and
v0.18+ write the new format alone; every release reads the old format when no new-format TXT matches (not for
AAAA); an owned record missing a TXT the release writes is forced through an update that writes it (a
v0.18+ zone read by v0.17 gets its old-format TXTs); up to v0.18 creates re-send TXTs the zone already has,
from v0.19.0 they do not; the record types a TXT name carries; noop passes records and changes through with
no owner; the registries a release accepts but this sandbox lacks are one ConfigError.
"""

import pytest

from podid.workloads.externaldns.config import parse_args
from podid.workloads.externaldns.endpoint import Endpoint
from podid.workloads.externaldns.errors import ConfigError
from podid.workloads.externaldns.execute import build_registry
from podid.workloads.externaldns.plan import Changes, calculate
from podid.workloads.externaldns.policy import sync
from podid.workloads.externaldns.provider.inmemory import InMemoryProvider
from podid.workloads.externaldns.registry import NoopRegistry, TxtNameMapper, TxtRegistry
from podid.workloads.externaldns.release import Release, release_for

from .fakes import ep

VALUE = '"heritage=external-dns,external-dns/owner=me,external-dns/resource=service/default/nginx"'
SVC = "service/default/nginx"


class Recorder:
    """A provider holding `stored` that records what it is asked to apply and applies nothing."""

    def __init__(self, *stored: Endpoint) -> None:
        self.stored = list(stored)
        self.applied: list[Changes] = []

    def records(self) -> list[Endpoint]:
        return list(self.stored)

    def apply_changes(self, changes: Changes) -> None:
        self.applied.append(changes)


def played(tag: str) -> Release:
    release = release_for(tag)
    assert release is not None
    return release


def created(tag: str, record: Endpoint, prefix: str = "", new_format_only: bool = False) -> list[str]:
    provider = Recorder()
    registry = TxtRegistry(provider, "me", prefix, release=played(tag), new_format_only=new_format_only)
    registry.records()
    registry.apply_changes(Changes(create=(record,)))
    return [f"{r.record_type} {r.dns_name}" for r in provider.applied[0].create]


APP = ep("app.example.com", "A", "20.1.2.3", resource=SVC)


@pytest.mark.parametrize(
    ("tag", "names"),
    [
        ("v0.14.2", ["A app.example.com", "TXT app.example.com", "TXT a-app.example.com"]),
        ("v0.17.0", ["A app.example.com", "TXT app.example.com", "TXT a-app.example.com"]),
        ("v0.18.0", ["A app.example.com", "TXT a-app.example.com"]),
        ("v0.22.0", ["A app.example.com", "TXT a-app.example.com"]),
    ],
)
def test_create_writes_the_formats_of_the_release(tag, names):
    assert created(tag, APP) == names


def test_old_format_keeps_the_prefix_and_skips_aaaa_and_typed_affixes():
    assert created("v0.14.2", APP, prefix="externaldns-")[1:] == [
        "TXT externaldns-app.example.com",
        "TXT externaldns-a-app.example.com",
    ]
    aaaa = ep("app.example.com", "AAAA", "2001:db8::1", resource=SVC)
    assert created("v0.14.2", aaaa) == ["AAAA app.example.com", "TXT aaaa-app.example.com"]
    assert created("v0.14.2", APP, prefix="%{record_type}-")[1:] == ["TXT a-app.example.com"]


def test_new_format_only_flag_of_v0_16_and_v0_17():
    assert created("v0.17.0", APP, new_format_only=True) == ["A app.example.com", "TXT a-app.example.com"]


def test_update_and_delete_carry_both_formats_up_to_v0_17():
    provider = Recorder()
    registry = TxtRegistry(provider, "me", release=played("v0.17.0"))
    owned = ep("app.example.com", "A", "20.1.2.3", owner="me", resource=SVC)
    registry.records()
    registry.apply_changes(Changes(update_old=(owned,), update_new=(owned,), delete=(owned,)))
    applied = provider.applied[0]
    for endpoints in (applied.update_old, applied.update_new, applied.delete):
        assert [r.dns_name for r in endpoints] == ["app.example.com", "app.example.com", "a-app.example.com"]


@pytest.mark.parametrize("tag", ["v0.14.2", "v0.22.0"])
def test_every_release_reads_the_old_format_when_the_new_is_missing(tag):
    provider = InMemoryProvider(["example.com"])
    old_only = (
        ep("app.example.com", "A", "20.1.2.3"),
        ep("app.example.com", "TXT", VALUE),
        ep("v6.example.com", "AAAA", "2001:db8::1"),
        ep("v6.example.com", "TXT", VALUE),
    )
    provider.apply_changes(Changes(create=old_only))
    labels = {r.record_type: r.labels for r in TxtRegistry(provider, "me", release=played(tag)).records()}
    assert labels == {"A": {"owner": "me", "resource": SVC}, "AAAA": {}}  # never for AAAA


def test_the_new_format_wins_over_the_old():
    provider = InMemoryProvider(["example.com"])
    other = '"heritage=external-dns,external-dns/owner=other"'
    both = (
        ep("app.example.com", "A", "1.2.3.4"),
        ep("app.example.com", "TXT", other),
        ep("a-app.example.com", "TXT", VALUE),
    )
    provider.apply_changes(Changes(create=both))
    assert TxtRegistry(provider, "me").records()[0].labels["owner"] == "me"


@pytest.mark.parametrize(("tag", "forced"), [("v0.17.0", True), ("v0.18.0", False)])
def test_a_record_missing_a_txt_of_the_release_is_forced_through_an_update(tag, forced):
    written_by_v0_18 = (ep("app.example.com", "A", "20.1.2.3"), ep("a-app.example.com", "TXT", VALUE))
    provider = Recorder(*written_by_v0_18)
    registry = TxtRegistry(provider, "me", release=played(tag))
    [current] = registry.records()
    assert current.force_update is forced
    changes = calculate([current], [APP], sync, owner_id="me")
    assert bool(changes.update_new) is forced
    if forced:
        registry.apply_changes(changes)
        written = [f"{r.record_type} {r.dns_name}" for r in provider.applied[0].update_new]
        assert written == ["A app.example.com", "TXT app.example.com", "TXT a-app.example.com"]


def test_records_of_others_are_never_forced():
    others = '"heritage=external-dns,external-dns/owner=other"'
    provider = Recorder(ep("app.example.com", "A", "20.1.2.3"), ep("a-app.example.com", "TXT", others))
    [current] = TxtRegistry(provider, "me", release=played("v0.14.2")).records()
    assert not current.force_update


@pytest.mark.parametrize(("tag", "resent"), [("v0.18.0", True), ("v0.19.0", False)])
def test_creates_resend_existing_txts_before_v0_19(tag, resent):
    provider = Recorder(ep("a-app.example.com", "TXT", VALUE))
    registry = TxtRegistry(provider, "me", release=played(tag))
    registry.records()
    registry.apply_changes(Changes(create=(APP,)))
    txts = [r.dns_name for r in provider.applied[-1].create if r.record_type == "TXT"]
    assert txts == (["a-app.example.com"] if resent else [])


@pytest.mark.parametrize(
    ("tag", "txt_name", "read_as"),
    [
        ("v0.17.0", "mx-mail.example.com", ("mx-mail.example.com", "")),  # MX not a type yet: an old-format name
        ("v0.18.0", "mx-mail.example.com", ("mail.example.com", "MX")),
        ("v0.20.0", "srv-_sip._tcp.example.com", ("srv-_sip._tcp.example.com", "")),
        ("v0.21.0", "srv-_sip._tcp.example.com", ("_sip._tcp.example.com", "SRV")),
        ("v0.21.0", "txt-note.example.com", ("txt-note.example.com", "")),
        ("v0.22.0", "txt-note.example.com", ("note.example.com", "TXT")),
    ],
)
def test_txt_types_per_release(tag, txt_name, read_as):
    assert TxtNameMapper(types=played(tag).txt_types).to_endpoint_name(txt_name) == read_as


def test_noop_registry_has_no_owner_and_passes_everything_through():
    provider = Recorder(ep("a-app.example.com", "TXT", VALUE))
    registry = NoopRegistry(provider)
    assert registry.owner_id == ""
    assert [r.record_type for r in registry.records()] == ["TXT"]  # a registry TXT is a plain record here
    registry.apply_changes(Changes(create=(APP,)))
    assert provider.applied[-1] == Changes(create=(APP,))


@pytest.mark.parametrize(("registry", "kind"), [("txt", TxtRegistry), ("noop", NoopRegistry)])
def test_build_registry(registry, kind):
    config = parse_args(["--source=service", "--provider=inmemory", f"--registry={registry}"])
    assert isinstance(build_registry(config, Recorder()), kind)


def test_registries_without_a_backend_here_are_refused():
    config = parse_args(["--source=service", "--provider=inmemory", "--registry=crd"])
    with pytest.raises(ConfigError) as raised:
        build_registry(config, Recorder())
    assert str(raised.value) == "--registry=crd is not available in this sandbox (only txt and noop)"
