"""Hostile DNS messages over UDP and TCP: random bytes, and real queries cut short, padded, bit-flipped or carrying odd
opcodes, flags and section counts.

An authoritative server answers what it can parse and a FORMERR header (same id) for what it cannot, and drops
what is not even a header (under 12 bytes; over TCP it may close the connection) and responses (QR set). Every
reply must be a DNS message for the query's id, and the server must keep answering normal queries over both
transports afterwards.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podid.sandbox import Endpoints
from tests.fuzz.conftest import BUDGET

API = "2018-05-01"
ZONE = "fuzz-dns.example"
HEADER = 12
# what an authoritative server answers; never SERVFAIL, its own failure
RCODES = {dns.rcode.NOERROR, dns.rcode.FORMERR, dns.rcode.NXDOMAIN, dns.rcode.NOTIMP, dns.rcode.REFUSED}

names = st.sampled_from([ZONE, f"www.{ZONE}", f"txt.{ZONE}", f"*.{ZONE}", "example.com", ".", "a" * 63 + ".x"])
types = st.sampled_from(["A", "AAAA", "TXT", "SOA", "NS", "ANY", "AXFR", "IXFR", "OPT", "TYPE65280", "CNAME", "MX"])


@st.composite
def queries(draw: st.DrawFn) -> bytes:
    """A real query (with or without EDNS), then perhaps mangled."""
    query = dns.message.make_query(draw(names), draw(types), use_edns=draw(st.sampled_from([None, 0, 1])))
    query.id = draw(st.integers(0, 0xFFFF))
    wire = bytearray(query.to_wire())
    mangle = draw(st.sampled_from(["none", "truncate", "pad", "flip", "header"]))
    if mangle == "truncate":
        del wire[draw(st.integers(0, len(wire) - 1)) :]
    elif mangle == "pad":
        wire += draw(st.binary(min_size=1, max_size=64))
    elif mangle == "flip":
        for _ in range(draw(st.integers(1, 4))):
            wire[draw(st.integers(0, len(wire) - 1))] ^= 1 << draw(st.integers(0, 7))
    elif mangle == "header":  # opcode, flags and the four section counts at random
        wire[2:HEADER] = draw(st.binary(min_size=HEADER - 2, max_size=HEADER - 2))
    return bytes(wire)


messages = st.one_of(queries(), st.binary(max_size=600), st.binary(max_size=HEADER - 1))


def dropped(wire: bytes) -> bool:
    """What the server ignores: no header, or a well-formed response (a query has QR clear)."""
    if len(wire) < HEADER:
        return True
    try:
        return bool(dns.message.from_wire(wire).flags & dns.flags.QR)
    except Exception:  # not parsable: FORMERR is due
        return False


@dataclass
class Outcomes:
    replies: dict[str, int] = field(default_factory=dict)
    dropped: int = 0
    sent: int = 0

    def check_reply(self, wire: bytes, reply: bytes) -> None:
        self.sent += 1
        parsed = dns.message.from_wire(reply, ignore_trailing=True)
        assert parsed.id == struct.unpack("!H", wire[:2])[0], (wire, reply)
        assert parsed.flags & dns.flags.QR, (wire, reply)
        assert parsed.rcode() in RCODES, (wire, dns.rcode.to_text(parsed.rcode()))
        rcode = dns.rcode.to_text(parsed.rcode())
        self.replies[rcode] = self.replies.get(rcode, 0) + 1


@pytest.fixture(scope="module")
def zone(session: requests.Session, endpoints: Endpoints, arm_token: str) -> str:
    base = f"{endpoints.arm_url.rstrip('/')}/subscriptions/{endpoints.subscription_id}/resourceGroups/fuzz-dns"
    auth, query = {"Authorization": f"Bearer {arm_token}"}, {"api-version": API}
    for path, body in (
        ("", {"location": "westus2"}),
        (f"/providers/Microsoft.Network/dnsZones/{ZONE}", {"location": "global"}),
    ):
        response = session.put(base + path, params=query, headers=auth, json=body, timeout=30)
        assert response.status_code in (200, 201), response.text
    return ZONE


@pytest.fixture
def udp(endpoints: Endpoints) -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((endpoints.dns_host, endpoints.dns_port))
        yield sock


def _fuzz(budget: int) -> settings:
    return settings(
        max_examples=budget,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def _still_answers(endpoints: Endpoints, zone: str) -> None:
    query = dns.message.make_query(zone, "SOA")
    for send in (dns.query.udp, dns.query.tcp):
        answer = send(query, endpoints.dns_host, port=endpoints.dns_port, timeout=5)
        assert answer.rcode() == dns.rcode.NOERROR and answer.answer, send


def test_udp_server_survives_hostile_datagrams(endpoints: Endpoints, zone: str, udp: socket.socket) -> None:
    outcomes = Outcomes()

    @_fuzz(BUDGET["dns_udp"])
    @given(wire=messages)
    def send(wire: bytes) -> None:
        udp.send(wire)
        ignored = dropped(wire)
        udp.settimeout(0.02 if ignored else 2.0)
        try:
            reply = udp.recv(65535)
        except TimeoutError:
            assert ignored, f"no reply to {wire!r}"
            outcomes.dropped += 1
            return
        outcomes.check_reply(wire, reply)

    send()
    assert outcomes.sent + outcomes.dropped >= BUDGET["dns_udp"]
    assert {"NOERROR", "FORMERR"} <= set(outcomes.replies), outcomes.replies
    _still_answers(endpoints, zone)


def test_tcp_server_survives_hostile_messages(endpoints: Endpoints, zone: str) -> None:
    outcomes = Outcomes()
    connection: list[socket.socket] = []

    def stream() -> socket.socket:
        if not connection:
            connection.append(socket.create_connection((endpoints.dns_host, endpoints.dns_port), timeout=5))
        return connection[0]

    @_fuzz(BUDGET["dns_tcp"])
    @given(wire=messages)
    def send(wire: bytes) -> None:
        sock = stream()
        sock.sendall(struct.pack("!H", len(wire)) + wire)
        if dropped(wire) and len(wire) >= HEADER:  # nothing comes back, and the connection stays
            outcomes.dropped += 1
            return
        try:
            length = _read(sock, 2)
            reply = _read(sock, struct.unpack("!H", length)[0])
        except ConnectionError:  # the server hung up on a message that is not even a header
            assert len(wire) < HEADER, f"connection closed after {wire!r}"
            connection.pop().close()
            outcomes.dropped += 1
            return
        outcomes.check_reply(wire, reply)

    try:
        send()
        truncated = stream()  # a length prefix promising more than is sent, then a close
        truncated.sendall(b"\x01\x00abc")
    finally:
        for sock in connection:
            sock.close()
    assert outcomes.sent + outcomes.dropped >= BUDGET["dns_tcp"]
    assert {"NOERROR", "FORMERR"} <= set(outcomes.replies), outcomes.replies
    _still_answers(endpoints, zone)


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data
