"""The real Azure CLI against the session's sandbox.

The CLI lives in its own virtualenv under ``<repo>/.cache/azcli-venv`` (installed from PyPI on first use, then
reused) and runs with a private AZURE_CONFIG_DIR in which the sandbox cloud is registered and the operator is
logged in, exactly as a user would set it up: `az cloud register`, `az cloud set`, `az login --service-principal`.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from podid.sandbox import Endpoints

AZ_VERSION = "2.91.0"
CLOUD_NAME = "PodidSandbox"
VENV = Path(__file__).resolve().parents[2] / ".cache" / "azcli-venv"
Az = Callable[..., "subprocess.CompletedProcess[str]"]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One installer at a time across pytest-xdist workers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def az_executable() -> Path:
    """`az` from azure-cli==AZ_VERSION in its own virtualenv (a few minutes the first time)."""
    stamp = VENV / f".azure-cli-{AZ_VERSION}"
    with _locked(VENV.parent / "azcli-venv.lock"):
        if not stamp.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
            installed = subprocess.run(
                [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", f"azure-cli=={AZ_VERSION}"],
                check=False,
                capture_output=True,
                text=True,
            )
            assert installed.returncode == 0, installed.stderr[-4000:]
            stamp.touch()
    return VENV / "bin" / "az"


@pytest.fixture(scope="session")
def az(az_executable: Path, endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Az:
    """``az(*args, check=True)``: run the CLI, logged in to the sandbox as the operator."""
    env = {
        **os.environ,
        "AZURE_CONFIG_DIR": str(tmp_path_factory.mktemp("azure-config")),
        "REQUESTS_CA_BUNDLE": endpoints.ca_bundle,
        "CURL_CA_BUNDLE": endpoints.ca_bundle,
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_CORE_SURVEY_MESSAGE": "false",
        "AZURE_CORE_NO_COLOR": "true",
    }

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(az_executable), *args]
        result = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"az {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    run("cloud", "register", "-n", CLOUD_NAME, "--endpoint-resource-manager", endpoints.arm_url)
    run("cloud", "set", "-n", CLOUD_NAME)
    operator = endpoints.operator
    run(
        "login", "--service-principal", "-u", operator.client_id, f"--password={operator.client_secret}",
        "--tenant", endpoints.tenant_id,
    )  # fmt: skip
    return run
