"""The Azure provider against a small fake behind the ZonesApi/RecordSetsApi Protocols (async, as
azure.mgmt.dns.aio's operation groups are).

The fake speaks the SDK's own types: record sets are deserialised from ARM wire JSON, PUT bodies are recorded
as the SDK would serialise them, and failures are the SDK's HttpResponseError built on a real HTTP response.

Covers: zones of one resource group filtered by the domain filter; record sets -> Endpoints (A, AAAA, CNAME,
MX, NS, TXT value[0], `@`, TTL; SOA/SRV dropped); deletes before upserts, one call per record set, also with
writes in flight concurrently, falling back to one at a time once throttled; PUT bodies (TTL 300 default, CNAME
first target, TXT value); names in no zone ignored once; dry-run; a 403 on a write is logged and the batch goes
on; 429 with Retry-After ends the batch with a SoftError; every zone-list failure is soft (the 403 worded as
azcore for Go prints it); record-list failures by status; the worked example end to end through controller and
TXT registry.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from http import HTTPStatus

import pytest
import requests
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
)
from azure.core.pipeline.transport import HttpRequest, RequestsTransportResponse
from azure.mgmt.core.exceptions import ARMErrorFormat
from azure.mgmt.dns.models import RecordSet, Zone

from podid.workloads.externaldns.controller import Controller
from podid.workloads.externaldns.domain_filter import DomainFilter
from podid.workloads.externaldns.errors import ForbiddenError, PermanentError, SoftError
from podid.workloads.externaldns.plan import Changes
from podid.workloads.externaldns.policy import sync
from podid.workloads.externaldns.provider.azure import AzureProvider
from podid.workloads.externaldns.registry import TxtRegistry
from podid.workloads.externaldns.source import KubernetesSource

from .fakes import LEGACY, Lister, ep, service

RG = "dns-rg"
DENIED = (
    "The client 'c1' with object id 'o1' does not have authorization to perform action "
    "'Microsoft.Network/dnsZones/A/write' over scope '/subscriptions/s/resourceGroups/dns-rg/providers/"
    "Microsoft.Network/dnsZones/example.com/A/app' or the scope is invalid."
)


ZONE_URL = f"https://management.azure.com/subscriptions/s/resourceGroups/{RG}/providers/Microsoft.Network/dnsZones"


def http_error(
    status: int,
    code: str,
    message: str,
    method: str = "PUT",
    url: str = ZONE_URL + "/example.com/A/app",
    **headers: str,
) -> HttpResponseError:
    """The exception azure-mgmt-dns raises for an ARM error response."""
    response = requests.Response()
    response.status_code = status
    response.reason = HTTPStatus(status).phrase
    response.headers.update({"Content-Type": "application/json", **headers})
    response._content = json.dumps({"error": {"code": code, "message": message}}).encode()
    http_response = RequestsTransportResponse(HttpRequest(method, url + "?api-version=2018-05-01"), response)
    if status == 401:
        return ClientAuthenticationError(response=http_response, error_format=ARMErrorFormat)
    return HttpResponseError(response=http_response, error_format=ARMErrorFormat)


class FakeDns:
    """Zones and record sets of one resource group; both operation groups in one object."""

    def __init__(self, zones: tuple[str, ...] = ("example.com",)) -> None:
        self.zones = list(zones)
        self.record_sets: dict[tuple[str, str, str], dict] = {}
        self.calls: list[tuple] = []
        self._failures: list[tuple[str | None, Exception]] = []

    def fail_next(self, error: Exception, call: str | None = None) -> None:
        """Make the next call (or the next call of kind `call`, e.g. "PUT") raise `error`."""
        self._failures.append((call, error))

    def _call(self, *call) -> None:
        self.calls.append(call)
        failure = self._failures.pop(0)[1] if self._failures and self._failures[0][0] in (None, call[0]) else None
        if failure is not None:
            raise failure

    def add(self, zone: str, name: str, record_type: str, properties: dict) -> None:
        self.record_sets[zone, name, record_type] = {
            "name": name,
            "type": f"Microsoft.Network/dnszones/{record_type}",
            "properties": properties,
        }

    async def list_by_resource_group(self, resource_group_name: str) -> AsyncIterator[Zone]:
        self._call("list zones", resource_group_name)
        for name in self.zones:
            yield Zone.deserialize({"name": name, "location": "global", "id": f"/zones/{name}"})

    async def list_all_by_dns_zone(self, resource_group_name: str, zone_name: str) -> AsyncIterator[RecordSet]:
        self._call("list", zone_name)
        for (zone, _, _), wire in self.record_sets.items():
            if zone == zone_name:
                yield RecordSet.deserialize(wire)

    async def create_or_update(self, resource_group_name, zone_name, relative_record_set_name, record_type, parameters):
        body = parameters.serialize()
        await asyncio.sleep(0)  # in flight: the other writes go on meanwhile
        self._call("PUT", zone_name, relative_record_set_name, record_type, body)
        self.add(zone_name, relative_record_set_name, record_type, body["properties"])
        return parameters

    async def delete(self, resource_group_name, zone_name, relative_record_set_name, record_type) -> None:
        await asyncio.sleep(0)
        self._call("DELETE", zone_name, relative_record_set_name, record_type)
        self.record_sets.pop((zone_name, relative_record_set_name, record_type), None)


def provider(dns: FakeDns, **kwargs) -> AzureProvider:
    return AzureProvider(dns, dns, RG, **kwargs)


def writes(dns: FakeDns) -> list[tuple]:
    return [call for call in dns.calls if call[0] in ("PUT", "DELETE")]


def put(zone: str, name: str, record_type: str, ttl: int = 300, **records) -> tuple:
    """A recorded PUT: the full-replace body as azure-mgmt-dns serialises it."""
    return ("PUT", zone, name, record_type, {"properties": {"TTL": ttl, **records}})


def test_record_sets_become_endpoints():
    dns = FakeDns(("example.com", "other.org"))
    dns.add("example.com", "@", "SOA", {"TTL": 3600, "SOARecord": {"host": "ns1", "email": "x"}})
    dns.add("example.com", "@", "NS", {"TTL": 172800, "NSRecords": [{"nsdname": "ns1-01.azure-dns.com."}]})
    dns.add("example.com", "app", "A", {"TTL": 300, "ARecords": [{"ipv4Address": "20.1.2.3"}]})
    dns.add("example.com", "app", "AAAA", {"TTL": 60, "AAAARecords": [{"ipv6Address": "2001:db8::1"}]})
    dns.add("example.com", "www", "CNAME", {"TTL": 300, "CNAMERecord": {"cname": "app.example.com."}})
    dns.add("example.com", "@", "MX", {"TTL": 300, "MXRecords": [{"preference": 10, "exchange": "mx.example.com"}]})
    dns.add("example.com", "a-app", "TXT", {"TTL": 300, "TXTRecords": [{"value": ['"v1"', "v2"]}, {"value": ["v3"]}]})
    dns.add("example.com", "_sip._tcp", "SRV", {"TTL": 300, "SRVRecords": [{"priority": 1, "target": "x"}]})
    dns.add("other.org", "app", "A", {"TTL": 300, "ARecords": [{"ipv4Address": "9.9.9.9"}]})
    records = provider(dns, domain_filter=DomainFilter.of(["example.com"])).records()
    assert records == [
        ep("example.com", "NS", "ns1-01.azure-dns.com", ttl=172800),
        ep("app.example.com", "A", "20.1.2.3", ttl=300),
        ep("app.example.com", "AAAA", "2001:db8::1", ttl=60),
        ep("www.example.com", "CNAME", "app.example.com", ttl=300),
        ep("example.com", "MX", "10 mx.example.com", ttl=300),
        ep("a-app.example.com", "TXT", '"v1"', ttl=300),
    ]
    assert ("list", "other.org") not in dns.calls


def test_deletes_first_then_one_put_per_record_set():
    dns = FakeDns(("example.com", "sub.example.com"))
    dns.add("example.com", "old", "A", {"TTL": 300, "ARecords": [{"ipv4Address": "1.1.1.1"}]})
    provider(dns).apply_changes(
        Changes(
            create=(
                ep("example.com", "A", "20.1.2.3", "20.1.2.4"),
                ep("www.sub.example.com", "CNAME", "a.example.net", "b.example.net", ttl=60),
                ep("a-www.example.com", "TXT", '"heritage=external-dns,external-dns/owner=default"'),
            ),
            update_old=(ep("moved.example.com", "AAAA", "2001:db8::1"),),
            update_new=(ep("moved.example.com", "AAAA", "2001:db8::2"),),
            delete=(ep("old.example.com", "A", "1.1.1.1"),),
        )
    )
    assert writes(dns) == [
        ("DELETE", "example.com", "old", "A"),
        put("example.com", "@", "A", ARecords=[{"ipv4Address": "20.1.2.3"}, {"ipv4Address": "20.1.2.4"}]),
        put("sub.example.com", "www", "CNAME", ttl=60, CNAMERecord={"cname": "a.example.net"}),
        put(
            "example.com",
            "a-www",
            "TXT",
            TXTRecords=[{"value": ['"heritage=external-dns,external-dns/owner=default"']}],
        ),
        put("example.com", "moved", "AAAA", AAAARecords=[{"ipv6Address": "2001:db8::2"}]),
    ]


def test_changes_outside_every_zone_or_the_domain_filter_are_skipped(caplog):
    dns = FakeDns(("example.com", "other.org"))
    outside = ep("app.elsewhere.net", "A", "1.1.1.1")
    apex_txt = ep("a-example.com", "TXT", '"heritage=external-dns"')  # the apex record's TXT lies outside the zone
    filtered = ep("app.other.org", "A", "2.2.2.2")
    with caplog.at_level(logging.INFO):
        provider(dns, domain_filter=DomainFilter.of(["example.com", "other.org"], ["app.other.org"])).apply_changes(
            Changes(create=(outside, apex_txt, filtered), update_new=(outside,), delete=(filtered,))
        )
    assert writes(dns) == []
    assert caplog.messages == [
        "Ignoring changes to 'app.elsewhere.net' because a suitable Azure DNS zone was not found.",
        "Ignoring changes to 'a-example.com' because a suitable Azure DNS zone was not found.",
    ]


def test_dry_run_writes_nothing_and_says_what_it_would_do(caplog):
    dns = FakeDns()
    with caplog.at_level(logging.INFO):
        provider(dns, dry_run=True).apply_changes(
            Changes(create=(ep("app.example.com", "A", "1.1.1.1"),), delete=(ep("old.example.com", "A", "2.2.2.2"),))
        )
    assert writes(dns) == []
    assert caplog.messages == [
        "Would delete A record named 'old' for Azure DNS zone 'example.com'.",
        "Would update A record named 'app' to '1.1.1.1' for Azure DNS zone 'example.com'.",
    ]


def test_forbidden_write_is_logged_and_the_batch_goes_on(caplog):
    dns = FakeDns()
    dns.fail_next(http_error(403, "AuthorizationFailed", DENIED), call="PUT")
    changes = Changes(create=(ep("app.example.com", "A", "20.1.2.3"), ep("a-app.example.com", "TXT", '"x"')))
    with caplog.at_level(logging.ERROR):
        provider(dns).apply_changes(changes)
    assert [call[2] for call in writes(dns)] == ["app", "a-app"]
    [message] = caplog.messages
    assert message.startswith(
        "Failed to update A record named 'app' to '20.1.2.3' for DNS zone 'example.com': "
        f"PUT {ZONE_URL}/example.com/A/app\n"
    )
    assert "ERROR CODE: AuthorizationFailed\n" in message
    assert DENIED in message


def test_throttled_write_ends_the_batch_with_a_soft_error():
    dns = FakeDns()
    dns.fail_next(http_error(429, "TooManyRequests", "Too many requests", **{"Retry-After": "10"}), call="PUT")
    changes = Changes(create=(ep("a.example.com", "A", "1.1.1.1"), ep("b.example.com", "A", "2.2.2.2")))
    with pytest.raises(SoftError) as raised:
        provider(dns).apply_changes(changes)
    assert (raised.value.status, raised.value.code, raised.value.retry_after) == (429, "TooManyRequests", 10.0)
    assert [call[2] for call in writes(dns)] == ["a"]


def many_changes(count: int) -> Changes:
    return Changes(
        create=tuple(ep(f"new{i}.example.com", "A", f"10.0.0.{i}") for i in range(count)),
        delete=tuple(ep(f"old{i}.example.com", "A", "1.1.1.1") for i in range(count)),
    )


def with_old_records(count: int) -> FakeDns:
    dns = FakeDns()
    for i in range(count):
        dns.add("example.com", f"old{i}", "A", {"TTL": 300, "ARecords": [{"ipv4Address": "1.1.1.1"}]})
    return dns


def test_concurrent_writes_still_delete_everything_before_any_put():
    dns = with_old_records(12)
    provider(dns, write_concurrency=4).apply_changes(many_changes(12))
    kinds = [call[0] for call in writes(dns)]
    assert kinds == ["DELETE"] * 12 + ["PUT"] * 12
    assert sorted(name for (_, name, _) in dns.record_sets) == sorted(f"new{i}" for i in range(12))


def test_throttled_concurrent_write_is_retried_one_at_a_time_without_failing():
    dns = with_old_records(8)
    dns.fail_next(http_error(429, "TooManyRequests", "Too many requests", **{"Retry-After": "1"}), call="PUT")
    provider(dns, write_concurrency=4).apply_changes(many_changes(8))
    assert sorted(name for (_, name, _) in dns.record_sets) == sorted(f"new{i}" for i in range(8))
    assert [call[0] for call in writes(dns)].count("PUT") == 9


def test_throttled_again_when_one_at_a_time_ends_the_batch():
    dns = with_old_records(6)
    for _ in range(12):
        dns.fail_next(http_error(429, "TooManyRequests", "Too many requests", **{"Retry-After": "1"}), call="PUT")
    with pytest.raises(SoftError):
        provider(dns, write_concurrency=4).apply_changes(many_changes(6))


DENIED_LIST = DENIED.replace("dnsZones/A/write", "dnsZones/read")


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (http_error(403, "AuthorizationFailed", DENIED_LIST, "GET", ZONE_URL), 403, "AuthorizationFailed"),
        (http_error(401, "InvalidAuthenticationToken", "expired", "GET", ZONE_URL), 401, "InvalidAuthenticationToken"),
        (http_error(404, "ResourceGroupNotFound", "no rg", "GET", ZONE_URL), 404, "ResourceGroupNotFound"),
        (http_error(429, "Throttled", "slow down", "GET", ZONE_URL), 429, "Throttled"),
        (ClientAuthenticationError("ManagedIdentityCredential authentication unavailable"), None, None),
    ],
)
def test_every_zone_list_failure_is_soft_so_the_pod_keeps_retrying(failure, status, code):
    dns = FakeDns()
    dns.fail_next(failure)
    with pytest.raises(SoftError) as raised:
        provider(dns).records()
    assert (raised.value.status, raised.value.code) == (status, code)


def test_zone_list_403_reads_as_external_dns_logs_it():
    dns = FakeDns()
    dns.fail_next(http_error(403, "AuthorizationFailed", DENIED_LIST, "GET", ZONE_URL))
    with pytest.raises(SoftError) as raised:
        provider(dns).records()
    assert str(raised.value).startswith(f"GET {ZONE_URL}\n{'-' * 80}\nRESPONSE 403: 403 Forbidden\n")
    assert f'"message": "{DENIED_LIST}"' in str(raised.value)


@pytest.mark.parametrize(
    ("failure", "error", "status"),
    [
        (http_error(403, "AuthorizationFailed", DENIED), ForbiddenError, 403),
        (http_error(401, "InvalidAuthenticationToken", "expired"), ForbiddenError, 401),
        (http_error(429, "Throttled", "slow down"), SoftError, 429),
        (http_error(503, "ServiceUnavailable", "busy"), SoftError, 503),
        (http_error(404, "ResourceNotFound", "no zone"), PermanentError, 404),
        (ServiceRequestError("Connection timed out"), SoftError, None),
        (ClientAuthenticationError("ManagedIdentityCredential authentication unavailable"), ForbiddenError, None),
    ],
)
def test_record_list_failures_by_status(failure, error, status):
    dns = FakeDns()
    dns.fail_next(failure, call="list")
    with pytest.raises(error) as raised:
        provider(dns).records()
    assert type(raised.value) is error
    assert raised.value.status == status


def test_worked_example_through_controller_and_registry():
    dns = FakeDns()
    lister = Lister([service("nginx", {LEGACY + "hostname": "app.example.com"}, ips=("20.1.2.3",))])
    ctl = Controller(KubernetesSource(lister, ["service"], LEGACY), TxtRegistry(provider(dns), "default"), sync)
    ctl.run_once()
    value = '"heritage=external-dns,external-dns/owner=default,external-dns/resource=service/default/nginx"'
    assert writes(dns) == [
        put("example.com", "app", "A", ARecords=[{"ipv4Address": "20.1.2.3"}]),
        put("example.com", "a-app", "TXT", TXTRecords=[{"value": [value]}]),
    ]
    assert not ctl.run_once().has_changes()

    dns.calls.clear()
    lister.services.clear()
    ctl.run_once()
    assert writes(dns) == [("DELETE", "example.com", "app", "A"), ("DELETE", "example.com", "a-app", "TXT")]
    assert dns.record_sets == {}
