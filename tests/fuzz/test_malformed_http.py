"""HTTP that no client library would send, over raw (TLS) sockets: broken request lines, oversized or broken headers,
bodies that contradict their framing. Such requests never reach an API, so no envelope is due (Azure's and the
apiserver's front ends answer them with their HTTP server's own 400 too); the reply must be a 4xx status line or
a closed connection, never a 5xx, and each server must keep serving."""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlparse

import pytest
import requests

from podid.sandbox import Endpoints
from podid.sandbox.kube import ClusterAccess

MALFORMED = [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",  # no Host
    b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET " + b"/a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
    b"\xff\xfe\xfd\r\n\r\n",
]


def _status(host: str, port: int, request: bytes, context: ssl.SSLContext | None) -> int | None:
    """The status code of the reply, or None when the server closed the connection without one."""
    with socket.create_connection((host, port), timeout=10) as raw:
        sock = context.wrap_socket(raw, server_hostname=host) if context else raw
        sock.sendall(request)
        try:
            head = sock.recv(64)
        except (ConnectionError, ssl.SSLError):
            return None
    return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.") else None


def _servers(endpoints: Endpoints, kube_access: ClusterAccess) -> list[tuple[str, str, bool]]:
    return [
        (endpoints.arm_url, "ARM", True),
        (kube_access.server_url, "Kubernetes", True),
        (endpoints.imds_url, "IMDS", False),
    ]


@pytest.mark.parametrize("request_bytes", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_http_gets_a_4xx_or_a_close(
    endpoints: Endpoints, kube_access: ClusterAccess, request_bytes: bytes
) -> None:
    context = ssl.create_default_context(cafile=endpoints.ca_cert)
    for url, name, tls in _servers(endpoints, kube_access):
        parsed = urlparse(url)
        status = _status(parsed.hostname or "", parsed.port or 0, request_bytes, context if tls else None)
        assert status is None or 400 <= status < 500, (name, status)
    assert requests.get(f"{endpoints.arm_url}metadata/endpoints", verify=endpoints.ca_bundle, timeout=30).ok
    assert requests.get(f"{kube_access.server_url}/version", verify=endpoints.ca_cert, timeout=30).ok
