"""The sandbox's authoritative DNS server: UDP and TCP on one port, answering from the DNS backend.

It keeps no state of its own: every query reads the DNS backend's index on the sandbox loop, the same
state the ARM API writes. UDP answers that do not fit the client's buffer (512 bytes, or its EDNS size)
are truncated with TC set, so the client retries over TCP (2-byte length-prefixed messages, RFC 1035 §4.2.2).

Azure gives a zone one of several name-server sets (``ns1-0N.azure-dns.com.`` …), and two zones of the same
name in different resource groups different sets, each answering for its own zone. The sandbox's address
answers every zone (the first created among same-named ones); on a loopback host it also listens, on the same
port, at one loopback address per set, ``127.0.53.N`` (``name_server_address``), which answers only the
zones on set N, as that set's name servers do. A client picks a set by the address it sends the query to.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from typing import cast

import dns.flags
import dns.message
import dns.rcode

from podid.sandbox.arm.dns._index import name_server_number
from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.core.sockets import bind_tcp
from podid.sandbox.dns.answer import Resolver, Serving

log = logging.getLogger(__name__)

UDP_LIMIT = 512  # without EDNS (RFC 1035)
TCP_LIMIT = 65_535
HEADER = 12
_IDLE_SECONDS = 30.0
_PORT_ATTEMPTS = 20
NAME_SERVER_SETS = range(1, 10)  # the N of ns1-0N.azure-dns.com. the DNS backend hands out


def name_server_address(name_server: str) -> str | None:
    """The loopback address that answers as this Azure name server (``ns2-05.azure-dns.net.`` → 127.0.53.5)."""
    number = name_server_number(name_server)
    return _set_address(number) if number is not None and number in NAME_SERVER_SETS else None


def _set_address(number: int) -> str:
    return f"127.0.53.{number}"


def bind_udp_and_tcp(host: str, port: int) -> tuple[socket.socket, socket.socket]:
    """TCP and UDP sockets on the same port; port 0 picks one that is free for both."""
    for _ in range(_PORT_ATTEMPTS if port == 0 else 1):
        tcp = bind_tcp(host, port)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind((host, tcp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            if port:
                raise
            continue
        udp.setblocking(False)
        return udp, tcp
    raise OSError(f"no port on {host} is free for both UDP and TCP")


def formerr(wire: bytes) -> bytes | None:
    """A FORMERR header echoing the id of a message we could not parse (None if not even a header)."""
    if len(wire) < HEADER:
        return None
    (message_id, flags) = struct.unpack("!HH", wire[:4])
    opcode_bits = flags & 0x7800
    return struct.pack("!HHHHHH", message_id, 0x8000 | opcode_bits | dns.rcode.FORMERR, 0, 0, 0, 0)


class DnsServer:
    """A sandbox service: binds ``settings.host:settings.dns_port``, publishes ``dns_port`` and answers from
    ``serving`` (the DNS backend's zone lookup)."""

    def __init__(self, settings: CloudSettings, serving: Serving, published: dict[str, object]) -> None:
        self._settings, self._published = settings, published
        self._resolver = Resolver(serving)
        self._udp: list[asyncio.DatagramTransport] = []
        self._tcp: list[asyncio.Server] = []
        self._connections: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        settings = self._settings
        port = await self._listen(*bind_udp_and_tcp(settings.host, settings.dns_port), None)
        self._published["dns_port"] = port
        if settings.host.startswith("127."):
            for number in NAME_SERVER_SETS:
                await self._listen_as_set(number, port)

    async def _listen_as_set(self, number: int, port: int) -> None:
        try:
            sockets = bind_udp_and_tcp(_set_address(number), port)
        except OSError as error:  # e.g. a system whose loopback is 127.0.0.1 alone
            log.warning("name-server set %d gets no address of its own: %s", number, error)
            return
        await self._listen(*sockets, number)

    async def _listen(self, udp: socket.socket, tcp: socket.socket, name_server_set: int | None) -> int:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _UdpProtocol(self, name_server_set), sock=udp)
        self._udp.append(transport)
        self._tcp.append(
            await asyncio.start_server(
                lambda reader, writer: self._serve_tcp(reader, writer, name_server_set), sock=tcp
            )
        )
        return int(tcp.getsockname()[1])

    async def stop(self) -> None:
        for transport in self._udp:
            transport.close()
        for server in self._tcp:
            server.close()
        for writer in list(self._connections):
            writer.close()
        for server in self._tcp:
            await server.wait_closed()

    def answer(self, wire: bytes, *, udp: bool, name_server_set: int | None = None) -> bytes | None:
        """The response to one wire-format query; None when it cannot be answered at all or is no query."""
        try:
            query = dns.message.from_wire(wire)
        except Exception:  # any malformed input: dnspython raises many types for garbage
            return formerr(wire)
        if query.flags & dns.flags.QR:  # a response: dropped, as BIND does (lib/ns/client.c, ns__client_request)
            return None
        try:
            response = self._resolver.respond(query, name_server_set)
        except Exception:
            log.exception("DNS query failed: %s", query.question)
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.SERVFAIL)
        limit = TCP_LIMIT
        if udp:
            limit = max(UDP_LIMIT, query.payload) if query.edns >= 0 else UDP_LIMIT
        return response.to_wire(max_size=limit, prefer_truncation=True)

    async def _serve_tcp(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name_server_set: int | None
    ) -> None:
        self._connections.add(writer)
        try:
            while True:
                header = await asyncio.wait_for(reader.readexactly(2), _IDLE_SECONDS)
                wire = await reader.readexactly(struct.unpack("!H", header)[0])
                reply = self.answer(wire, udp=False, name_server_set=name_server_set)
                if reply is None:
                    if len(wire) < HEADER:  # not even a header: this is no DNS client
                        break
                    continue
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._connections.discard(writer)
            writer.close()


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer, name_server_set: int | None) -> None:
        self._server = server
        self._name_server_set = name_server_set
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = self._server.answer(data, udp=True, name_server_set=self._name_server_set)
        if reply is not None and self._transport is not None:
            self._transport.sendto(reply, addr)
