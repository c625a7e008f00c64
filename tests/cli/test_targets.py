"""Targets never cross, as a user runs `podid` (a subprocess with a clean environment: no AZURE_* variables, a
HOME without any Azure CLI login):

- `--target azure` refuses, before any request, an environment that points at a sandbox (what `podid sandbox env`
  exports: its client id, its authority, its CA bundle, its proxy), naming the variable; a recording listener in
  place of the authority proves no token request left;
- `--target azure --mode workload-identity` starts no sandbox;
- `--target azure` without any credential says, in one line, to run `az login` or set the AZURE_* variables;
- the commands that only read or change what exists (`status`, `plan`, `verify`, `down`, az-style ones) never
  start a sandbox: they say none runs and what starts one; `sandbox status` starts none either.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from podid.sandbox import Endpoints

PODID = [sys.executable, "-m", "podid.cli"]


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    """No Azure or podid variables, and a HOME without an Azure CLI login or a podid sandbox."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith(("AZURE_", "PODID_", "KUBE"))}
    return {**kept, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), **extra}


def podid(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PODID, *arguments], capture_output=True, text=True, timeout=120, env=env, check=False)


def sandbox_exports(endpoints: Endpoints, how: str = "--no-az") -> dict[str, str]:
    done = subprocess.run(
        [*PODID, "sandbox", "env", how, "--data-dir", endpoints.data_dir],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    exports = [line for line in done.stdout.splitlines() if line.startswith("export ")]
    return dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in exports)


@pytest.fixture
def listener() -> Iterator[tuple[str, list[object]]]:
    """An HTTP(S) endpoint that records every connection and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    connections: list[object] = []

    def accept() -> None:
        while True:
            try:
                connections.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"https://127.0.0.1:{server.getsockname()[1]}", connections
    server.close()


def test_azure_after_sandbox_env_refuses_without_a_request(
    endpoints: Endpoints, tmp_path: Path, listener: tuple[str, list[object]]
) -> None:
    url, connections = listener
    exports = {**sandbox_exports(endpoints), "AZURE_AUTHORITY_HOST": url}  # a token request would land here
    done = podid("up", "--target", "azure", "--mode", "workload-identity", env=clean_environment(tmp_path, **exports))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: --target azure refused: "), done.stderr
    assert "points at the podid sandbox (`podid sandbox env` set it)" in lines[0]
    assert connections == []


@pytest.mark.parametrize(
    ("variable", "how"),
    [
        ("AZURE_CLIENT_ID", "--no-az"),
        ("AZURE_AUTHORITY_HOST", "--no-az"),
        ("REQUESTS_CA_BUNDLE", "--no-az"),
        ("HTTPS_PROXY", "--proxy"),  # Azure's own hostnames, played by the sandbox's proxy
    ],
)
def test_each_sandbox_variable_is_refused(endpoints: Endpoints, tmp_path: Path, variable: str, how: str) -> None:
    value = sandbox_exports(endpoints, how)[variable]
    environment = clean_environment(tmp_path, **{variable: value, "PODID_DATA_DIR": endpoints.data_dir})
    done = podid("status", "--target", "azure", "--mode", "workload-identity", env=environment)
    assert done.returncode == 2
    assert done.stderr == (
        f"ERROR: --target azure refused: {variable} points at the podid sandbox (`podid sandbox env` set it); "
        "unset the variables it exported, or use a new shell\n"
    )


def test_azure_without_credential_is_one_line_and_starts_no_sandbox(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    environment = clean_environment(tmp_path, PODID_DATA_DIR=str(data_dir))
    done = podid("up", "--target", "azure", "--mode", "workload-identity", env=environment)
    assert done.returncode == 1
    assert done.stderr == (
        "ERROR: no Azure credential: run `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and "
        "AZURE_CLIENT_SECRET (--debug shows what each credential said)\n"
    )
    assert not data_dir.exists()


@pytest.mark.parametrize(
    "command", [["status"], ["plan"], ["verify"], ["down", "--yes"], ["group", "show", "-n", "any"]]
)
def test_read_only_commands_start_no_sandbox(tmp_path: Path, command: list[str]) -> None:
    data_dir = tmp_path / "sandbox"
    done = podid(*command, "--data-dir", str(data_dir), env=clean_environment(tmp_path))
    assert done.returncode == 1
    assert done.stderr == (
        f"ERROR: no sandbox is running in {data_dir}: `podid sandbox start` (or `podid up`) starts one\n"
    )
    assert not (data_dir / "endpoints.json").exists()


def test_sandbox_status_starts_none(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    done = podid("sandbox", "status", "--data-dir", str(data_dir), "-o", "json", env=clean_environment(tmp_path))
    assert done.returncode == 3 and '"running": false' in done.stdout
    assert not (data_dir / "endpoints.json").exists()
