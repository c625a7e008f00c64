"""Endpoint values, TXT label (de)serialisation, target comparison, domain filters and Go durations.

Covers: the exact quoted TXT value with sorted keys; parsing it back; foreign values (no or other heritage)
raising InvalidHeritageError; target equality and ordering (IPs before names, numeric IP order); DomainFilter
include/exclude, leading-dot filters and zone selection; Go duration parsing.
"""

import pytest

from podid.workloads.externaldns.domain_filter import DomainFilter
from podid.workloads.externaldns.duration import parse_duration
from podid.workloads.externaldns.endpoint import (
    InvalidHeritageError,
    compare_targets,
    parse_labels,
    same_targets,
    serialize_labels,
    sorted_targets,
)

VALUE = '"heritage=external-dns,external-dns/owner=default,external-dns/resource=service/default/nginx"'


def test_labels_serialise_sorted_and_quoted():
    assert serialize_labels({"resource": "service/default/nginx", "owner": "default"}) == VALUE
    assert serialize_labels({}) == '"heritage=external-dns"'


def test_labels_parse_back():
    assert parse_labels(VALUE) == {"owner": "default", "resource": "service/default/nginx"}
    assert parse_labels(VALUE.strip('"')) == {"owner": "default", "resource": "service/default/nginx"}
    assert parse_labels('"heritage=external-dns,external-dns/owner=a,junk,x=y=z"') == {"owner": "a"}


@pytest.mark.parametrize("value", ['"v=spf1 -all"', '"heritage=mate,external-dns/owner=a"', "", "google-site=x"])
def test_foreign_txt_values(value):
    with pytest.raises(InvalidHeritageError, match="heritage is unknown or not found"):
        parse_labels(value)


def test_target_equality_and_order():
    assert same_targets(["B.example.com", "2001:DB8::1"], ["2001:db8:0::1", "b.example.com"])
    assert not same_targets(["1.1.1.1"], ["1.1.1.1", "2.2.2.2"])
    assert sorted_targets(["2.2.2.2", "1.1.1.1", "2.2.2.2"]) == ("1.1.1.1", "2.2.2.2")
    assert compare_targets(["9.9.9.9"], ["10.0.0.1"]) < 0
    assert compare_targets(["1.2.3.4"], ["1-2-3-4.example.com"]) < 0
    assert compare_targets(["a.example.com"], ["1.1.1.1", "2.2.2.2"]) < 0  # fewer targets first
    assert compare_targets(["10.0.0.1"], ["::1"]) < 0  # IPv4 before IPv6
    assert compare_targets(["b"], ["a"]) > 0
    assert compare_targets(["a"], ["a"]) == 0


@pytest.mark.parametrize(
    ("include", "exclude", "name", "matches"),
    [
        ([], [], "anything.org", True),
        (["example.com"], [], "example.com", True),
        (["example.com"], [], "app.example.com.", True),
        (["Example.COM."], [], "APP.example.com", True),
        (["example.com"], [], "badexample.com", False),
        ([".example.com"], [], "app.example.com", True),
        ([".example.com"], [], "example.com", False),
        (["app.example.com"], [], "example.com", False),  # so this filter does not select the zone example.com
        (["example.com"], ["internal.example.com"], "db.internal.example.com", False),
        (["example.com"], ["internal.example.com"], "www.example.com", True),
        ([], ["example.com"], "example.com", False),
        (["", " "], [], "anything.org", True),
    ],
)
def test_domain_filter(include, exclude, name, matches):
    assert DomainFilter.of(include, exclude).match(name) is matches


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1m", 60), ("5s", 5), ("1h30m", 5400), ("1.5h", 5400), ("300ms", 0.3), ("0", 0), ("-2s", -2), ("+1m", 60)],
)
def test_go_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "10", "1", "m", "1d", "1m x", "-", ".s", "1..5s"])
def test_bad_go_durations(text):
    with pytest.raises(ValueError, match="time: "):
        parse_duration(text)
