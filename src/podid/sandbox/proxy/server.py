"""The sandbox's HTTP proxy on loopback: Azure's own hostnames, played by the sandbox, for unmodified clients.

``HTTPS_PROXY=http://127.0.0.1:<port>`` makes a client send ``CONNECT management.azure.com:443``; the proxy
answers 200, terminates TLS with a certificate of the sandbox CA for that name, and passes the plaintext to the
sandbox listener that serves it (``routes.Routes``, ``tunnel``). Plain HTTP requests
(``GET http://169.254.169.254/…``) reach IMDS, any number on one client connection (``relay``). Any other host
is refused with 403 before any connection is opened: every backend is a loopback port of the sandbox
(``routes.Backend``).

A pod's credential (``credentials``) makes the proxy connect from the pod's IP, so each front end sees the pod
as it does when the pod calls it directly (NMI attributes IMDS requests by source address). Without one the
request is the machine owner's, from the proxy's own address; a connection from a pod address must carry one.
Proxy-Authorization belongs to one request (RFC 9110 section 11.7.4): each plain request on a connection is
judged by its own, and a CONNECT's holds for its tunnel.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import logging
import socket
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web

from podid.sandbox.kube.network.ippool import POD_NETWORK
from podid.sandbox.proxy import tunnel
from podid.sandbox.proxy.acks import acknowledge_reads
from podid.sandbox.proxy.cloudview import ProxiedCloud
from podid.sandbox.proxy.credentials import BadCredential, PodCredentials
from podid.sandbox.proxy.hosts import HTTP_PORT, HTTPS_PORT, is_azure_host
from podid.sandbox.proxy.messages import Body, Head, Refused, bad_request, not_played, request_body, unauthenticated
from podid.sandbox.proxy.relay import CHUNK, Streams, Upstream, copy_body, origin_form, relay_response
from podid.sandbox.proxy.routes import Backend, Routes

log = logging.getLogger(__name__)

_HEAD_LIMIT = 64 * 1024
_IDLE_TIMEOUT = 30.0  # for a request head, the first or the next on a kept-alive connection
_PODS = ipaddress.ip_network(POD_NETWORK)
Peer = tuple[str, int] | None


def _host_port(authority: str, default: int) -> tuple[str, int]:
    host, _, port = authority.rpartition(":") if authority.count(":") == 1 else (authority, "", "")
    if not host or (port and not port.isdigit()):
        raise not_played(authority)
    return host.lower(), int(port) if port else default


class ProxyService:
    """The proxy of one sandbox, started by the runner after every other front end; its address in ``url``,
    the pods' credentials in ``credentials``."""

    def __init__(self, cloud: ProxiedCloud, sock: socket.socket) -> None:
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
        acknowledge_reads(writer.transport)
        upstream, peer = Upstream(self._connect), writer.get_extra_info("peername")
        handed_over = False
        try:
            while (raw := await _next_head(reader)) is not None:
                keep_alive, handed_over = await self._request(raw, (reader, writer), peer, upstream)
                if not keep_alive:
                    break
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a client that went away or never finished its request head
        except (OSError, ssl.SSLError, ValueError) as error:
            log.debug("proxy connection ended: %s", error)
        finally:
            upstream.close()
            if not handed_over:
                writer.close()

    async def _request(self, raw: bytes, client: Streams, peer: Peer, upstream: Upstream) -> tuple[bool, bool]:
        """One request: (whether the connection carries another, whether a tunnel took it over)."""
        head: Head | None = None
        try:
            try:
                head = Head.request(raw)
            except ValueError:
                raise bad_request("malformed request head") from None
            source = self._source(head, peer)
            if head.start[0] == "CONNECT":
                return False, await self._tunnel(head, client, source)
            return await self._forward(head, client, source, upstream), False
        except Refused as refused:
            keep_alive = bool(refused.keeps_connection and head and _bodiless(head) and head.keep_alive(head.start[2]))
            client[1].write(refused.response(keep_alive))
            return keep_alive, False

    def _source(self, head: Head, peer: Peer) -> str:
        """The address to connect from: the credential's pod, else the proxy's own. Callers from another
        machine are refused, as by every control surface of the sandbox (a sandbox bound to another address)."""
        loopback, from_pod = _address_kind(peer[0]) if peer is not None else (False, False)
        if not loopback:
            raise Refused(403, "Forbidden", "podid sandbox proxy: loopback callers only")
        try:
            pod_ip = self.credentials.pod_ip(head.get("proxy-authorization"))
        except BadCredential:
            raise unauthenticated("no such pod credential") from None
        if pod_ip is None and from_pod:
            raise unauthenticated("a pod must use its credential")
        return pod_ip or self._cloud.settings.host

    async def _tunnel(self, head: Head, client: Streams, source: str) -> bool:
        """Answer a CONNECT; True when the Azure app's server took the connection over."""
        host, port = _host_port(head.start[1], HTTPS_PORT)
        backend = self._routes.https(host, port)
        if backend is None:
            raise not_played(head.start[1])
        context = self._context(host)
        writer = client[1]
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        if self._azure_app is not None and is_azure_host(host) and source == self._cloud.settings.host:
            await tunnel.hand_over(writer.transport, context, self._azure_app)
            return True
        await tunnel.terminate_tls(writer, context)
        await tunnel.splice(client, await self._connect(backend, source))
        return False

    async def _forward(self, head: Head, client: Streams, source: str, upstream: Upstream) -> bool:
        """Relay one plain request and its response; True when the client's connection carries another."""
        method, target, version = head.start
        url = urlsplit(target)
        if url.scheme.lower() != "http" or not url.netloc:
            raise bad_request("send CONNECT or an absolute http:// URL")
        backend = self._routes.http(*_host_port(url.netloc.rpartition("@")[2], HTTP_PORT))
        if backend is None:
            raise not_played(url.netloc)
        body, length = request_body(head)
        up_reader, up_writer = await upstream.get(backend, source)
        up_writer.write(origin_form(head, url))
        sending = None if body is Body.NONE else asyncio.ensure_future(copy_body(body, length, client[0], up_writer))
        if sending is not None:
            sending.add_done_callback(_closing_on_failure(up_writer))
        try:
            reusable = await relay_response(method, up_reader, client[1])
            if sending is not None:
                await sending  # the listener may answer before the body ends: the next request comes after it
        finally:
            if sending is not None:
                sending.cancel()
        if not reusable:
            upstream.close()
        return reusable and head.keep_alive(version)

    async def _connect(self, backend: Backend, source: str) -> Streams:
        """A connection to a sandbox listener (loopback by construction), from ``source``."""
        tls = self._client if backend.tls else None
        return await asyncio.open_connection(
            backend.host,
            backend.port,
            ssl=tls,
            server_hostname=backend.host if tls else None,
            local_addr=(source, 0),
            limit=CHUNK,
        )

    def _context(self, host: str) -> ssl.SSLContext:
        context = self._contexts.get(host)
        if context is None:
            context = self._contexts[host] = self._cloud.ca.host_context(host)
        return context


async def _next_head(reader: asyncio.StreamReader) -> bytes | None:
    """The next request head, None when the client closed the connection between requests."""
    try:
        async with asyncio.timeout(_IDLE_TIMEOUT):
            return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise
        return None


def _closing_on_failure(writer: asyncio.StreamWriter) -> Callable[[asyncio.Future[None]], None]:
    """A request body that could not be sent in full ends the listener's connection, and with it the wait for
    its response."""

    def done(sending: asyncio.Future[None]) -> None:
        if not sending.cancelled() and sending.exception() is not None:
            writer.close()

    return done


@functools.lru_cache(maxsize=1024)  # asked on every request, of a few addresses
def _address_kind(address: str) -> tuple[bool, bool]:
    """(a loopback address?, a pod's?)"""
    ip = ipaddress.ip_address(address)
    return ip.is_loopback, ip in _PODS


def _bodiless(head: Head) -> bool:
    return head.get("transfer-encoding") is None and head.get("content-length") in (None, "0")
