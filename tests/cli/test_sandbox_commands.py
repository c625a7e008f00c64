"""`podid sandbox start|status|env|stop` as a user runs them: a detached sandbox on free ports in a fresh data
dir, its ids and endpoints in `status`, shell exports in `env` that azure-identity's EnvironmentCredential
and the SDKs can use, and that log the real Azure CLI in when it is on PATH (`eval "$(podid sandbox env)"`
then plain `az` commands), and `stop` ending the process (after which `status` says so, with exit code 3)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest
from azure.identity import EnvironmentCredential
from azure.mgmt.resource.resources import ResourceManagementClient

from tests.azcli.conftest import az_executable  # noqa: F401  (the Azure CLI in its own virtualenv)

PODID = [sys.executable, "-m", "podid.cli"]
PORTS = ["--arm-port", "0", "--imds-port", "0", "--dns-port", "0", "--kube-port-base", "0"]


def exported(text: str) -> dict[str, str]:
    return dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in text.splitlines())


def podid(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PODID, *arguments], capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    podid("sandbox", "stop", "--data-dir", str(tmp_path), "-o", "none")


def test_start_status_env_stop(data_dir: Path) -> None:
    started = podid("sandbox", "start", "--data-dir", str(data_dir), *PORTS, "-o", "json")
    assert started.returncode == 0, started.stderr
    status = podid("sandbox", "status", "--data-dir", str(data_dir), "-o", "json")
    shown = __import__("json").loads(status.stdout)
    assert shown["running"] is True and shown["dataDir"] == str(data_dir)
    assert {"tenantId", "subscriptionId", "operator", "endpoints"} <= shown.keys()
    assert shown["endpoints"]["resourceManager"].startswith("https://127.0.0.1:")

    exports = podid("sandbox", "env", "--data-dir", str(data_dir), "--no-az")
    assert exports.returncode == 0
    variables = exported(exports.stdout)
    assert variables["AZURE_CORE_INSTANCE_DISCOVERY"] == "false"
    assert (
        variables["AZURE_TENANT_ID"] == shown["tenantId"]
        and variables["AZURE_CLIENT_ID"] == shown["operator"]["clientId"]
    )
    assert Path(variables["REQUESTS_CA_BUNDLE"]).read_text().count("BEGIN CERTIFICATE") > 1  # system roots + sandbox CA
    # whether or not az is on PATH now: an az run later keeps away from the user's own ~/.azure
    assert variables["AZURE_CONFIG_DIR"] == str(data_dir / "azure")
    dns_server = (variables["PODID_DNS_SERVER"], int(variables["PODID_DNS_SERVER_PORT"]))
    assert f"{dns_server[0]}:{dns_server[1]}" == shown["endpoints"]["dns"]
    query = dns.message.make_query("nothing.example.internal", "A")
    answer = dns.query.udp(query, dns_server[0], port=dns_server[1], timeout=5)
    assert answer.rcode() == dns.rcode.REFUSED  # the sandbox's server answers, for no zone it hosts

    saved = dict(os.environ)
    try:
        os.environ.update(variables)
        credential = EnvironmentCredential(disable_instance_discovery=True)
        client = ResourceManagementClient(
            credential, variables["AZURE_SUBSCRIPTION_ID"], base_url=variables["PODID_ARM_URL"],
            credential_scopes=["https://management.azure.com/.default"],
        )  # fmt: skip
        assert list(client.resource_groups.list()) == []
    finally:
        os.environ.clear()
        os.environ.update(saved)

    stopped = podid("sandbox", "stop", "--data-dir", str(data_dir), "-o", "json")
    assert stopped.returncode == 0
    after = podid("sandbox", "status", "--data-dir", str(data_dir), "-o", "json")
    assert after.returncode == 3 and '"running": false' in after.stdout


def test_a_foreground_sandbox_shows_its_endpoints_as_status_does(tmp_path: Path) -> None:
    command = [*PODID, "sandbox", "start", "--foreground", "--data-dir", str(tmp_path), *PORTS]
    serving = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    watchdog = threading.Timer(120, serving.kill)  # no line ever printed must not hang the suite
    watchdog.start()
    try:
        assert serving.stdout is not None
        shown = [serving.stdout.readline() for _ in range(10)]  # sandbox … proxy: the status table's rows
        status = podid("sandbox", "status", "--data-dir", str(tmp_path))
        assert status.returncode == 0, status.stderr
        assert "".join(shown) == status.stdout
        assert shown[0].split()[:3] == ["sandbox", "running", "(pid"] and f"{serving.pid})" in shown[0]
    finally:
        watchdog.cancel()
        serving.terminate()
        serving.wait(60)


def test_env_without_a_running_sandbox_is_one_line(tmp_path: Path) -> None:
    missing = podid("sandbox", "env", "--data-dir", str(tmp_path))
    assert missing.returncode == 1
    assert missing.stderr == (
        f"ERROR: no sandbox is running in {tmp_path}: `podid sandbox start` (or `podid up`) starts one\n"
    )


@pytest.mark.azcli
def test_env_logs_the_azure_cli_in(az_executable: Path, data_dir: Path) -> None:  # noqa: F811
    assert podid("sandbox", "start", "--data-dir", str(data_dir), *PORTS, "-o", "none").returncode == 0
    path = {**os.environ, "PATH": f"{az_executable.parent}{os.pathsep}{os.environ['PATH']}"}
    exports = podid("sandbox", "env", "--data-dir", str(data_dir), env=path)
    assert exports.returncode == 0, exports.stderr
    variables = exported(exports.stdout)
    assert variables["AZURE_CONFIG_DIR"] == str(data_dir / "azure")
    # az keeps the operator's secret and tokens there: nothing in it is for other users
    assert [str(p) for p in [data_dir / "azure", *(data_dir / "azure").rglob("*")] if p.stat().st_mode & 0o077] == []
    environment = {**path, **variables}

    def az(*arguments: str) -> str:
        done = subprocess.run(
            ["az", *arguments], capture_output=True, text=True, env=environment, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert az("account", "show", "--query", "id", "-o", "tsv") == variables["AZURE_SUBSCRIPTION_ID"]
    assert az("group", "create", "-n", "from-az", "-l", "westus2", "--query", "name", "-o", "tsv") == "from-az"
    again = podid("sandbox", "env", "--data-dir", str(data_dir), env=path)
    assert again.stdout == exports.stdout  # already logged in: the same exports, no new login
