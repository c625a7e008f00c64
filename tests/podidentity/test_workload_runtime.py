"""Workload runtime helpers, the testing module's pod connections, and the demo's command line (pure or against
a local socket).

Covers: connections from pod_session/pod_transport leave from the pod IP they are given (what NMI identifies pods
by), bypassing a proxy in the environment; PODID_POD_ROOT-relative files; the image registry
(`python -m podid.workloads <image>`); the demo's flags in both pflag spellings and its klog line format (no second
newline after a message ending in one).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from azure.core.rest import HttpRequest

from podid.sandbox.testing import pod_session, pod_transport
from podid.workloads import __main__ as workloads_main
from podid.workloads._runtime import pod_path
from podid.workloads.demo import Klog, parse_args
from podid.workloads.images import workload_module

POD_IP = "127.0.0.77"


class _EchoPeer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = self.client_address[0].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoPeer)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pod's proxy variables, pointing at the discard port (nothing listens): a request that took them fails."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("proxy_in_env")
def test_session_connections_leave_from_the_pod_ip(echo_url: str) -> None:
    with pod_session(POD_IP) as session:
        assert session.get(echo_url, timeout=5).text == POD_IP


@pytest.mark.usefixtures("proxy_in_env")
def test_transport_connections_leave_from_the_pod_ip(echo_url: str) -> None:
    with pod_transport(POD_IP) as transport:
        response = transport.send(HttpRequest("GET", echo_url))
        assert response.text() == POD_IP


def test_pod_files_live_under_the_pod_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODID_POD_ROOT", str(tmp_path))
    (tmp_path / "etc/kubernetes").mkdir(parents=True)
    (tmp_path / "etc/kubernetes/azure.json").write_text("{}")
    assert pod_path("/etc/kubernetes/azure.json").read_text() == "{}"
    assert pod_path("etc/kubernetes/azure.json") == tmp_path / "etc/kubernetes/azure.json"
    monkeypatch.delenv("PODID_POD_ROOT")
    assert pod_path("/etc/kubernetes/azure.json") == Path("/etc/kubernetes/azure.json")


def test_images_select_workloads_by_prefix() -> None:
    assert workload_module("mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3") == "podid.workloads.demo"
    assert workload_module("mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.8.17") == "podid.workloads.demo"
    assert workload_module("nginx:1.25") is None
    assert workloads_main.main(["nginx:1.25"]) == 2
    assert workloads_main.main([]) == 2


def test_demo_flags_as_the_tutorial_passes_them() -> None:
    config = parse_args(["--subscriptionid=sub", "--clientid", "cid", "--resourcegroup=rg", "--retry-wait-time=0.5"])
    assert (config.subscription_id, config.client_id, config.resource_group) == ("sub", "cid", "rg")
    assert config.resource == "https://management.azure.com/" and config.retry_wait_seconds == 0.5
    assert parse_args([]).retry_wait_seconds == 20


def test_klog_lines() -> None:
    stream = io.StringIO()
    log = Klog(stream=stream)
    log.info(77, "successfully counted VM from ARM: 0")
    log.error(73, "failed list all vm, error: boom")
    log.error(87, "error: Response body: no azure identity found for request clientID \n")
    first, second, third = stream.getvalue().split("\n")[:3]
    assert re.fullmatch(r"I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ main\.go:77\] successfully counted VM from ARM: 0", first)
    assert second.startswith("E") and second.endswith("main.go:73] failed list all vm, error: boom")
    assert third.endswith("main.go:87] error: Response body: no azure identity found for request clientID ")
    assert stream.getvalue().endswith("clientID \n")  # klog adds no newline to a message that has one
