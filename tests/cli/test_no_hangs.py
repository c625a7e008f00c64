"""Nothing waits forever: a Kubernetes API server that accepts connections and never answers (a plain socket in a
thread) fails the call, and `podid status`, with one line naming the server and what to check; one that refuses
connections is named too. The same for Azure: an ARM or Entra ID endpoint that accepts connections and completes
TLS, then never answers, fails `podid status` after one read timeout (``PODID_READ_TIMEOUT``, 1 s here), asked once
(a silent read is not retried), in one line naming the endpoint, the call and what to check; an answer whose
Retry-After lies beyond the retry window stands at once instead of being waited for; a read timeout that is not a
number of seconds is refused before any request.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from podid.provision.errors import TimedOut, Transient
from podid.provision.kube import Kube
from podid.provision.target import SANDBOX_CHECK
from podid.sandbox import Endpoints
from podid.sandbox.core.pki import load_or_create
from tests.cli.conftest import PodidRunner, data_dir_with

CHECK = "check that the cluster is running and that the kubeconfig names its API server"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """https://127.0.0.1:<port> that accepts every connection and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"https://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in held:
        connection.close()


def kubeconfig_for(server: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server, "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c",
    }


def test_a_silent_api_server_times_out_named(silent_server: str) -> None:
    with pytest.raises(TimedOut) as raised:
        Kube.from_dict(kubeconfig_for(silent_server)).get("Namespace", None, "default")
    assert str(raised.value).startswith(
        f"the Kubernetes API server {silent_server} accepted the connection but did not answer within "
    )
    assert str(raised.value).endswith(f" s: {CHECK}")


def test_a_closed_port_is_named() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        server = f"https://127.0.0.1:{placeholder.getsockname()[1]}"
    with pytest.raises(Transient) as raised:
        Kube.from_dict(kubeconfig_for(server)).get("Namespace", None, "default")
    assert str(raised.value) == f"cannot reach the Kubernetes API server {server}: {CHECK}"


def test_status_fails_in_one_line_naming_a_silent_server(
    podid: PodidRunner, endpoints: Endpoints, unique: str, tmp_path: Path, silent_server: str
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    setting = [
        "-g",
        unique,
        "--cluster-name",
        unique,
        "--dns-domain",
        f"{unique}.internal",
        "--kubeconfig",
        str(kubeconfig),
    ]
    ran = podid("up", *setting, "-o", "json")
    assert ran.code == 0, ran.err
    document = yaml.safe_load(kubeconfig.read_text())
    for entry in document["clusters"]:
        entry["cluster"]["server"] = silent_server
    kubeconfig.write_text(yaml.safe_dump(document))

    # a subprocess, so that a hang fails this test (timeout) instead of stopping the session
    done = subprocess.run(
        [sys.executable, "-m", "podid.cli", "status", *setting, "--data-dir", endpoints.data_dir],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"ERROR: the Kubernetes API server {silent_server} accepted the connection but did not answer within "
    )
    assert lines[0].endswith(f" s: {CHECK}")


class Listener:
    """https://127.0.0.1:<port> with the sandbox's certificate: each connection completes TLS, then gets ``reply``
    (None: nothing, ever). ``connections`` counts the attempts that reached it."""

    def __init__(self, endpoints: Endpoints, reply: bytes | None) -> None:
        self._context = load_or_create(Path(endpoints.ca_cert).parent).server_context()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._reply, self._held = reply, list[socket.socket]()
        self.url = f"https://127.0.0.1:{self._server.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                raw = self._server.accept()[0]
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            connection = self._context.wrap_socket(raw, server_side=True)
            self._held.append(connection)
            if self._reply is not None:
                connection.recv(65536)  # the request (small: a GET without a body)
                connection.sendall(self._reply)
        except (OSError, ssl.SSLError):
            return

    def close(self) -> None:
        self._server.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def listen(endpoints: Endpoints) -> Iterator[Callable[[bytes | None], Listener]]:
    made: list[Listener] = []

    def make(reply: bytes | None) -> Listener:
        made.append(Listener(endpoints, reply))
        return made[-1]

    yield make
    for listener in made:
        listener.close()


def status(data_dir: Path, unique: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    from podid.cli import main

    capsys.readouterr()
    code = main(["status", "-g", unique, "--kubeconfig", str(data_dir / "kubeconfig"), "--data-dir", str(data_dir)])
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(
    ("setting", "suffix", "call"),
    [
        ("arm_url", "/", "GET /subscriptions/{subscription}/locations"),  # the first ARM request
        ("authority", "", "GET /{tenant}/v2.0/.well-known/openid-configuration"),  # MSAL's first request
    ],
    ids=["arm", "entra-id"],
)
def test_a_silent_endpoint_fails_status_asked_once(
    setting: str, suffix: str, call: str, endpoints: Endpoints, listen: Callable[[bytes | None], Listener],
    tmp_path: Path, unique: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("PODID_READ_TIMEOUT", "1")
    silent = listen(None)
    code, lines = status(data_dir_with(endpoints, tmp_path, **{setting: silent.url + suffix}), unique, capsys)
    assert code == 1 and len(lines) == 1, lines
    call = call.format(subscription=endpoints.subscription_id, tenant=endpoints.tenant_id)
    assert lines[0].startswith(f"ERROR: {silent.url} accepted the connection but did not answer {call} ("), lines
    assert lines[0].endswith(f" s): {SANDBOX_CHECK}"), lines
    assert silent.connections == 1  # a read that timed out is not tried again


def test_a_retry_after_beyond_the_window_is_not_waited_for(
    endpoints: Endpoints, listen: Callable[[bytes | None], Listener], tmp_path: Path, unique: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    body = b'{"error": {"code": "ServerBusy", "message": "try later"}}'
    head = f"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3600\r\nContent-Length: {len(body)}\r\n"
    busy = listen(head.encode() + b"Content-Type: application/json\r\nConnection: close\r\n\r\n" + body)
    code, lines = status(data_dir_with(endpoints, tmp_path, arm_url=busy.url + "/"), unique, capsys)
    assert (code, lines) == (1, ["ERROR: (ServerBusy) try later"])
    assert busy.connections == 1


def test_a_read_timeout_that_is_no_number_of_seconds_is_refused(
    endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, unique: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("PODID_READ_TIMEOUT", "soon")
    code, lines = status(data_dir_with(endpoints, tmp_path), unique, capsys)
    assert (code, lines) == (2, ["ERROR: PODID_READ_TIMEOUT='soon': a number of seconds above 0 (at most 3600)"])
