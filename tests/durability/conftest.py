"""The sandbox as its own process (`python -m podid.sandbox`, what `podid sandbox start` spawns), stopped by
signals, and the official clients pointed at whichever instance is running on a data directory.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from podid.sandbox import Endpoints
from tests.conftest import credential_for, mgmt_client

T = TypeVar("T")
START_TIMEOUT = 60.0


class SandboxProcess:
    """One sandbox process after another on the same data directory, on free ports each time."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._log = data_dir.parent / f"{data_dir.name}.log"

    def start(self, arm_port: int = 0) -> Endpoints:
        """Spawn the process (ARM on ``arm_port``, 0 for a free one); ready once it publishes endpoints.json with
        its own pid."""
        assert self._process is None, "already running"
        command = [sys.executable, "-m", "podid.sandbox", "--data-dir", str(self.data_dir), "--log-level", "WARNING"]
        command += ["--arm-port", str(arm_port), "--imds-port", "0", "--dns-port", "0", "--kube-port-base", "0"]
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AssertionError(f"the sandbox exited {self._process.returncode}:\n{self.log_tail()}")
            endpoints = self._published()
            if endpoints is not None and endpoints.pid == self._process.pid:
                return endpoints
            time.sleep(0.05)
        raise AssertionError(f"the sandbox did not start within {START_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` and return the exit status (negative: killed by that signal)."""
        assert self._process is not None, "not running"
        process, self._process = self._process, None
        process.send_signal(signum)
        return process.wait(timeout=30)

    def kill_leftover(self) -> None:
        if self._process is not None:
            self.stop(signal.SIGKILL)

    def log_tail(self) -> str:
        return self._log.read_text(errors="replace")[-4000:] if self._log.exists() else ""

    def _published(self) -> Endpoints | None:
        try:
            return Endpoints.load(self.data_dir)
        except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
            return None  # not written yet, or caught mid-write


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path / "sandbox")
    yield process
    process.kill_leftover()


def operator_client(client_class: type[T], endpoints: Endpoints, **kwargs: Any) -> T:
    """An azure-mgmt-* client signed in as the operator of the running instance."""
    operator = endpoints.operator
    credential = credential_for(endpoints, operator.client_id, operator.client_secret)
    return mgmt_client(client_class, endpoints, credential, **kwargs)
