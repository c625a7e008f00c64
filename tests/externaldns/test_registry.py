"""The TXT registry over the in-memory provider.

Covers: new-format TXT names (`a-`, `cname-`, --txt-prefix, --txt-suffix, `%{record_type}`) both ways;
reading ownership from TXT values (exact quoted value), foreign TXTs left as plain records; creates stamped
with our owner and followed by their TXTs; updates and deletes carry the matching TXTs only for records we
own; hand-made and other owners' records untouched through a full sync; existing TXTs not re-created;
constructor validation.
"""

import logging

import pytest

from podid.workloads.externaldns.endpoint import Endpoint
from podid.workloads.externaldns.errors import ConfigError
from podid.workloads.externaldns.plan import Changes, calculate
from podid.workloads.externaldns.policy import sync
from podid.workloads.externaldns.provider.inmemory import InMemoryProvider
from podid.workloads.externaldns.registry import TxtNameMapper, TxtRegistry

from .fakes import ep

OWNED_VALUE = '"heritage=external-dns,external-dns/owner=me,external-dns/resource=service/default/nginx"'
SVC = "service/default/nginx"


@pytest.mark.parametrize(
    ("prefix", "suffix", "name", "record_type", "txt_name"),
    [
        ("", "", "app.example.com", "A", "a-app.example.com"),
        ("", "", "www.example.com", "CNAME", "cname-www.example.com"),
        ("", "", "app.example.com", "AAAA", "aaaa-app.example.com"),
        ("", "", "example.com", "A", "a-example.com"),
        ("externaldns-", "", "app.example.com", "A", "externaldns-a-app.example.com"),
        ("", "-txt", "app.example.com", "CNAME", "cname-app-txt.example.com"),
        ("%{record_type}-owner-", "", "app.example.com", "A", "a-owner-app.example.com"),
        ("txt-%{record_type}.", "", "app.example.com", "AAAA", "txt-aaaa.app.example.com"),
        ("", ".%{record_type}-txt", "app.example.com", "A", "app.a-txt.example.com"),
    ],
)
def test_txt_names_both_ways(prefix, suffix, name, record_type, txt_name):
    mapper = TxtNameMapper(prefix, suffix)
    assert mapper.to_txt_name(name, record_type) == txt_name
    assert mapper.to_endpoint_name(txt_name) == (name, record_type)


def test_txt_name_without_our_prefix_maps_to_nothing():
    assert TxtNameMapper("externaldns-", "").to_endpoint_name("a-app.example.com") == ("", "")


def seeded(*records: Endpoint, prefix: str = "") -> tuple[InMemoryProvider, TxtRegistry]:
    provider = InMemoryProvider(["example.com"])
    provider.apply_changes(Changes(create=records))
    return provider, TxtRegistry(provider, "me", prefix=prefix)


def test_records_carry_ownership_from_txt_and_hide_registry_txts():
    _, registry = seeded(
        ep("app.example.com", "A", "20.1.2.3"),
        ep("a-app.example.com", "TXT", OWNED_VALUE),
        ep("manual.example.com", "A", "10.0.0.1"),
        ep("theirs.example.com", "A", "10.0.0.2"),
        ep("a-theirs.example.com", "TXT", '"heritage=external-dns,external-dns/owner=other"'),
        ep("example.com", "TXT", '"v=spf1 -all"'),
    )
    by_name = {(r.dns_name, r.record_type): r for r in registry.records()}
    assert set(by_name) == {
        ("app.example.com", "A"),
        ("manual.example.com", "A"),
        ("theirs.example.com", "A"),
        ("example.com", "TXT"),  # foreign: stays a plain record
    }
    assert by_name["app.example.com", "A"].labels == {"owner": "me", "resource": SVC}
    assert by_name["manual.example.com", "A"].labels == {}
    assert by_name["theirs.example.com", "A"].labels == {"owner": "other"}


def test_txt_record_without_targets_is_skipped_with_an_error(caplog):
    provider = InMemoryProvider(["example.com"])
    provider.apply_changes(Changes(create=(Endpoint("a-x.example.com", "TXT", ()),)))
    with caplog.at_level(logging.ERROR):
        assert TxtRegistry(provider, "me").records() == []
    assert "TXT record has no targets a-x.example.com" in caplog.text


