"""What the proxy refuses, over raw sockets: it plays a fixed set of hosts and never connects anywhere else.

Covers: CONNECT to any other host (a public name, a loopback port that is listening, a played name on another
port) and a plain request to any host but IMDS get 403 with the proxy's one-line text, and no connection is
opened (a listener the refused CONNECT names is never called); a credential that names no pod gets 407 with
Proxy-Authenticate; a request that is not a proxy request gets 400.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator

import pytest

from podid.sandbox import Endpoints


def _address(endpoints: Endpoints) -> tuple[str, int]:
    host, port = endpoints.proxy_url.removeprefix("http://").split(":")
    return host, int(port)


def ask(endpoints: Endpoints, request: str) -> tuple[str, str]:
    """Send one request head; return the status line and the body of the proxy's answer."""
    with socket.create_connection(_address(endpoints), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.decode().partition("\r\n\r\n")
    return head.split("\r\n")[0], body


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
        answer = sock.makefile("rb").read().decode()
    assert answer.startswith("HTTP/1.1 407 Proxy Authentication Required\r\n")
    assert 'Proxy-Authenticate: Basic realm="podid sandbox"\r\n' in answer
    assert answer.endswith("\r\n\r\npodid sandbox proxy: no such pod credential\n")


def test_a_request_that_is_not_for_a_proxy_is_malformed(endpoints: Endpoints) -> None:
    status, body = ask(endpoints, "GET /subscriptions HTTP/1.1\r\nHost: management.azure.com\r\n\r\n")
    assert (status, body) == (
        "HTTP/1.1 400 Bad Request",
        "podid sandbox proxy: send CONNECT or an absolute http:// URL\n",
    )
