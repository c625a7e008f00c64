"""The sandbox's ports, as a user chooses them (`podid sandbox start` and `podid up`, flags or PODID_*_PORT):

- a port in use is named, with the setting that changes it, before anything starts;
- a sandbox restarted after a crash (killed) comes back on its own ports, not the defaults;
- a sandbox restarted without flags keeps its ``--kube-port-base``: a cluster created afterwards gets an API server
  port from that base.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.cli.test_aks_commands import create_cluster
from tests.conftest import mgmt_client, operator_credential_for

PODID = [sys.executable, "-m", "podid.cli"]
FREE = ["--imds-port", "0", "--dns-port", "0", "--kube-port-base", "0"]


def podid(*arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PODID_")}
    return subprocess.run(
        [*PODID, *arguments], capture_output=True, text=True, timeout=120, check=False,
        env={**environment, **variables},
    )  # fmt: skip


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "sandbox"
    yield directory
    podid("sandbox", "stop", "--data-dir", str(directory), "-o", "none")


def message(port: int) -> str:
    return f"ERROR: port {port} (ARM) is in use: choose another with --arm-port or PODID_ARM_PORT\n"


def test_sandbox_start_names_a_taken_port(data_dir: Path, taken_port: int) -> None:
    done = podid("sandbox", "start", "--data-dir", str(data_dir), "--arm-port", str(taken_port), *FREE)
    assert done.returncode == 1
    assert done.stderr == message(taken_port)


def test_environment_chooses_the_port(data_dir: Path, taken_port: int) -> None:
    done = podid("sandbox", "start", "--data-dir", str(data_dir), *FREE, PODID_ARM_PORT=str(taken_port))
    assert done.returncode == 1
    assert done.stderr == message(taken_port)


def test_up_chooses_the_sandbox_ports(data_dir: Path, taken_port: int, tmp_path: Path) -> None:
    arguments = ["up", "--data-dir", str(data_dir), "--kubeconfig", str(tmp_path / "kubeconfig"), *FREE]
    done = podid(*arguments, "--arm-port", str(taken_port))
    assert done.returncode == 1
    assert done.stderr == message(taken_port)
    assert not (data_dir / "endpoints.json").exists()


def ports(data_dir: Path) -> tuple[int | None, int | None, int, int]:
    endpoints = json.loads((data_dir / "endpoints.json").read_text())
    arm, imds = urlsplit(endpoints["arm_url"]).port, urlsplit(endpoints["imds_url"]).port
    return arm, imds, int(endpoints["dns_port"]), int(endpoints["pid"])


def test_a_restarted_sandbox_keeps_its_ports(data_dir: Path) -> None:
    started = podid("sandbox", "start", "--data-dir", str(data_dir), "--arm-port", "0", *FREE, "-o", "none")
    assert started.returncode == 0, started.stderr
    *before, pid = ports(data_dir)
    os.killpg(pid, signal.SIGKILL)  # a crash: its process group (it started its own session) dies at once
    while subprocess.run(["kill", "-0", str(pid)], capture_output=True, check=False).returncode == 0:
        time.sleep(0.05)  # until the kernel has reaped it and its ports are free

    restarted = podid("sandbox", "start", "--data-dir", str(data_dir), "-o", "none")
    assert restarted.returncode == 0, restarted.stderr
    *after, new_pid = ports(data_dir)
    assert new_pid != pid
    assert after == before


def api_server_port(data_dir: Path) -> int:
    """The port of the API server of a cluster created now (the SDK, as the operator)."""
    endpoints = Endpoints.load(data_dir)
    credential = operator_credential_for(endpoints)
    mgmt_client(ResourceManagementClient, endpoints, credential).resource_groups.create_or_update(
        "ports", {"location": "westus2"}
    )
    name = create_cluster(endpoints, credential, "ports")
    aks = mgmt_client(ContainerServiceClient, endpoints, credential)
    [kubeconfig] = aks.managed_clusters.list_cluster_admin_credentials("ports", name).kubeconfigs
    server = yaml.safe_load(kubeconfig.value)["clusters"][0]["cluster"]["server"]
    return int(urlsplit(server).port or 443)


def test_a_restarted_sandbox_keeps_its_kube_port_base(data_dir: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        base = probe.getsockname()[1]  # free now, and so (most likely) the ports above it
    free = ["--arm-port", "0", "--imds-port", "0", "--dns-port", "0"]
    started = podid("sandbox", "start", "--data-dir", str(data_dir), *free, "--kube-port-base", str(base))
    assert started.returncode == 0, started.stderr
    assert podid("sandbox", "stop", "--data-dir", str(data_dir), "-o", "none").returncode == 0

    # the other ports free again: between the runs another process may take a port the first run had
    restarted = podid("sandbox", "start", "--data-dir", str(data_dir), *free, "-o", "none")
    assert restarted.returncode == 0, restarted.stderr
    assert base <= api_server_port(data_dir) < base + 100
