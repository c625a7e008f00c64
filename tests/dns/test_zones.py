"""DNS zones through azure-mgmt-dns: create (NS and SOA at '@'), get, update, list by group and subscription with
paging, delete as a long-running operation, etags with If-Match / If-None-Match, and Azure's errors;
maxNumberOfRecordsPerRecordSet served from 2023-07-01-preview on, not on 2018-05-01."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.dns.conftest import zone_path


def test_zone_lifecycle(dns_client: DnsManagementClient, group: str, unique: str) -> None:
    name = f"{unique}.example.internal"
    zone = dns_client.zones.create_or_update(group, name, {"location": "global", "tags": {"team": "web"}})
    assert zone.id.endswith(f"/resourceGroups/{group}/providers/Microsoft.Network/dnszones/{name}")
    assert (zone.name, zone.type, zone.location) == (name, "Microsoft.Network/dnszones", "global")
    assert zone.tags == {"team": "web"} and zone.zone_type == "Public"
    assert (zone.number_of_record_sets, zone.max_number_of_record_sets) == (2, 10000)
    assert zone.max_number_of_records_per_record_set is None  # not sent on 2018-05-01
    assert [server.split("-")[0] for server in zone.name_servers] == ["ns1", "ns2", "ns3", "ns4"]
    assert all(server.endswith(".") and ".azure-dns." in server for server in zone.name_servers)

    ns = dns_client.record_sets.get(group, name, "@", "NS")
    assert ns.ttl == 172800 and [record.nsdname for record in ns.ns_records] == zone.name_servers
    soa = dns_client.record_sets.get(group, name, "@", "SOA")
    assert soa.ttl == 3600 and soa.fqdn == f"{name}."
    assert soa.soa_record.host == zone.name_servers[0]
    assert soa.soa_record.email == "azuredns-hostmaster.microsoft.com"
    assert (soa.soa_record.serial_number, soa.soa_record.minimum_ttl, soa.soa_record.expire_time) == (1, 300, 2419200)

    updated = dns_client.zones.update(group, name, {"tags": {"team": "dns"}})
    assert updated.tags == {"team": "dns"} and updated.etag != zone.etag
    assert dns_client.zones.get(group, name.upper()).name == name

    dns_client.zones.begin_delete(group, name).result()
    with pytest.raises(ResourceNotFoundError) as raised:
        dns_client.zones.get(group, name)
    assert raised.value.error.code == "ResourceNotFound"
    assert raised.value.error.message == (
        f"The Resource 'Microsoft.Network/dnszones/{name}' under resource group '{group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
    )


def test_delete_is_long_running_with_async_operation(
    arm: Callable[..., requests.Response], endpoints: Endpoints, group: str, zone: str
) -> None:
    response = arm("DELETE", zone_path(endpoints, group, zone))
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "1"
    polled = requests.get(
        response.headers["Azure-AsyncOperation"],
        headers={"Authorization": response.request.headers["Authorization"]},
        verify=endpoints.ca_bundle,
        timeout=30,
    )
    assert polled.json()["status"] == "Succeeded"
    assert arm("GET", zone_path(endpoints, group, zone)).status_code == 404
    assert arm("DELETE", zone_path(endpoints, group, zone)).status_code == 204


def test_recreating_a_zone_keeps_its_record_sets_and_changes_etag(
    dns_client: DnsManagementClient, group: str, zone: str
) -> None:
    dns_client.record_sets.create_or_update(group, zone, "www", "A", {"ttl": 60, "a_records": []})
    first = dns_client.zones.get(group, zone)
    again = dns_client.zones.create_or_update(group, zone, {"location": "Global"})
    assert again.etag != first.etag and again.name_servers == first.name_servers
    assert again.number_of_record_sets == 3


def test_list_by_group_and_subscription_with_paging(
    dns_client: DnsManagementClient, arm: Callable[..., requests.Response], endpoints: Endpoints, group: str
) -> None:
    names = [f"z{i}.{group}.example.internal" for i in range(5)]
    for name in names:
        dns_client.zones.create_or_update(group, name, {"location": "global"})
    assert [zone.name for zone in dns_client.zones.list_by_resource_group(group, top=2)] == names
    assert set(names) <= {zone.name for zone in dns_client.zones.list(top=3)}

    zones = f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{group}/providers/Microsoft.Network/dnsZones"
    first = arm("GET", zones, params={"$top": "2"})
    assert len(first.json()["value"]) == 2
    assert first.json()["nextLink"].startswith(endpoints.arm_url.rstrip("/") + "/subscriptions/")


def test_etag_conditions(dns_client: DnsManagementClient, group: str, unique: str) -> None:
    name = f"{unique}.example.internal"
    zone = dns_client.zones.create_or_update(group, name, {"location": "global"}, if_none_match="*")
    with pytest.raises(HttpResponseError) as raised:
        dns_client.zones.create_or_update(group, name, {"location": "global"}, if_none_match="*")
    assert (raised.value.status_code, raised.value.error.code) == (412, "PreconditionFailed")
    assert raised.value.error.message == "The condition '*' in the If-None-Match header was not satisfied."
    with pytest.raises(HttpResponseError) as raised:
        dns_client.zones.create_or_update(group, name, {"location": "global"}, if_match="not-the-etag")
    assert (raised.value.status_code, raised.value.error.code) == (412, "PreconditionFailed")
    updated = dns_client.zones.create_or_update(group, name, {"location": "global"}, if_match=zone.etag)
    with pytest.raises(HttpResponseError) as raised:
        dns_client.zones.begin_delete(group, name, if_match=zone.etag).result()
    assert raised.value.status_code == 412
    dns_client.zones.begin_delete(group, name, if_match=updated.etag).result()
    with pytest.raises(HttpResponseError) as raised:
        dns_client.zones.create_or_update(group, name, {"location": "global"}, if_match="*")
    assert raised.value.status_code == 412


@pytest.mark.parametrize(
    ("name", "location", "status", "code", "message"),
    [
        (
            "internal",
            "global",
            400,
            "BadRequest",
            "The zone name 'internal' does not have enough labels. Zone names must have two or more labels.",
        ),
        ("bad_label!.example.com", "global", 400, "BadRequest", "The domain name 'bad_label!.example.com' is invalid."),
        ("a" * 64 + ".example.com", "global", 400, "BadRequest", None),
        ("ok.example.com", "westus2", 400, "LocationNotAvailableForResourceType", None),
        ("ok.example.com", None, 400, "LocationRequired", None),
    ],
)
def test_bad_zone_input(
    dns_client: DnsManagementClient,
    group: str,
    name: str,
    location: str | None,
    status: int,
    code: str,
    message: str | None,
) -> None:
    with pytest.raises(HttpResponseError) as raised:
        dns_client.zones.create_or_update(group, name, {"location": location})
    assert (raised.value.status_code, raised.value.error.code) == (status, code)
    if message is not None:
        assert raised.value.error.message == message


def test_zone_in_missing_group(dns_client: DnsManagementClient, unique: str) -> None:
    with pytest.raises(ResourceNotFoundError) as raised:
        dns_client.zones.create_or_update(f"{unique}-missing", "example.com", {"location": "global"})
    assert raised.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as raised:
        list(dns_client.zones.list_by_resource_group(f"{unique}-missing"))
    assert raised.value.error.code == "ResourceGroupNotFound"


def test_deleting_the_group_deletes_its_zones(
    dns_client: DnsManagementClient, resource_client: ResourceManagementClient, group: str, zone: str
) -> None:
    resource_client.resource_groups.begin_delete(group).result()
    assert zone not in {item.name for item in dns_client.zones.list()}


def test_records_per_set_limit_from_2023_07_01_preview(
    arm: Callable[..., requests.Response], endpoints: Endpoints, group: str, zone: str
) -> None:
    """The version `az network dns` sends carries the per-set limit that 2018-05-01 leaves out."""
    path = zone_path(endpoints, group, zone)
    assert "maxNumberOfRecordsPerRecordSet" not in arm("GET", path).json()["properties"]
    newer = arm("GET", path, params={"api-version": "2023-07-01-preview"}).json()["properties"]
    assert newer["maxNumberOfRecordsPerRecordSet"] == 20
