"""Nothing waits forever: a Kubernetes API server that accepts connections and never answers (a plain socket in a
thread) fails the call, and `podid status`, with one line naming the server and what to check; one that refuses
connections is named too.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from podid.provision.errors import TimedOut, Transient
from podid.provision.kube import Kube
from podid.sandbox import Endpoints
from tests.cli.conftest import PodidRunner

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
    assert podid("up", *setting, "-o", "json").code == 0
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
