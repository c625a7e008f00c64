"""Long TXT values: ARM takes each string up to 255 characters and a set up to 4,096, and DNS serves a string whose
UTF-8 form is over 255 bytes as consecutive 255-byte character strings, over UDP and TCP (dnspython)."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.dns import DnsManagementClient

from podid.sandbox import Endpoints

ACCENTED = "é" * 255  # 255 characters, 510 bytes in UTF-8
SPF = "v=spf1 include:spf.protection.outlook.com -all"


def _strings(endpoints: Endpoints, name: str, *, tcp: bool) -> list[list[bytes]]:
    query = dns.message.make_query(name, "TXT", use_edns=0, payload=4096)
    send = dns.query.tcp if tcp else dns.query.udp
    response = send(query, endpoints.dns_host, port=endpoints.dns_port, timeout=5)
    assert not response.flags & dns.flags.TC
    return [list(rdata.strings) for rrset in response.answer for rdata in rrset if rrset.rdtype == dns.rdatatype.TXT]


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_long_strings_are_served_in_255_byte_pieces(
    endpoints: Endpoints, dns_client: DnsManagementClient, group: str, zone: str, tcp: bool
) -> None:
    records = [{"value": [ACCENTED, "x" * 255]}, {"value": [SPF]}]
    written = dns_client.record_sets.create_or_update(group, zone, "long", "TXT", {"ttl": 60, "txt_records": records})
    assert [record.value for record in written.txt_records] == [[ACCENTED, "x" * 255], [SPF]]

    served = sorted(_strings(endpoints, f"long.{zone}", tcp=tcp), key=len)
    encoded = ACCENTED.encode()
    assert served == [[SPF.encode()], [encoded[:255], encoded[255:], b"x" * 255]]
    assert b"".join(served[1][:2]).decode() == ACCENTED


def test_txt_limits_are_azures(dns_client: DnsManagementClient, group: str, zone: str) -> None:
    with pytest.raises(HttpResponseError) as too_long:
        dns_client.record_sets.create_or_update(
            group, zone, "one", "TXT", {"ttl": 60, "txt_records": [{"value": ["x" * 256]}]}
        )
    assert too_long.value.status_code == 400

    eleven = [{"value": [str(index) * 255]} for index in range(10)] + [{"value": ["y" * 255] * 7}]
    with pytest.raises(HttpResponseError) as combined:
        dns_client.record_sets.create_or_update(group, zone, "many", "TXT", {"ttl": 60, "txt_records": eleven})
    assert combined.value.status_code == 400
    assert combined.value.error.message == (
        "The combined length of all TXT records in a record set may not exceed 4096 characters."
    )
