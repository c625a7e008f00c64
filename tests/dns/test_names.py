"""Azure DNS name rules as pure functions: domain names in record data, zone names (two labels at least),
relative record-set names (apex, wildcards, underscores, label and total lengths), TTLs and record parsing."""

from __future__ import annotations

import pytest

from podid.sandbox.arm.dns.errors import InvalidDomainName, InvalidRecordSet, ZoneNameTooShort
from podid.sandbox.arm.dns.records import (
    canonical_type,
    is_domain_name,
    parse_records,
    validate_relative_name,
    validate_ttl,
    validate_zone_name,
)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("example.com", True),
        ("example.com.", True),
        ("_sip._tcp.example.com", True),
        ("a", True),
        ("", False),
        (".", False),
        ("a..b", False),
        ('"quoted.example.com"', False),
        ("a" * 63 + ".com", True),
        ("a" * 64 + ".com", False),
        (".".join(["a" * 63] * 4), False),  # 255 characters
        ("bad name.com", False),
    ],
)
def test_domain_names(name: str, valid: bool) -> None:
    assert is_domain_name(name) is valid


def test_zone_names() -> None:
    validate_zone_name("example.com")
    with pytest.raises(ZoneNameTooShort):
        validate_zone_name("com")
    for bad in ("example.com.", "exa mple.com", "a" * 64 + ".com"):
        with pytest.raises(InvalidDomainName):
            validate_zone_name(bad)


@pytest.mark.parametrize("name", ["@", "www", "*", "*.apps", "_acme-challenge", "a.b.c", "externaldns-a-hello"])
def test_valid_relative_names(name: str) -> None:
    validate_relative_name(name, "example.com", "A")


@pytest.mark.parametrize(
    ("name", "record_type"),
    [("x.*", "A"), ("a..b", "A"), ("sp ace", "A"), ("a" * 64, "A"), ("*", "NS"), ("www", "SOA"), ("a%b", "TXT")],
)
def test_invalid_relative_names(name: str, record_type: str) -> None:
    with pytest.raises(InvalidRecordSet):
        validate_relative_name(name, "example.com", record_type)


def test_fqdn_length_counts_the_zone() -> None:
    label = "a" * 60
    validate_relative_name(".".join([label] * 3), "example.com", "A")  # 183 + 12 characters
    with pytest.raises(InvalidDomainName):
        validate_relative_name(".".join([label] * 4), "example.com", "A")  # 244 + 12 > 253


def test_types_and_ttls() -> None:
    assert canonical_type("cname") == "CNAME" and canonical_type("SPF") is None
    assert validate_ttl(0) == 0 and validate_ttl(2_147_483_647) == 2_147_483_647
    for bad in (-1, 2_147_483_648, True, 1.5, "60"):
        with pytest.raises(InvalidRecordSet):
            validate_ttl(bad)


def test_parse_records_accepts_any_property_casing_and_rejects_other_types() -> None:
    assert parse_records("A", {"arecords": [{"IPV4ADDRESS": "10.0.0.1"}]}) == [{"ipv4Address": "10.0.0.1"}]
    assert parse_records("A", {"TTL": 5}) is None
    assert parse_records("SOA", {"SOARecord": {"minimumTTL": 60}}, partial=True) == [{"minimumTTL": 60}]
    with pytest.raises(InvalidRecordSet):
        parse_records("A", {"TXTRecords": [{"value": ["x"]}]})
    with pytest.raises(InvalidRecordSet):
        parse_records("MX", {"MXRecords": [{"preference": 1}]})  # exchange missing
    with pytest.raises(InvalidRecordSet):
        parse_records("CAA", {"caaRecords": [{"flags": 256, "tag": "issue", "value": "x"}]})
