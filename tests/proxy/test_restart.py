"""`podid sandbox start` keeps the proxy's port: a sandbox killed and started again answers at the proxy URL
that `podid sandbox env --proxy` exported before (kubeconfigs and shells stay valid)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PODID = [sys.executable, "-m", "podid.cli"]
FREE = ["--arm-port", "0", "--imds-port", "0", "--dns-port", "0", "--kube-port-base", "0"]


def podid(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PODID_")}
    return subprocess.run(
        [*PODID, *arguments], capture_output=True, text=True, timeout=120, check=False, env=environment
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "sandbox"
    yield directory
    podid("sandbox", "stop", "--data-dir", str(directory), "-o", "none")


def start(data_dir: Path, *ports: str) -> dict[str, str]:
    done = podid("sandbox", "start", "--data-dir", str(data_dir), *ports, "-o", "json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout)["endpoints"])


def test_a_restarted_sandbox_keeps_its_proxy_port(data_dir: Path) -> None:
    first = start(data_dir, *FREE)
    assert first["proxy"].startswith("http://127.0.0.1:")
    pid = json.loads((data_dir / "endpoints.json").read_text())["pid"]
    os.kill(pid, signal.SIGKILL)  # a crash: nothing is cleaned up
    again = start(data_dir)
    assert again["proxy"] == first["proxy"]