def test_create_stamps_owner_and_appends_the_txt_after_the_record():
    provider = InMemoryProvider(["example.com"])
    registry = TxtRegistry(provider, "me")
    registry.records()
    registry.apply_changes(Changes(create=(ep("app.example.com", "A", "20.1.2.3", resource=SVC),)))
    assert provider.records() == [
        Endpoint("app.example.com", "A", ("20.1.2.3",)),
        Endpoint("a-app.example.com", "TXT", (OWNED_VALUE,)),
    ]


def test_create_does_not_rewrite_a_txt_that_already_exists():
    # The A record was deleted by hand but its TXT remained; the in-memory backend rejects duplicate creates.
    provider, registry = seeded(ep("a-app.example.com", "TXT", OWNED_VALUE))
    registry.records()
    registry.apply_changes(Changes(create=(ep("app.example.com", "A", "20.1.2.3", resource=SVC),)))
    assert sorted(r.dns_name for r in provider.records()) == ["a-app.example.com", "app.example.com"]


def test_update_and_delete_carry_the_txt_of_owned_records_only():
    provider, registry = seeded(
        ep("app.example.com", "A", "20.1.2.3"),
        ep("a-app.example.com", "TXT", OWNED_VALUE),
        ep("gone.example.com", "CNAME", "lb.example.net"),
        ep("cname-gone.example.com", "TXT", '"heritage=external-dns,external-dns/owner=me"'),
    )
    current = {r.dns_name: r for r in registry.records()}
    new = current["app.example.com"].with_labels(resource="service/default/web")
    registry.apply_changes(Changes(update_old=(current["app.example.com"],), update_new=(new,)))
    registry.apply_changes(Changes(delete=(current["gone.example.com"],)))
    assert {(r.dns_name, r.targets) for r in provider.records()} == {
        ("app.example.com", ("20.1.2.3",)),
        (
            "a-app.example.com",
            ('"heritage=external-dns,external-dns/owner=me,external-dns/resource=service/default/web"',),
        ),
    }


def test_updates_and_deletes_of_unowned_records_never_reach_the_provider():
    provider, registry = seeded(ep("manual.example.com", "A", "10.0.0.1"))
    manual = registry.records()[0]
    registry.apply_changes(Changes(delete=(manual,)))
    moved = Endpoint("manual.example.com", "A", ("10.9.9.9",), labels={"owner": ""})  # as the planner inherits it
    registry.apply_changes(Changes(update_old=(manual,), update_new=(moved,)))
    assert provider.records() == [Endpoint("manual.example.com", "A", ("10.0.0.1",))]


def test_full_sync_with_nothing_desired_deletes_only_our_records():
    provider, registry = seeded(
        ep("app.example.com", "A", "20.1.2.3"),
        ep("a-app.example.com", "TXT", OWNED_VALUE),
        ep("manual.example.com", "A", "10.0.0.1"),
        ep("theirs.example.com", "A", "10.0.0.2"),
        ep("a-theirs.example.com", "TXT", '"heritage=external-dns,external-dns/owner=other"'),
        ep("example.com", "TXT", '"v=spf1 -all"'),
    )
    registry.apply_changes(calculate(registry.records(), [], sync, owner_id="me"))
    assert sorted(r.dns_name for r in provider.records()) == [
        "a-theirs.example.com",
        "example.com",
        "manual.example.com",
        "theirs.example.com",
    ]


def test_prefix_registry_round_trip():
    provider = InMemoryProvider(["example.com"])
    registry = TxtRegistry(provider, "me", prefix="externaldns-")
    registry.records()
    registry.apply_changes(Changes(create=(ep("www.example.com", "CNAME", "lb.example.net", resource=SVC),)))
    assert "externaldns-cname-www.example.com" in {r.dns_name for r in provider.records()}
    assert [r.labels for r in registry.records()] == [{"owner": "me", "resource": SVC}]
    assert TxtRegistry(provider, "me").records()[0].labels == {}  # another prefix sees no ownership


def test_constructor_validation():
    provider = InMemoryProvider()
    with pytest.raises(ConfigError, match="owner id cannot be empty"):
        TxtRegistry(provider, "")
    with pytest.raises(ConfigError, match="mutual exclusive"):
        TxtRegistry(provider, "me", prefix="p-", suffix="-s")
