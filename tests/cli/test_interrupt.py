"""Ctrl-C during `podid up` (SIGINT once a step has reported) exits 130 with one line saying what was done and
that `podid up` again finishes; running it again does finish. Ctrl-C during the summary, while its report waits
for the hello name (here from a DNS server that never answers), ends the command at once: nothing waits for the
report.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dns.message
import pytest

from podid.sandbox import Endpoints
from tests.cli.conftest import data_dir_with

INTERRUPTED = (
    "interrupted: the steps reported above are done, the one under way may be half-done; "
    "`podid plan` shows what is left and `podid up` again finishes"
)


def test_ctrl_c_during_up_says_how_to_finish(endpoints: Endpoints, unique: str, tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "podid.cli", "up", "-g", unique, "--cluster-name", unique,
        "--dns-domain", f"{unique}.internal", "--kubeconfig", str(tmp_path / "kubeconfig"),
        "--data-dir", endpoints.data_dir,
    ]  # fmt: skip
    with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as up:
        assert up.stderr is not None
        reported = []
        for line in up.stderr:  # each finished step is one line on stderr
            reported.append(line)
            if "resource group" in line:
                up.send_signal(signal.SIGINT)
                break
        rest = up.stderr.read()
        code = up.wait(timeout=120)
    assert code == 130, "".join(reported) + rest
    assert rest.strip().splitlines()[-1] == INTERRUPTED
    again = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr


@pytest.fixture
def silent_dns() -> Iterator[socket.socket]:
    """A UDP socket on 127.0.0.1 that takes every question and answers none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(300)  # a guard: `up` asks within seconds
        yield server


def test_ctrl_c_during_the_summary_does_not_wait_for_the_report(
    endpoints: Endpoints, unique: str, tmp_path: Path, silent_dns: socket.socket
) -> None:
    data_dir = data_dir_with(endpoints, tmp_path, dns_port=silent_dns.getsockname()[1])
    command = [
        sys.executable, "-m", "podid.cli", "up", "-g", unique, "--cluster-name", unique,
        "--dns-domain", f"{unique}.internal", "--kubeconfig", str(tmp_path / "kubeconfig"),
        "--data-dir", str(data_dir),
    ]  # fmt: skip
    with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as up:
        question, _ = silent_dns.recvfrom(512)  # the report asks for the hello name: the summary is under way
        up.send_signal(signal.SIGINT)
        # the report would ask again and again for 90 s: an exit well before is one that did not wait for it
        rest = up.communicate(timeout=60)[1]
    code = up.returncode
    assert dns.message.from_wire(question).question[0].name.to_text() == f"hello.{unique}.internal."
    assert (code, rest.strip().splitlines()[-1]) == (130, INTERRUPTED), rest
