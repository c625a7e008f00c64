"""The sandbox's authoritative DNS server, asked with dnspython (and dig when installed): every record type,
CNAME chasing inside the zone, wildcards, empty non-terminals, NXDOMAIN and NODATA with the SOA, referrals
below a delegation, REFUSED outside the zones, TC over UDP with the full answer over TCP, answers that follow
ARM writes at once, and same-named zones in two resource groups: different name-server sets, each answering
with its own zone at its loopback address."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from podid.sandbox.dns import name_server_address

BIG_TXT = [{"value": [f"{index:02d}" + "x" * 200]} for index in range(20)]


@pytest.fixture(scope="module")
def served(dns_client: DnsManagementClient, resource_client: ResourceManagementClient) -> str:
    """A zone holding one record set of every kind the tests ask for."""
    group, zone = "dns-server-tests", "served.example.internal"
    resource_client.resource_groups.create_or_update(group, {"location": "westus2"})
    dns_client.zones.create_or_update(group, zone, {"location": "global"})
    sets = [
        ("www", "A", {"a_records": [{"ipv4_address": "10.0.0.1"}, {"ipv4_address": "10.0.0.2"}]}),
        ("www", "TXT", {"txt_records": [{"value": ["hello", "world"]}]}),
        ("v6", "AAAA", {"aaaa_records": [{"ipv6_address": "2001:db8::1"}]}),
        ("alias", "CNAME", {"cname_record": {"cname": f"www.{zone}"}}),
        ("outside", "CNAME", {"cname_record": {"cname": "target.example.net"}}),
        ("@", "MX", {"mx_records": [{"preference": 10, "exchange": f"mail.{zone}"}]}),
        ("_sip._tcp", "SRV", {"srv_records": [{"priority": 1, "weight": 2, "port": 5060, "target": f"sip.{zone}"}]}),
        ("@", "CAA", {"caa_records": [{"flags": 0, "tag": "issue", "value": "letsencrypt.org"}]}),
        ("10", "PTR", {"ptr_records": [{"ptrdname": "host.example.com"}]}),
        ("*.wild", "A", {"a_records": [{"ipv4_address": "10.9.9.9"}]}),
        ("deep.ent.sub", "A", {"a_records": [{"ipv4_address": "10.1.1.1"}]}),
        ("child", "NS", {"ns_records": [{"nsdname": "ns1.child.example.net"}]}),
        ("big", "TXT", {"txt_records": BIG_TXT}),
    ]
    for name, record_type, body in sets:
        dns_client.record_sets.create_or_update(group, zone, name, record_type, {"ttl": 120, **body})
    return zone


def ask(
    endpoints: Endpoints, name: str, rdtype: str, *, tcp: bool = False, host: str | None = None
) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, host or endpoints.dns_host, port=endpoints.dns_port, timeout=5)


def texts(response: dns.message.Message) -> list[str]:
    return sorted(rdata.to_text() for rrset in response.answer for rdata in rrset)


@pytest.mark.parametrize(
    ("name", "rdtype", "expected"),
    [
        ("www", "A", ["10.0.0.1", "10.0.0.2"]),
        ("www", "TXT", ['"hello" "world"']),
        ("v6", "AAAA", ["2001:db8::1"]),
        ("@", "MX", ["10 mail.served.example.internal."]),
        ("_sip._tcp", "SRV", ["1 2 5060 sip.served.example.internal."]),
        ("@", "CAA", ['0 issue "letsencrypt.org"']),
        ("10", "PTR", ["host.example.com."]),
        ("outside", "CNAME", ["target.example.net."]),
    ],
)
def test_answers_each_record_type(
    endpoints: Endpoints, served: str, name: str, rdtype: str, expected: list[str]
) -> None:
    qname = served if name == "@" else f"{name}.{served}"
    response = ask(endpoints, qname, rdtype)
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert texts(response) == expected
    assert all(rrset.ttl == 120 for rrset in response.answer)


def test_apex_ns_and_soa(endpoints: Endpoints, served: str) -> None:
    ns = texts(ask(endpoints, served, "NS"))
    assert [server.split("-")[0] for server in ns] == ["ns1", "ns2", "ns3", "ns4"]
    (soa,) = texts(ask(endpoints, served, "SOA"))
    assert soa.startswith(ns[0] + " azuredns-hostmaster.microsoft.com. 1 3600 300 2419200 300")


def test_cname_is_chased_inside_the_zone(endpoints: Endpoints, served: str) -> None:
    response = ask(endpoints, f"alias.{served}", "A")
    assert [rrset.rdtype for rrset in response.answer] == [dns.rdatatype.CNAME, dns.rdatatype.A]
    assert texts(response) == ["10.0.0.1", "10.0.0.2", f"www.{served}."]
    outside = ask(endpoints, f"outside.{served}", "A")
    assert outside.rcode() == dns.rcode.NOERROR and texts(outside) == ["target.example.net."]


def test_nxdomain_and_nodata_carry_the_soa(endpoints: Endpoints, served: str) -> None:
    for name, rdtype, rcode in (
        (f"missing.{served}", "A", dns.rcode.NXDOMAIN),
        (f"www.{served}", "AAAA", dns.rcode.NOERROR),
        (f"ent.sub.{served}", "A", dns.rcode.NOERROR),  # an empty non-terminal exists
    ):
        response = ask(endpoints, name, rdtype)
        assert response.rcode() == rcode and not response.answer, name
        assert response.flags & dns.flags.AA
        (soa,) = response.authority
        assert soa.rdtype == dns.rdatatype.SOA and soa.name.to_text() == f"{served}." and soa.ttl == 300


def test_wildcards_synthesise_the_query_name(endpoints: Endpoints, served: str) -> None:
    for name in (f"anything.wild.{served}", f"a.b.wild.{served}"):
        response = ask(endpoints, name, "A")
        assert texts(response) == ["10.9.9.9"] and response.answer[0].name.to_text() == name + "."


def test_delegation_gives_a_referral(endpoints: Endpoints, served: str) -> None:
    response = ask(endpoints, f"host.child.{served}", "A")
    assert response.rcode() == dns.rcode.NOERROR and not response.answer
    assert not response.flags & dns.flags.AA
    assert [rdata.to_text() for rrset in response.authority for rdata in rrset] == ["ns1.child.example.net."]


def test_names_outside_every_zone_are_refused(endpoints: Endpoints, served: str) -> None:
    assert ask(endpoints, "example.org", "A").rcode() == dns.rcode.REFUSED
    assert ask(endpoints, "example.internal", "A").rcode() == dns.rcode.REFUSED


def test_large_answers_truncate_over_udp_and_arrive_over_tcp(endpoints: Endpoints, served: str) -> None:
    over_udp = ask(endpoints, f"big.{served}", "TXT")
    assert over_udp.flags & dns.flags.TC
    over_tcp = ask(endpoints, f"big.{served}", "TXT", tcp=True)
    assert not over_tcp.flags & dns.flags.TC and len(over_tcp.answer[0]) == 20
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port = [endpoints.dns_host], endpoints.dns_port
    assert len(resolver.resolve(f"big.{served}", "TXT")) == 20  # the stub resolver retries over TCP


def test_answers_follow_arm_writes(
    endpoints: Endpoints, served: str, dns_client: DnsManagementClient, unique: str
) -> None:
    name = f"{unique}.{served}"
    assert ask(endpoints, name, "A").rcode() == dns.rcode.NXDOMAIN
    dns_client.record_sets.create_or_update(
        "dns-server-tests", served, unique, "A", {"ttl": 30, "a_records": [{"ipv4_address": "192.0.2.7"}]}
    )
    assert texts(ask(endpoints, name, "A")) == ["192.0.2.7"]
    dns_client.record_sets.delete("dns-server-tests", served, unique, "A")
    assert ask(endpoints, name, "A").rcode() == dns.rcode.NXDOMAIN


def test_same_zone_name_in_two_groups_answers_per_name_server_set(
    endpoints: Endpoints, dns_client: DnsManagementClient, resource_client: ResourceManagementClient, unique: str
) -> None:
    zone = f"{unique}.twice.internal"
    for group, address in ((f"{unique}-first", "10.0.0.1"), (f"{unique}-second", "10.0.0.2")):
        resource_client.resource_groups.create_or_update(group, {"location": "westus2"})
        created = dns_client.zones.create_or_update(group, zone, {"location": "global"})
        dns_client.record_sets.create_or_update(
            group, zone, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": address}]}
        )
        if group.endswith("first"):
            first_servers = created.name_servers
    assert created.name_servers != first_servers
    assert texts(ask(endpoints, f"www.{zone}", "A")) == ["10.0.0.1"]
    # each zone's own name servers answer with it (a loopback address per name-server set)
    first_host, second_host = name_server_address(first_servers[0]), name_server_address(created.name_servers[0])
    assert first_host and second_host and first_host != second_host
    assert texts(ask(endpoints, f"www.{zone}", "A", host=first_host)) == ["10.0.0.1"]
    assert texts(ask(endpoints, f"www.{zone}", "A", host=second_host, tcp=True)) == ["10.0.0.2"]
    assert [server.split(".")[0] for server in first_servers] == [f"ns{i}-{first_host[-1]:0>2}" for i in range(1, 5)]
    dns_client.zones.begin_delete(f"{unique}-first", zone).result()
    assert texts(ask(endpoints, f"www.{zone}", "A")) == ["10.0.0.2"]
    assert ask(endpoints, f"www.{zone}", "A", host=first_host).rcode() == dns.rcode.REFUSED  # hosts it no more
    assert texts(ask(endpoints, f"www.{zone}", "A", host=second_host)) == ["10.0.0.2"]


def test_malformed_queries_get_formerr_or_nothing(endpoints: Endpoints, served: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        garbage = b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\xff\xff"  # one question, cut short
        sock.sendto(garbage, (endpoints.dns_host, endpoints.dns_port))
        reply = sock.recv(512)
    assert reply[:2] == b"\x12\x34" and reply[3] & 0x0F == dns.rcode.FORMERR
    assert ask(endpoints, f"www.{served}", "A").rcode() == dns.rcode.NOERROR  # still serving


def test_dig(endpoints: Endpoints, served: str) -> None:
    dig = shutil.which("dig")
    if dig is None:
        if os.environ.get("CI"):
            pytest.fail("dig is not installed (CI installs dnsutils)")
        pytest.skip("dig is not installed")
    command = [dig, f"@{endpoints.dns_host}", "-p", str(endpoints.dns_port), "+short"]
    www = subprocess.run([*command, f"www.{served}", "A"], capture_output=True, text=True, check=True)
    assert sorted(www.stdout.split()) == ["10.0.0.1", "10.0.0.2"]
    big = subprocess.run([*command, "+tcp", f"big.{served}", "TXT"], capture_output=True, text=True, check=True)
    assert len(big.stdout.splitlines()) == 20
