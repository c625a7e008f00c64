"""DNS state outlives the process and follows its resource group: after a restart the zones, record sets,
etags and record-set counts are back (ARM and DNS answers alike), and deleting a group takes its zones off
the DNS server."""

from __future__ import annotations

from pathlib import Path

import dns.message
import dns.query
import dns.rcode
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.conftest import credential_for, mgmt_client, start_sandbox


def _clients(endpoints: Endpoints) -> tuple[ResourceManagementClient, DnsManagementClient]:
    credential = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    return mgmt_client(ResourceManagementClient, endpoints, credential), mgmt_client(
        DnsManagementClient, endpoints, credential
    )


def _rcode_and_answers(endpoints: Endpoints, name: str) -> tuple[int, list[str]]:
    response = dns.query.udp(dns.message.make_query(name, "A"), endpoints.dns_host, port=endpoints.dns_port, timeout=5)
    return response.rcode(), [rdata.to_text() for rrset in response.answer for rdata in rrset]


def test_zones_and_record_sets_survive_a_restart(tmp_path: Path) -> None:
    first, endpoints = start_sandbox(tmp_path)
    try:
        resources, dns_client = _clients(endpoints)
        resources.resource_groups.create_or_update("kept", {"location": "westus2"})
        zone = dns_client.zones.create_or_update("kept", "kept.internal", {"location": "global"})
        record = dns_client.record_sets.create_or_update(
            "kept", "kept.internal", "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.4.4.4"}]}
        )
    finally:
        first.stop()

    second, endpoints = start_sandbox(tmp_path)
    try:
        _, dns_client = _clients(endpoints)
        again = dns_client.zones.get("kept", "kept.internal")
        assert (again.etag, again.name_servers, again.number_of_record_sets) == (zone.etag, zone.name_servers, 3)
        assert dns_client.record_sets.get("kept", "kept.internal", "www", "A").etag == record.etag
        assert _rcode_and_answers(endpoints, "www.kept.internal") == (dns.rcode.NOERROR, ["10.4.4.4"])
    finally:
        second.stop()


def test_group_delete_takes_zones_off_the_dns_server(
    endpoints: Endpoints, dns_client: DnsManagementClient, resource_client: ResourceManagementClient, unique: str
) -> None:
    zone = f"{unique}.gone.internal"
    resource_client.resource_groups.create_or_update(unique, {"location": "westus2"})
    dns_client.zones.create_or_update(unique, zone, {"location": "global"})
    dns_client.record_sets.create_or_update(
        unique, zone, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.5.5.5"}]}
    )
    assert _rcode_and_answers(endpoints, f"www.{zone}") == (dns.rcode.NOERROR, ["10.5.5.5"])
    resource_client.resource_groups.begin_delete(unique).result()
    assert _rcode_and_answers(endpoints, f"www.{zone}")[0] == dns.rcode.REFUSED
    resource_client.resource_groups.create_or_update(unique, {"location": "westus2"})
    dns_client.zones.create_or_update(unique, zone, {"location": "global"})
    assert dns_client.zones.get(unique, zone).number_of_record_sets == 2  # nothing left over from before
