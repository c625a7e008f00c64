"""What the proxy refuses, over raw sockets: it plays a fixed set of hosts and never connects anywhere else.

Covers: CONNECT to any other host (a public name, a loopback port that is listening, a played name on another
port) and a plain request to any host but IMDS get 403 with the proxy's one-line text, and no connection is
opened (a listener the refused CONNECT names is never called); a credential that names no pod gets 407 with
Proxy-Authenticate; a request that is not a proxy request gets 400. A 403 or 407 keeps the connection open for
the client's next request, as HTTP/1.1 does; a 400 closes it.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from typing import BinaryIO

import pytest

from podid.sandbox import Endpoints


def _address(endpoints: Endpoints) -> tuple[str, int]:
    host, port = endpoints.proxy_url.removeprefix("http://").split(":")
    return host, int(port)


def read_response(stream: BinaryIO) -> tuple[str, dict[str, str], str]:
    """One response from ``stream``: its status line, header fields (names lower-cased) and Content-Length body."""
    status = stream.readline().decode().rstrip("\r\n")
    fields = dict(line.decode().rstrip("\r\n").split(": ", 1) for line in iter(stream.readline, b"\r\n"))
    fields = {name.lower(): value for name, value in fields.items()}
    return status, fields, stream.read(int(fields["content-length"])).decode()


def ask(endpoints: Endpoints, request: str) -> tuple[str, str]:
    """Send one request head; return the status line and the body of the proxy's answer."""
    with socket.create_connection(_address(endpoints), timeout=10) as sock:
        sock.sendall(request.encode())
        status, _, body = read_response(sock.makefile("rb"))
    return status, body


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback port that would accept a connection, to show the proxy never opens one."""
    sock = socket.create_server(("127.0.0.1", 0))
    sock.setblocking(False)
    yield sock
    sock.close()


def test_another_host_is_refused(endpoints: Endpoints) -> None:
    status, body = ask(endpoints, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
    assert (status, body) == (
        "HTTP/1.1 403 Forbidden",
        "podid sandbox proxy: example.com:443 is not a host the sandbox plays\n",
    )


def test_a_listening_local_port_is_refused_without_a_connection(endpoints: Endpoints, listener: socket.socket) -> None:
    target = f"127.0.0.1:{listener.getsockname()[1]}"
    status, body = ask(endpoints, f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n")
    assert (status, body) == (
        "HTTP/1.1 403 Forbidden",
        f"podid sandbox proxy: {target} is not a host the sandbox plays\n",
    )
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody called


def test_a_played_host_on_another_port_is_refused(endpoints: Endpoints) -> None:
    status, _ = ask(endpoints, "CONNECT management.azure.com:8443 HTTP/1.1\r\nHost: management.azure.com\r\n\r\n")
    assert status == "HTTP/1.1 403 Forbidden"


def test_plain_http_reaches_imds_alone(endpoints: Endpoints) -> None:
    status, body = ask(endpoints, "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert (status, body) == (
        "HTTP/1.1 403 Forbidden",
        "podid sandbox proxy: example.com is not a host the sandbox plays\n",
    )
    status, _ = ask(endpoints, "GET http://management.azure.com/ HTTP/1.1\r\nHost: management.azure.com\r\n\r\n")
    assert status == "HTTP/1.1 403 Forbidden"


def test_a_credential_that_names_no_pod_is_refused(endpoints: Endpoints) -> None:
    forged = base64.b64encode(b"127.244.0.9:0123456789abcdef").decode()
    request = f"CONNECT management.azure.com:443 HTTP/1.1\r\nProxy-Authorization: Basic {forged}\r\n\r\n"
    with socket.create_connection(_address(endpoints), timeout=10) as sock:
        sock.sendall(request.encode())
        status, fields, body = read_response(sock.makefile("rb"))
    assert status == "HTTP/1.1 407 Proxy Authentication Required"
    assert fields["proxy-authenticate"] == 'Basic realm="podid sandbox"'
    assert body == "podid sandbox proxy: no such pod credential\n"


def test_a_refusal_keeps_the_connection_for_the_next_request(endpoints: Endpoints) -> None:
    """A client may go on after a 403 or a 407 on the same connection (a 407 is how a client learns to send its
    credential); each answer is the one its own request earns."""
    with socket.create_connection(_address(endpoints), timeout=10) as sock:
        stream = sock.makefile("rb")
        sock.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        assert read_response(stream)[0] == "HTTP/1.1 403 Forbidden"
        sock.sendall(b"CONNECT management.azure.com:443 HTTP/1.1\r\nHost: management.azure.com:443\r\n\r\n")
        assert stream.readline() == b"HTTP/1.1 200 Connection Established\r\n"


def test_a_malformed_request_closes_the_connection(endpoints: Endpoints) -> None:
    with socket.create_connection(_address(endpoints), timeout=10) as sock:
        sock.sendall(b"GET\r\n\r\nGET http://169.254.169.254/ HTTP/1.1\r\n\r\n")
        stream = sock.makefile("rb")
        status, fields, body = read_response(stream)
        assert (status, fields["connection"], body) == (
            "HTTP/1.1 400 Bad Request",
            "close",
            "podid sandbox proxy: malformed request head\n",
        )
        assert stream.read() == b""  # nothing more: the second request was not read


def test_a_request_that_is_not_for_a_proxy_is_malformed(endpoints: Endpoints) -> None:
    status, body = ask(endpoints, "GET /subscriptions HTTP/1.1\r\nHost: management.azure.com\r\n\r\n")
    assert (status, body) == (
        "HTTP/1.1 400 Bad Request",
        "podid sandbox proxy: send CONNECT or an absolute http:// URL\n",
    )
