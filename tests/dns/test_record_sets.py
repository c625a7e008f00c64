"""DNS record sets through azure-mgmt-dns: every record type with Azure's wire casing, PATCH merge, the three
list operations with $top, $recordsetnamesuffix and nextLink paging, etags, the SOA and apex NS rules, CNAME
exclusivity, Azure's limits and name rules, and the error for each kind of bad input."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.dns import DnsManagementClient

from podid.sandbox import Endpoints
from tests.dns.conftest import zone_path

RECORDS: list[tuple[str, dict[str, Any], str, list[dict[str, Any]] | dict[str, Any]]] = [
    ("A", {"a_records": [{"ipv4_address": "10.1.2.3"}]}, "ARecords", [{"ipv4Address": "10.1.2.3"}]),
    ("AAAA", {"aaaa_records": [{"ipv6_address": "2001:db8::1"}]}, "AAAARecords", [{"ipv6Address": "2001:db8::1"}]),
    ("CNAME", {"cname_record": {"cname": "app.example.net"}}, "CNAMERecord", {"cname": "app.example.net"}),
    (
        "MX",
        {"mx_records": [{"preference": 10, "exchange": "mail.example.com"}]},
        "MXRecords",
        [{"preference": 10, "exchange": "mail.example.com"}],
    ),
    ("NS", {"ns_records": [{"nsdname": "ns1.child.example"}]}, "NSRecords", [{"nsdname": "ns1.child.example"}]),
    ("PTR", {"ptr_records": [{"ptrdname": "host.example.com"}]}, "PTRRecords", [{"ptrdname": "host.example.com"}]),
    (
        "SRV",
        {"srv_records": [{"priority": 10, "weight": 5, "port": 443, "target": "svc.example.com"}]},
        "SRVRecords",
        [{"priority": 10, "weight": 5, "port": 443, "target": "svc.example.com"}],
    ),
    ("TXT", {"txt_records": [{"value": ["v=spf1 -all"]}]}, "TXTRecords", [{"value": ["v=spf1 -all"]}]),
    (
        "CAA",
        {"caa_records": [{"flags": 0, "tag": "issue", "value": "letsencrypt.org"}]},
        "caaRecords",
        [{"flags": 0, "tag": "issue", "value": "letsencrypt.org"}],
    ),
]


@pytest.mark.parametrize(("record_type", "sdk_body", "wire_key", "wire_value"), RECORDS)
def test_record_set_lifecycle_per_type(
    dns_client: DnsManagementClient,
    arm: Callable[..., requests.Response],
    endpoints: Endpoints,
    group: str,
    zone: str,
    record_type: str,
    sdk_body: dict[str, Any],
    wire_key: str,
    wire_value: object,
) -> None:
    created = dns_client.record_sets.create_or_update(
        group, zone, "rec", record_type, {"ttl": 300, "metadata": {"owner": "web"}, **sdk_body}
    )
    assert created.id.endswith(f"/dnszones/{zone}/{record_type}/rec")
    assert (created.type, created.fqdn, created.ttl) == (
        f"Microsoft.Network/dnszones/{record_type}",
        f"rec.{zone}.",
        300,
    )
    assert created.metadata == {"owner": "web"} and created.provisioning_state == "Succeeded"

    wire = arm("GET", f"{zone_path(endpoints, group, zone)}/{record_type}/rec").json()
    assert wire["properties"][wire_key] == wire_value
    assert wire["properties"]["TTL"] == 300 and wire["etag"] == created.etag

    dns_client.record_sets.delete(group, zone, "rec", record_type)
    with pytest.raises(ResourceNotFoundError) as raised:
        dns_client.record_sets.get(group, zone, "rec", record_type)
    assert raised.value.error.code == "NotFound"
    assert raised.value.error.message == (
        f"The resource record 'rec' does not exist in resource group '{group}' of subscription "
        f"'{endpoints.subscription_id}'."
    )
    # Azure DNS's own errors are bare (Azure/azure-cli#27374); the SDK reads both forms
    assert raised.value.response.json() == {"code": "NotFound", "message": raised.value.error.message}


def test_put_replaces_and_patch_merges(dns_client: DnsManagementClient, group: str, zone: str) -> None:
    first = dns_client.record_sets.create_or_update(
        group, zone, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.1"}]}
    )
    assert dns_client.record_sets.get(group, zone, "WWW", "a").etag == first.etag
    patched = dns_client.record_sets.update(group, zone, "www", "A", {"metadata": {"k": "v"}})
    assert patched.ttl == 60 and [r.ipv4_address for r in patched.a_records] == ["10.0.0.1"]
    assert patched.metadata == {"k": "v"} and patched.etag != first.etag
    replaced = dns_client.record_sets.create_or_update(group, zone, "www", "A", {"ttl": 120, "a_records": []})
    assert replaced.ttl == 120 and replaced.a_records == [] and replaced.metadata is None


def test_lists_with_type_suffix_and_paging(
    dns_client: DnsManagementClient, arm: Callable[..., requests.Response], endpoints: Endpoints, group: str, zone: str
) -> None:
    for index in range(7):
        dns_client.record_sets.create_or_update(
            group, zone, f"h{index}.web", "A", {"ttl": 60, "a_records": [{"ipv4_address": f"10.0.0.{index}"}]}
        )
    dns_client.record_sets.create_or_update(
        group, zone, "h0.web", "TXT", {"ttl": 60, "txt_records": [{"value": ["x"]}]}
    )
    dns_client.record_sets.create_or_update(group, zone, "other", "A", {"ttl": 60, "a_records": []})

    by_type = [item.name for item in dns_client.record_sets.list_by_type(group, zone, "A", top=3)]
    assert by_type == [f"h{index}.web" for index in range(7)] + ["other"]
    everything = {
        (item.name, item.type.rsplit("/", 1)[1]) for item in dns_client.record_sets.list_by_dns_zone(group, zone, top=2)
    }
    assert {("@", "NS"), ("@", "SOA"), ("h0.web", "TXT"), ("other", "A")} <= everything and len(everything) == 11
    suffixed = dns_client.record_sets.list_all_by_dns_zone(group, zone, record_set_name_suffix="web")
    assert sorted(item.name for item in suffixed) == sorted([f"h{index}.web" for index in range(7)] + ["h0.web"])

    page = arm("GET", f"{zone_path(endpoints, group, zone)}/all", params={"$top": "4"}).json()
    assert len(page["value"]) == 4
    assert parse_qs(urlsplit(page["nextLink"]).query)["$skipToken"] == ["4"]
    assert dns_client.zones.get(group, zone).number_of_record_sets == 11


def test_record_set_etags(dns_client: DnsManagementClient, group: str, zone: str) -> None:
    created = dns_client.record_sets.create_or_update(
        group, zone, "e", "TXT", {"ttl": 60, "txt_records": [{"value": ["1"]}]}, if_none_match="*"
    )
    for call in (
        lambda: dns_client.record_sets.create_or_update(group, zone, "e", "TXT", {"ttl": 60}, if_none_match="*"),
        lambda: dns_client.record_sets.create_or_update(group, zone, "e", "TXT", {"ttl": 60}, if_match="stale"),
        lambda: dns_client.record_sets.update(group, zone, "e", "TXT", {"ttl": 5}, if_match="stale"),
        lambda: dns_client.record_sets.delete(group, zone, "e", "TXT", if_match="stale"),
        lambda: dns_client.record_sets.create_or_update(group, zone, "new", "TXT", {"ttl": 60}, if_match="*"),
    ):
        with pytest.raises(HttpResponseError) as raised:
            call()
        assert (raised.value.status_code, raised.value.error.code) == (412, "PreconditionFailed")
    updated = dns_client.record_sets.update(group, zone, "e", "TXT", {"ttl": 5}, if_match=created.etag)
    dns_client.record_sets.delete(group, zone, "e", "TXT", if_match=updated.etag)


def test_soa_and_apex_ns_rules(
    dns_client: DnsManagementClient, arm: Callable[..., requests.Response], endpoints: Endpoints, group: str, zone: str
) -> None:
    soa = dns_client.record_sets.get(group, zone, "@", "SOA").soa_record
    soa.minimum_ttl, soa.host = 60, "attacker.example.com"
    updated = dns_client.record_sets.create_or_update(group, zone, "@", "SOA", {"ttl": 3600, "soa_record": soa})
    assert updated.soa_record.minimum_ttl == 60 and updated.soa_record.host.startswith("ns1-")

    path = zone_path(endpoints, group, zone)
    for method, url in (
        ("PUT", f"{path}/SOA/other"),
        ("DELETE", f"{path}/SOA/@"),
        ("DELETE", f"{path}/NS/@"),
        ("PUT", f"{path}/NS/*.wild"),
    ):
        response = arm(method, url, json={"properties": {"TTL": 60}})
        assert (response.status_code, response.json()["code"]) == (400, "BadRequest"), (method, url)
    assert arm("DELETE", f"{path}/A/absent").status_code == 204


def test_cname_exclusivity(dns_client: DnsManagementClient, group: str, zone: str) -> None:
    dns_client.record_sets.create_or_update(group, zone, "both", "TXT", {"ttl": 60, "txt_records": [{"value": ["t"]}]})
    cases = [
        ("both", "CNAME", {"cname_record": {"cname": "x.example.net"}}, "The CNAME record could not be created"),
        ("@", "CNAME", {"cname_record": {"cname": "x.example.net"}}, "The CNAME record could not be created"),
    ]
    dns_client.record_sets.create_or_update(
        group, zone, "alias", "CNAME", {"ttl": 60, "cname_record": {"cname": "t.net"}}
    )
    cases.append(("alias", "A", {"a_records": [{"ipv4_address": "10.0.0.1"}]}, "The record could not be created"))
    for name, record_type, body, message in cases:
        with pytest.raises(HttpResponseError) as raised:
            dns_client.record_sets.create_or_update(group, zone, name, record_type, {"ttl": 60, **body})
        assert (raised.value.status_code, raised.value.error.code) == (409, "Conflict")
        assert raised.value.error.message.startswith(message)
    replaced = dns_client.record_sets.create_or_update(
        group, zone, "alias", "CNAME", {"ttl": 5, "cname_record": {"cname": "u.net"}}
    )
    assert replaced.cname_record.cname == "u.net"


@pytest.mark.parametrize(
    ("name", "record_type", "properties", "message"),
    [
        ("big", "A", {"TTL": 60, "ARecords": [{"ipv4Address": f"10.0.0.{i}"} for i in range(21)]}, "cannot exceed 20"),
        ("ttl", "A", {"TTL": -1}, None),
        ("ttl", "A", {"TTL": 2_147_483_648}, None),
        ("ttl", "A", {"TTL": "sixty"}, None),
        ("txt", "TXT", {"TTL": 60, "TXTRecords": [{"value": ["x" * 256]}]}, None),
        ("txt", "TXT", {"TTL": 60, "TXTRecords": [{"value": ["x" * 250]} for _ in range(17)]}, None),
        (
            "dup",
            "TXT",
            {"TTL": 60, "TXTRecords": [{"value": ["same"]}, {"value": ["same"]}]},
            "The list of record sets of type 'TXT' may not contain multiple entries with the same 'value'.",
        ),
        ("ip", "A", {"TTL": 60, "ARecords": [{"ipv4Address": "10.0.0.256"}]}, None),
        ("ip", "AAAA", {"TTL": 60, "AAAARecords": [{"ipv6Address": "10.0.0.1"}]}, None),
        ("cn", "CNAME", {"TTL": 60, "CNAMERecord": {"cname": '"quoted.example.com"'}}, None),
        ("mx", "MX", {"TTL": 60, "MXRecords": [{"preference": 70000, "exchange": "m.example.com"}]}, None),
        ("mixed", "A", {"TTL": 60, "TXTRecords": [{"value": ["x"]}]}, None),
        ("a" * 64, "A", {"TTL": 60}, None),
        ("bad name", "A", {"TTL": 60}, None),
        ("x.*", "A", {"TTL": 60}, None),
        (".".join(["abcdefghij"] * 23), "A", {"TTL": 60}, None),
    ],
)
def test_bad_record_set_input(
    arm: Callable[..., requests.Response],
    endpoints: Endpoints,
    group: str,
    zone: str,
    name: str,
    record_type: str,
    properties: dict[str, Any],
    message: str | None,
) -> None:
    response = arm("PUT", f"{zone_path(endpoints, group, zone)}/{record_type}/{name}", json={"properties": properties})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "BadRequest"  # Azure DNS's own errors carry no "error" wrapper
    if message is not None:
        assert message in response.json()["message"]


def test_unknown_type_missing_zone_and_malformed_body(
    dns_client: DnsManagementClient, arm: Callable[..., requests.Response], endpoints: Endpoints, group: str, zone: str
) -> None:
    path = zone_path(endpoints, group, zone)
    for method, url in (("PUT", f"{path}/SPF/www"), ("GET", f"{path}/BOGUS"), ("DELETE", f"{path}/DS/www")):
        response = arm(method, url, json={})
        assert (response.status_code, response.json()["error"]["code"]) == (400, "InvalidResourceType")
    response = arm("PUT", f"{path}/A/www", data=b"{not json", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "InvalidRequestContent")
    with pytest.raises(ResourceNotFoundError) as raised:
        dns_client.record_sets.create_or_update(group, f"missing.{zone}", "www", "A", {"ttl": 60})
    assert raised.value.error.code == "ParentResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as raised:
        list(dns_client.record_sets.list_all_by_dns_zone(group, f"missing.{zone}"))
    assert raised.value.error.code == "ParentResourceNotFound"
    assert set(raised.value.response.json()) == {"error"}  # ARM's own errors keep the wrapper


def test_wildcards_and_underscores_are_valid_names(dns_client: DnsManagementClient, group: str, zone: str) -> None:
    for name in ("*", "*.apps", "_acme-challenge", "externaldns-a-hello"):
        created = dns_client.record_sets.create_or_update(
            group, zone, name, "TXT", {"ttl": 60, "txt_records": [{"value": ["v"]}]}
        )
        assert created.fqdn == f"{name}.{zone}."


@pytest.mark.slow
def test_record_sets_per_zone_limit(
    dns_client: DnsManagementClient, arm: Callable[..., requests.Response], endpoints: Endpoints, group: str, zone: str
) -> None:
    """Fill a zone to 10,000 record sets (NS and SOA included), then one more is refused."""
    path = zone_path(endpoints, group, zone)

    def put(index: int) -> int:
        return arm("PUT", f"{path}/A/n{index}", json={"properties": {"TTL": 60}}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(put, range(9998))) == {201}
    assert dns_client.zones.get(group, zone).number_of_record_sets == 10000
    response = arm("PUT", f"{path}/A/one-too-many", json={"properties": {"TTL": 60}})
    assert (response.status_code, response.json()["code"]) == (400, "BadRequest")
    assert arm("PUT", f"{path}/A/n1", json={"properties": {"TTL": 30}}).status_code == 200
