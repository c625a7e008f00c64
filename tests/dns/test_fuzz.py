"""Property-based fuzz of the DNS and resource-group routes: at least 2,000 raw requests with random methods,
names, record types, query parameters, precondition headers and bodies (random JSON, record-set-shaped JSON,
garbage bytes) as the operator; none may get a 5xx, and the sandbox keeps serving afterwards."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from podid.sandbox import Endpoints
from tests.conftest import ARM_SCOPE
from tests.dns.conftest import API

EXAMPLES = 2000
GROUP, ZONE = "fuzz-rg", "fuzz.example.internal"
TYPES = ["A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT"]
PROPERTIES = [
    "TTL",
    "metadata",
    "targetResource",
    "ARecords",
    "AAAARecords",
    "CNAMERecord",
    "MXRecords",
    "NSRecords",
    "PTRRecords",
    "SRVRecords",
    "TXTRecords",
    "caaRecords",
    "SOARecord",
]
FIELDS = ["ipv4Address", "ipv6Address", "cname", "preference", "exchange", "nsdname", "ptrdname", "priority"]
FIELDS += ["weight", "port", "target", "value", "flags", "tag", "host", "email", "serialNumber", "minimumTTL"]


@dataclass(frozen=True)
class FuzzRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes | None


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12).map(str.strip)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=6
)
records = st.lists(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4), max_size=25)
valid_records = st.sampled_from(
    [
        {"ARecords": [{"ipv4Address": "10.0.0.1"}]},
        {"TXTRecords": [{"value": ["v"]}]},
        {"CNAMERecord": {"cname": "target.example.net"}},
        {"MXRecords": [{"preference": 10, "exchange": "mail.example.net"}]},
        {"SOARecord": {"minimumTTL": 60}},
        {},
    ]
)
valid_record_bodies = st.builds(
    lambda ttl, records: {"properties": {"TTL": ttl, **records}}, st.integers(0, 2_147_483_647), valid_records
)
record_bodies = st.fixed_dictionaries(
    {"properties": st.dictionaries(st.sampled_from(PROPERTIES), records | json_values, max_size=4)},
    optional={"etag": json_values},
)
zone_bodies = st.fixed_dictionaries(
    {},
    optional={
        "location": st.sampled_from(["global", "Global", "westus2", "West US 2"]) | json_values,
        "tags": json_values,
        "properties": st.fixed_dictionaries({}, optional={"zoneType": json_values}) | json_values,
    },
)


def segment(values: list[str]) -> st.SearchStrategy[str]:
    """A path segment: a known value in random case, or random text (quoted so it stays one segment)."""
    known = st.sampled_from(values).flatmap(lambda value: st.sampled_from([value, value.lower(), value.swapcase()]))
    return known | text.map(lambda raw: quote(raw, safe="@*._-~") or "x")


@st.composite
def fuzz_requests(draw: st.DrawFn, subscription: str) -> FuzzRequest:
    sub = draw(st.sampled_from([subscription] * 9 + ["00000000-0000-0000-0000-000000000000"]))
    group = f"/subscriptions/{sub}/resourceGroups/{draw(segment([GROUP, 'fuzz-other']))}"
    zone = f"{group}/providers/Microsoft.Network/dnsZones/{draw(segment([ZONE, 'fuzz2.example.internal', 'com']))}"
    record_type = draw(segment([*TYPES, "recordsets", "all"]))
    path = draw(
        st.sampled_from(
            [
                group,
                f"/subscriptions/{sub}/resourcegroups",
                f"{group}/providers/Microsoft.Network/dnsZones",
                f"/subscriptions/{sub}/providers/Microsoft.Network/dnszones",
                zone,
                f"{zone}/{record_type}",
                f"{zone}/{record_type}/{draw(segment(['@', '*', 'www', '*.apps', '_acme']))}",
                f"{zone}/{record_type}/a/b",
            ]
        )
    )
    api_version = st.sampled_from(["2018-05-01", "2023-07-01-preview", "2016-04-01"])  # served (routes.py)
    query = draw(
        st.fixed_dictionaries(
            {"api-version": api_version | api_version | api_version | header_text},
            optional={
                "$top": st.integers(-5, 300).map(str) | header_text | st.sampled_from(["²", "٣", "1e3"]),
                "$skipToken": st.integers(0, 50).map(str) | header_text | st.sampled_from(["²", "٣"]),
                "$recordsetnamesuffix": header_text,
            },
        )
    )
    headers = draw(
        st.fixed_dictionaries(
            {}, optional={"If-Match": st.just("*") | header_text, "If-None-Match": st.just("*") | header_text}
        )
    )
    body = draw(
        st.none()
        | st.binary(max_size=64)
        | st.one_of(json_values, record_bodies, valid_record_bodies, zone_bodies).map(lambda v: json.dumps(v).encode())
    )
    method = draw(st.sampled_from(["GET", "PUT", "PATCH", "DELETE", "HEAD", "POST"]))
    return FuzzRequest(method, path, query, headers, body)


@pytest.mark.timeout(900)  # 2,000 requests: over a minute on a quiet machine, more than three on a loaded one
def test_random_requests_never_get_a_server_error(
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    dns_client: DnsManagementClient,
    resource_client: ResourceManagementClient,
) -> None:
    resource_client.resource_groups.create_or_update(GROUP, {"location": "westus2"})
    dns_client.zones.create_or_update(GROUP, ZONE, {"location": "global"})
    session = requests.Session()
    base = endpoints.arm_url.rstrip("/")
    token = operator_credential.get_token(ARM_SCOPE).token
    sent: list[int] = []
    group, api = f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{GROUP}", {"api-version": API}
    odd_zone = b'{"location": ["global"], "properties": {"zoneType": 7}}'

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(request=fuzz_requests(endpoints.subscription_id))
    @example(request=FuzzRequest("PUT", f"{group}/providers/Microsoft.Network/dnsZones/x.example", api, {}, b"[]"))
    @example(request=FuzzRequest("PUT", group, api, {}, b'{"location": true}'))
    @example(
        request=FuzzRequest("GET", f"{group}/providers/Microsoft.Network/dnsZones", {**api, "$top": "²"}, {}, None)
    )
    @example(request=FuzzRequest("PUT", f"{group}/providers/Microsoft.Network/dnsZones/x.example", api, {}, odd_zone))
    def send(request: FuzzRequest) -> None:
        headers: dict[str, Any] = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        response = session.request(
            request.method,
            base + request.path,
            params=request.query,
            headers={**headers, **request.headers},
            data=request.body,
            verify=endpoints.ca_bundle,
            timeout=30,
        )
        sent.append(response.status_code)
        assert response.status_code < 500, (request, response.text)
        if response.status_code == 202:  # a group or zone delete started: keep a target for what follows
            resource_client.resource_groups.create_or_update(GROUP, {"location": "westus2"})
            dns_client.zones.create_or_update(GROUP, ZONE, {"location": "global"})

    send()
    assert len(sent) >= EXAMPLES
    # the requests reached many different outcomes, not one early rejection (which of 200 and 201 a PUT gets
    # depends on what earlier tests of the session left in the group)
    assert len(set(sent)) >= 5
    # still serving, and consistent: what the zone list shows can be read one by one
    for zone in dns_client.zones.list():
        group = zone.id.split("/")[4]
        assert dns_client.zones.get(group, zone.name).number_of_record_sets >= 2
    assert resource_client.resource_groups.check_existence("fuzz-never-created") is False
