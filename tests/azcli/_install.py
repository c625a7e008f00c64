"""The real Azure CLI, installed and pointed at a sandbox: shared by the azcli tests and bench/up.py.

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

from podid.sandbox import Endpoints

AZ_VERSION = "2.91.0"
CLOUD_NAME = "PodidSandbox"
VENV = Path(__file__).resolve().parents[2] / ".cache" / "azcli-venv"
Az = Callable[..., "subprocess.CompletedProcess[str]"]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One installer at a time across pytest-xdist workers (and a bench run)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def install_az() -> Path:
    """`az` from azure-cli==AZ_VERSION in its own virtualenv (a few minutes the first time)."""
    stamp = VENV / f".azure-cli-{AZ_VERSION}"
    with _locked(VENV.parent / "azcli-venv.lock"):
        if not stamp.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
            python = str(VENV / "bin" / "python")
            # pip compiles its 13,000 modules on one core; compileall on every core does it in half the time
            # (and az then starts as fast, even where PYTHONDONTWRITEBYTECODE keeps it from caching bytecode)
            command = [python, "-m", "pip", "install", "--quiet", "--no-compile", f"azure-cli=={AZ_VERSION}"]
            installed = subprocess.run(command, check=False, capture_output=True, text=True)
            if installed.returncode != 0:
                raise RuntimeError(f"installing azure-cli=={AZ_VERSION} failed:\n{installed.stderr[-4000:]}")
            compile_all = [python, "-m", "compileall", "-q", "-j", "0", str(VENV / "lib")]
            subprocess.run(compile_all, check=True, capture_output=True)
            stamp.touch()
    return VENV / "bin" / "az"


def az_environment(endpoints: Endpoints, config_dir: Path) -> dict[str, str]:
    """The process environment for `az` against the sandbox: a private config dir, the sandbox CA, no telemetry."""
    return {
        **os.environ,
        "AZURE_CONFIG_DIR": str(config_dir),
        "REQUESTS_CA_BUNDLE": endpoints.ca_bundle,
        "CURL_CA_BUNDLE": endpoints.ca_bundle,
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_CORE_SURVEY_MESSAGE": "false",
        "AZURE_CORE_NO_COLOR": "true",
    }


def logged_in_az(executable: Path, endpoints: Endpoints, config_dir: Path) -> Az:
    """``az(*args, check=True)``: run the CLI, with the sandbox cloud registered and the operator logged in."""
    env = az_environment(endpoints, config_dir)

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(executable), *args]
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
