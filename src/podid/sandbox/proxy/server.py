"""The sandbox's HTTP proxy on loopback: Azure's own hostnames, played by the sandbox, for unmodified clients.

``HTTPS_PROXY=http://127.0.0.1:<port>`` makes a client send ``CONNECT management.azure.com:443``; the proxy
answers 200, terminates TLS with a certificate of the sandbox CA for that name, and splices the plaintext to the
sandbox listener that serves it over a TLS connection of its own (``routes.Routes``). Plain HTTP requests
(``GET http://169.254.169.254/…``) reach IMDS, one request per connection. Any other host is refused with 403
before any connection is opened: every backend is a loopback port of the sandbox (``routes.Backend``).

A pod's credential (``credentials``) makes the proxy connect from the pod's IP, so each front end sees the pod
as it does when the pod calls it directly (NMI attributes IMDS requests by source address). Without one the
request is the machine owner's, from the proxy's own address; a connection from a pod address must carry one.
The owner's tunnels to the Azure app skip the second hop: the app's aiohttp server takes the decrypted
connection itself (one TLS layer, no copying: about twice the throughput of splicing).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from podid.sandbox.kube.network.ippool import POD_NETWORK
from podid.sandbox.proxy.credentials import BadCredential, PodCredentials
from podid.sandbox.proxy.hosts import HTTP_PORT, HTTPS_PORT, is_azure_host
from podid.sandbox.proxy.routes import Backend, Routes

if TYPE_CHECKING:
    from podid.sandbox.cloud import Cloud

log = logging.getLogger(__name__)

_HEAD_LIMIT = 64 * 1024
_HEAD_TIMEOUT = 30.0
_CHUNK = 256 * 1024
_HOP_BY_HOP = frozenset({"proxy-authorization", "proxy-connection", "connection", "keep-alive"})
_REALM = 'Basic realm="podid sandbox"'
_PODS = ipaddress.ip_network(POD_NETWORK)


class Refused(Exception):
    """A request the proxy answers itself (status, reason, body)."""

    def __init__(self, status: int, reason: str, body: str, headers: tuple[str, ...] = ()) -> None:
        super().__init__(body)
        self.status, self.reason, self.body, self.headers = status, reason, body, headers

    def response(self) -> bytes:
        body = self.body.encode() + b"\n"
        lines = [f"HTTP/1.1 {self.status} {self.reason}", "Content-Type: text/plain; charset=utf-8"]
        lines += [*self.headers, f"Content-Length: {len(body)}", "Connection: close", "", ""]
        return "\r\n".join(lines).encode() + body


def _unauthenticated(why: str) -> Refused:
    return Refused(
        407, "Proxy Authentication Required", f"podid sandbox proxy: {why}", (f"Proxy-Authenticate: {_REALM}",)
    )


def _not_played(target: str) -> Refused:
    return Refused(403, "Forbidden", f"podid sandbox proxy: {target} is not a host the sandbox plays")


@dataclass(frozen=True)
class Head:
    """A request line and headers (names lower-cased, the last value of each)."""

    method: str
    target: str
    version: str
    headers: dict[str, str]

    @classmethod
    def parse(cls, raw: bytes) -> Head:
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise Refused(400, "Bad Request", "podid sandbox proxy: malformed request line")
        headers = {}
        for line in filter(None, lines[1:]):
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise Refused(400, "Bad Request", "podid sandbox proxy: malformed header line")
            headers[name.strip().lower()] = value.strip()
        return cls(parts[0], parts[1], parts[2], headers)


def _host_port(authority: str, default: int) -> tuple[str, int]:
    host, _, port = authority.rpartition(":") if authority.count(":") == 1 else (authority, "", "")
    if not host or (port and not port.isdigit()):
        raise _not_played(authority)
    return host.lower(), int(port) if port else default


class ProxyService:
    """The proxy of one sandbox, started by the runner after every other front end; its address in ``url``,
    the pods' credentials in ``credentials``."""

    def __init__(self, cloud: Cloud, sock: socket.socket) -> None:
        self._cloud = cloud
        self._socket = sock
        self._routes = Routes(cloud)
        self.credentials = PodCredentials.new(self._pod_uid)
        self.url = f"http://{cloud.settings.host}:{sock.getsockname()[1]}"
        self._server: asyncio.Server | None = None
        self._azure_app: web.Server | None = None
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._client = ssl.create_default_context(cafile=str(cloud.ca.ca_path))

    async def start(self, azure_app: web.Server | None) -> None:
        """Serve; ``azure_app`` is the Azure HTTPS app's aiohttp server (it takes the owner's tunnels)."""
        self._azure_app = azure_app
        self._server = await asyncio.start_server(self._serve, sock=self._socket, limit=_HEAD_LIMIT)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 1)

    def _pod_uid(self, ip: str) -> str | None:
        """The UID of the pod holding ``ip``, from the pod address pool: the kubelet records (cluster, namespace,
        name, UID) there until the pod is deleted (``KubeFleet.pod_by_ip`` reads it too), and no pod is copied."""
        owner = self._cloud.kube.pod_ips.owner(ip)
        return str(owner[3]) if isinstance(owner, tuple) else None

    # one client connection

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handed_over = False
        try:
            head = Head.parse(await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _HEAD_TIMEOUT))
            source = self._source(head, writer.get_extra_info("peername"))
            if head.method == "CONNECT":
                handed_over = await self._tunnel(head, reader, writer, source)
            else:
                await self._forward(head, reader, writer, source)
        except Refused as refused:
            writer.write(refused.response())
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a client that went away or never finished its request head
        except (OSError, ssl.SSLError) as error:
            log.debug("proxy connection ended: %s", error)
        finally:
            if not handed_over:
                writer.close()

    def _source(self, head: Head, peer: tuple[str, int] | None) -> str:
        """The address to connect from: the credential's pod, else the proxy's own. Callers from another
        machine are refused, as by every control surface of the sandbox (a sandbox bound to another address)."""
        if peer is None or not ipaddress.ip_address(peer[0]).is_loopback:
            raise Refused(403, "Forbidden", "podid sandbox proxy: loopback callers only")
        try:
            pod_ip = self.credentials.pod_ip(head.headers.get("proxy-authorization"))
        except BadCredential:
            raise _unauthenticated("no such pod credential") from None
        if pod_ip is None and ipaddress.ip_address(peer[0]) in _PODS:
            raise _unauthenticated("a pod must use its credential")
        return pod_ip or self._cloud.settings.host

    async def _tunnel(
        self, head: Head, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, source: str
    ) -> bool:
        """Answer a CONNECT; True when the Azure app's server took the connection over."""
        host, port = _host_port(head.target, HTTPS_PORT)
        backend = self._routes.https(host, port)
        if backend is None:
            raise _not_played(head.target)
        context = self._context(host)
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        if self._azure_app is not None and is_azure_host(host) and source == self._cloud.settings.host:
            await _hand_over(writer.transport, context, self._azure_app)
            return True
        await writer.start_tls(context)
        await _splice(reader, writer, *await self._connect(backend, source))
        return False

    async def _forward(
        self, head: Head, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, source: str
    ) -> None:
        url = urlsplit(head.target)
        if url.scheme.lower() != "http" or not url.netloc:
            raise Refused(400, "Bad Request", "podid sandbox proxy: send CONNECT or an absolute http:// URL")
        host, port = _host_port(url.netloc.rpartition("@")[2], HTTP_PORT)
        backend = self._routes.http(host, port)
        if backend is None:
            raise _not_played(url.netloc)
        up_reader, up_writer = await self._connect(backend, source)
        up_writer.write(_origin_form(head, url.path or "/", url.query))
        await _splice(reader, writer, up_reader, up_writer)

    async def _connect(self, backend: Backend, source: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to a sandbox listener (loopback by construction), from ``source``."""
        tls = self._client if backend.tls else None
        return await asyncio.open_connection(
            backend.host,
            backend.port,
            ssl=tls,
            server_hostname=backend.host if tls else None,
            local_addr=(source, 0),
            limit=_CHUNK,
        )

    def _context(self, host: str) -> ssl.SSLContext:
        context = self._contexts.get(host)
        if context is None:
            context = self._contexts[host] = self._cloud.ca.host_context(host)
        return context


async def _hand_over(transport: asyncio.WriteTransport, context: ssl.SSLContext, app: web.Server) -> None:
    """Terminate TLS on ``transport`` and give the connection to ``app``, as if it had accepted it."""
    early = _Early()
    tls = await asyncio.get_running_loop().start_tls(transport, early, context, server_side=True)
    if tls is None:
        raise ConnectionResetError("the client left during the TLS handshake")
    handler = app()
    tls.set_protocol(handler)
    handler.connection_made(tls)
    early.replay(handler)


class _Early(asyncio.Protocol):
    """What arrives between the end of the handshake and the handover, kept for the app's handler."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._eof = False

    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)

    def eof_received(self) -> bool | None:
        self._eof = True
        return None

    def replay(self, handler: asyncio.Protocol) -> None:
        for chunk in self._chunks:
            handler.data_received(chunk)
        if self._eof:
            handler.eof_received()


def _origin_form(head: Head, path: str, query: str) -> bytes:
    """The request as the listener expects it: origin-form target, no proxy headers, one request only."""
    target = path + (f"?{query}" if query else "")
    lines = [f"{head.method} {target} {head.version}"]
    lines += [f"{name}: {value}" for name, value in head.headers.items() if name not in _HOP_BY_HOP]
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def _splice(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    try:
        await asyncio.gather(_pipe(client_reader, up_writer), _pipe(up_reader, client_writer), return_exceptions=True)
    finally:
        up_writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream, then pass the end on (a half-close where the transport has one)."""
    try:
        while chunk := await reader.read(_CHUNK):
            writer.write(chunk)
            await writer.drain()
    finally:
        if writer.can_write_eof() and not writer.is_closing():
            writer.write_eof()
        else:
            writer.close()
