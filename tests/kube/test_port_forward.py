"""``kubectl port-forward`` against pods/portforward, with every installed kubectl (SPDY/3.1 on the upgraded
connection up to 1.30, SPDY tunneled in WebSocket messages, ``SPDY/3.1+portforward.k8s.io``, from 1.31), and
the kubernetes Python client's ``portforward()`` (WebSocket channels, ``v4.channel.k8s.io``).

Covers: a connection to the local port reaches the pod's port on the pod's own address and carries bytes
both ways; a port nothing listens on gets the kubelet's "error forwarding port" text in kubectl's log and on
the client's error channel.
"""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from kubernetes import client as k8s
from kubernetes.stream import portforward

from tests.kube.conftest import Kubectl
from tests.kube.test_exec import VERSIONS, running_pod

FORWARDING = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)")


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"hello from {self.server.server_address[0]}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listening_pod(core: k8s.CoreV1Api, namespace: str) -> Iterator[tuple[str, int]]:
    """A pod, and an HTTP server on its address (what a container listening on its pod IP would be)."""
    ip = running_pod(core, namespace, "web")
    server = http.server.ThreadingHTTPServer((ip, 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ip, server.server_address[1]
    server.shutdown()
    server.server_close()


def forward(kubectl: Kubectl, namespace: str, port: int) -> tuple[subprocess.Popen[str], int]:
    command = [kubectl.binary, f"--kubeconfig={kubectl.kubeconfig}", f"--cache-dir={kubectl.cache_dir}"]
    command += ["port-forward", "-n", namespace, "pod/web", f":{port}"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = FORWARDING.search(line)
    assert match, f"kubectl port-forward printed {line!r}: {process.stderr.read() if process.poll() else ''}"
    return process, int(match.group(1))


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_port_forward_reaches_the_pods_port(
    version: str, kubectl: Kubectl, listening_pod: tuple[str, int], namespace: str
) -> None:
    ip, port = listening_pod
    versioned = Kubectl(kubectl.kubeconfig, kubectl.cache_dir, VERSIONS[version])
    process, local = forward(versioned, namespace, port)
    try:
        for _ in range(2):  # each connection is its own pair of streams
            with urllib.request.urlopen(f"http://127.0.0.1:{local}/", timeout=30) as response:
                assert response.read() == f"hello from {ip}\n".encode()
    finally:
        process.kill()
        process.communicate()


@pytest.mark.parametrize("version", ["1.29", "1.33"])
def test_a_closed_port_gets_the_kubelets_error(
    version: str, kubectl: Kubectl, core: k8s.CoreV1Api, namespace: str
) -> None:
    running_pod(core, namespace, "web")
    versioned = Kubectl(kubectl.kubeconfig, kubectl.cache_dir, VERSIONS[version])
    process, local = forward(versioned, namespace, 9)
    try:
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{local}/", timeout=30)
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert re.search(
        r"error forwarding port 9 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace "
        r'\\?"/var/run/netns/cni-[0-9a-f-]{36}\\?": failed to connect to localhost:9 inside namespace '
        r'\\?"[0-9a-f]{64}\\?", '
        r"IPv4: dial tcp4 127\.0\.0\.1:9: connect: connection refused",
        stderr,
    ), stderr  # kubectl 1.31+ logs it structured, its quotes escaped


def test_python_client_portforward(core: k8s.CoreV1Api, listening_pod: tuple[str, int], namespace: str) -> None:
    ip, port = listening_pod
    forwarded = portforward(core.connect_get_namespaced_pod_portforward, "web", namespace, ports=str(port))
    connection = forwarded.socket(port)
    connection.sendall(b"GET / HTTP/1.0\r\n\r\n")
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    connection.close()
    assert received.startswith(b"HTTP/1.0 200 OK\r\n")
    assert received.endswith(f"hello from {ip}\n".encode())
    assert forwarded.error(port) is None


def test_python_client_portforward_to_a_closed_port(core: k8s.CoreV1Api, namespace: str) -> None:
    running_pod(core, namespace, "web")
    forwarded = portforward(core.connect_get_namespaced_pod_portforward, "web", namespace, ports="9")
    connection = forwarded.socket(9)
    assert connection.recv(4096) == b""
    assert "failed to connect to localhost:9 inside namespace" in (forwarded.error(9) or "")
