"""Azure DNS's per-zone request limits: the token bucket and per-zone limiter on a fake clock, and a sandbox
started with the limits on answering 429 with an integer Retry-After and ARM's error body, which the Azure SDK
honours by retrying."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Sandbox
from podid.sandbox.arm.dns.ratelimit import RECORD_SET_LIMITS, TokenBucket, ZoneLimits
from tests.conftest import ARM_SCOPE, credential_for, mgmt_client, start_sandbox
from tests.dns.conftest import API, zone_path


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_minute_of_burst_then_refills_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock)
    assert [bucket.take() for _ in range(60)] == [0.0] * 60
    assert bucket.take() == pytest.approx(1.0)
    clock.now += 0.5
    assert bucket.take() == pytest.approx(0.5)  # nothing was taken by the refused attempt
    clock.now += 0.5
    assert bucket.take() == 0.0
    clock.now += 3600
    assert [bucket.take() for _ in range(60)] == [0.0] * 60 and bucket.take() > 0  # capacity caps the refill


def test_zone_limits_are_per_zone_and_per_kind() -> None:
    clock = FakeClock()
    limits = ZoneLimits(clock)
    assert RECORD_SET_LIMITS == {"write": 200, "read": 2000, "list": 60}
    assert all(limits.check("zone-a", "list") is None for _ in range(60))
    assert limits.check("zone-a", "list") == 1
    assert limits.check("zone-b", "list") is None
    assert all(limits.check("zone-a", "write") is None for _ in range(200))
    assert limits.check("zone-a", "write") == 1  # 200/min refills one every 0.3 s: round up to whole seconds
    limits.forget("zone-a")
    assert limits.check("zone-a", "list") is None


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    clock = FakeClock()
    limits = ZoneLimits(clock, {"list": 6})  # one token every 10 s
    assert all(limits.check("z", "list") is None for _ in range(6))
    assert limits.check("z", "list") == 10
    clock.now += 0.5
    assert limits.check("z", "list") == 10  # 9.5 s rounds up


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    running, _ = start_sandbox(tmp_path_factory.mktemp("limited"), dns_rate_limits=True)
    yield running
    running.stop()


def test_sandbox_throttles_record_set_lists_per_zone(limited: Sandbox) -> None:
    endpoints = limited.endpoints
    assert endpoints is not None
    credential = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    mgmt_client(ResourceManagementClient, endpoints, credential).resource_groups.create_or_update(
        "limited", {"location": "westus2"}
    )
    dns_client = mgmt_client(DnsManagementClient, endpoints, credential)
    dns_client.zones.create_or_update("limited", "limited.internal", {"location": "global"})
    url = endpoints.arm_url.rstrip("/") + zone_path(endpoints, "limited", "limited.internal") + "/recordsets"
    headers = {"Authorization": f"Bearer {credential.get_token(ARM_SCOPE).token}"}

    def list_once() -> requests.Response:
        return requests.get(url, params={"api-version": API}, headers=headers, verify=endpoints.ca_bundle, timeout=30)

    assert {list_once().status_code for _ in range(60)} == {200}  # a minute's budget passes at once
    throttled = next(response for response in (list_once() for _ in range(100)) if response.status_code != 200)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1"  # the list budget refills one request per second
    assert throttled.json()["code"] == "TooManyRequests"  # Azure DNS's own errors carry no "error" wrapper
    assert "limited.internal" in throttled.json()["message"]
    # other kinds of request and other zones keep their own budgets
    assert dns_client.record_sets.get("limited", "limited.internal", "@", "SOA").ttl == 3600
    # the SDK's retry policy waits Retry-After and then succeeds
    assert {item.type for item in dns_client.record_sets.list_by_dns_zone("limited", "limited.internal")} == {
        "Microsoft.Network/dnszones/NS",
        "Microsoft.Network/dnszones/SOA",
    }
