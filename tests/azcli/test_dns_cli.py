"""The tutorial's DNS steps with the real Azure CLI, unchanged.

Covers: az network dns zone create (NS and SOA at '@', Azure's name servers); az network dns record-set a
add-record twice (the second is the CLI's GET + PUT, keeping the first record and the TTL) and the record
served by the sandbox's DNS server; record-set a show and list; az network dns zone delete -y (then a 404
ResourceNotFound); az role assignment create --assignee <identity clientId> --role "DNS Zone Contributor"
--scope <zoneId> and its row in az role assignment list --assignee <clientId> --all -o table; az group
delete -y taking the zone, the identity and the assignment with it.
"""

from __future__ import annotations

import json
from typing import Any

import dns.message
import dns.query
import pytest

from podid.sandbox import Endpoints
from tests.azcli.conftest import Az

pytestmark = [pytest.mark.azcli, pytest.mark.timeout(1800)]  # the first test may install the CLI

ZONE = "example.internal"  # the tutorial's, below a per-test label: the DNS server serves the first of same-named zones
DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"


def _json(az: Az, *args: str) -> Any:
    return json.loads(az(*args, "-o", "json").stdout)


def _served(endpoints: Endpoints, name: str) -> list[str]:
    query = dns.message.make_query(name, "A")
    response = dns.query.udp(query, endpoints.dns_host, port=endpoints.dns_port, timeout=5)
    return sorted(rdata.to_text() for rrset in response.answer for rdata in rrset)


def test_zone_and_record_sets(az: Az, endpoints: Endpoints, unique: str) -> None:
    group, zone_name = f"azdns-{unique}", f"{unique}.{ZONE}"
    az("group", "create", "-n", group, "-l", "westus2")
    zone = _json(az, "network", "dns", "zone", "create", "-g", group, "-n", zone_name)
    assert (zone["name"], zone["numberOfRecordSets"], len(zone["nameServers"])) == (zone_name, 2, 4)

    add = ("network", "dns", "record-set", "a", "add-record", "-g", group, "-z", zone_name, "-n", "www")
    first = _json(az, *add, "-a", "10.0.0.4")
    assert (first["fqdn"], first["TTL"]) == (f"www.{zone_name}.", 3600)
    assert first["ARecords"] == [{"ipv4Address": "10.0.0.4"}]
    second = _json(az, *add, "-a", "10.0.0.5")
    assert [record["ipv4Address"] for record in second["ARecords"]] == ["10.0.0.4", "10.0.0.5"]
    assert second["TTL"] == 3600 and second["etag"] != first["etag"]

    shown = _json(az, "network", "dns", "record-set", "a", "show", "-g", group, "-z", zone_name, "-n", "www")
    assert shown == second
    listed = _json(az, "network", "dns", "record-set", "a", "list", "-g", group, "-z", zone_name)
    assert [record_set["name"] for record_set in listed] == ["www"]
    assert _served(endpoints, f"www.{zone_name}") == ["10.0.0.4", "10.0.0.5"]

    az("network", "dns", "zone", "delete", "-g", group, "-n", zone_name, "-y")
    gone = az("network", "dns", "zone", "show", "-g", group, "-n", zone_name, check=False)
    assert gone.returncode != 0 and "(ResourceNotFound)" in gone.stderr
    az("group", "delete", "-n", group, "-y")


def test_zone_contributor_for_an_identity(az: Az, unique: str) -> None:
    group, zone_name = f"azdnsrole-{unique}", f"{unique}.{ZONE}"
    az("group", "create", "-n", group, "-l", "westus2")
    identity = _json(az, "identity", "create", "-g", group, "-n", "dns-identity")
    zone_id = _json(az, "network", "dns", "zone", "create", "-g", group, "-n", zone_name)["id"]

    create = ("role", "assignment", "create", "--assignee", identity["clientId"], "--role", "DNS Zone Contributor")
    assignment = _json(az, *create, "--scope", zone_id)
    assert (assignment["principalId"], assignment["scope"]) == (identity["principalId"], zone_id)
    assert assignment["roleDefinitionId"].endswith(f"/roleDefinitions/{DNS_ZONE_CONTRIBUTOR}")

    listing = ("role", "assignment", "list", "--assignee", identity["clientId"], "--all")
    table = az(*listing, "-o", "table").stdout.splitlines()
    assert table[0].split() == ["Principal", "Role", "Scope"]
    [row] = [line for line in table if line.rstrip().endswith(zone_id)]
    assert row.split()[0] == identity["clientId"] and "DNS Zone Contributor" in row

    az("group", "delete", "-n", group, "-y")
    remaining = _json(az, "role", "assignment", "list", "--all")  # the identity is gone too: no --assignee
    assert zone_id.lower() not in {item["scope"].lower() for item in remaining}
