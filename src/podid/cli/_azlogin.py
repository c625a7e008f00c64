"""``podid sandbox env``: shell exports that point the Azure CLI, azure-identity and the SDKs at the sandbox.

With ``az`` on PATH, the sandbox cloud is registered and the operator logged in inside a private
AZURE_CONFIG_DIR (``<data dir>/azure``), the supported way: ``az cloud register``, ``az cloud set``,
``az config set``, ``az login --service-principal``. A marker file remembers for which ARM URL and operator that
was done, so later calls cost no az invocation. The EnvironmentCredential variables are always exported.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

from podid.cli._common import CliError

CLOUD_NAME = "PodidSandbox"
MARKER = "podid-login.json"
AZ_TIMEOUT = 120


def _az(az: str, config_dir: Path, bundle: str, *arguments: str) -> str:
    environ = dict(os.environ)
    environ.update(
        AZURE_CONFIG_DIR=str(config_dir),
        REQUESTS_CA_BUNDLE=bundle,
        CURL_CA_BUNDLE=bundle,
        AZURE_CORE_INSTANCE_DISCOVERY="false",
        AZURE_CORE_COLLECT_TELEMETRY="false",
        AZURE_CORE_SURVEY_MESSAGE="false",
    )
    # umask 077: the files az writes there hold the operator's secret and tokens, for the user alone
    done = subprocess.run(
        [az, *arguments], env=environ, capture_output=True, text=True, timeout=AZ_TIMEOUT, check=False, umask=0o077
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise CliError(f"az {arguments[0]} {arguments[1]} failed: {lines[-1] if lines else done.returncode}")
    return done.stdout


def az_login(az: str, endpoints: dict[str, Any], config_dir: Path) -> None:
    """Register the sandbox cloud and log the operator in, unless that was already done for these endpoints."""
    operator = endpoints["operator"]
    wanted = {"arm_url": endpoints["arm_url"], "client_id": operator["client_id"]}
    marker = config_dir / MARKER
    try:
        if json.loads(marker.read_text()) == wanted:
            return
    except (OSError, ValueError):
        pass
    if config_dir.exists():
        shutil.rmtree(config_dir)  # ours alone: start clean when the sandbox moved or was rebuilt
    config_dir.mkdir(mode=0o700, parents=True)
    bundle = endpoints["ca_bundle"]
    _az(az, config_dir, bundle, "cloud", "register", "-n", CLOUD_NAME, "--endpoint-resource-manager", wanted["arm_url"])
    _az(az, config_dir, bundle, "cloud", "set", "-n", CLOUD_NAME)
    _az(az, config_dir, bundle, "config", "set", "core.instance_discovery=false", "core.collect_telemetry=false")
    _az(
        az, config_dir, bundle, "login", "--service-principal", "-u", operator["client_id"],
        f"--password={operator['client_secret']}", "--tenant", endpoints["tenant_id"], "-o", "none",
    )  # fmt: skip
    marker.touch(mode=0o600)
    marker.write_text(json.dumps(wanted))


def exports(endpoints: dict[str, Any], data_dir: Path, use_az: bool = True) -> str:
    bundle = endpoints["ca_bundle"]
    operator = endpoints["operator"]
    variables = {
        "REQUESTS_CA_BUNDLE": bundle,
        "CURL_CA_BUNDLE": bundle,
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
    }
    config_dir = data_dir / "azure"
    az = shutil.which("az") if use_az else None
    if az:
        az_login(az, endpoints, config_dir)
    # exported with or without az on PATH: an az installed later keeps away from the user's own ~/.azure
    # (and is logged in by the next `podid sandbox env`)
    variables["AZURE_CONFIG_DIR"] = str(config_dir)
    variables.update(
        AZURE_AUTHORITY_HOST=endpoints["authority"],
        AZURE_TENANT_ID=endpoints["tenant_id"],
        AZURE_SUBSCRIPTION_ID=endpoints["subscription_id"],
        AZURE_CLIENT_ID=operator["client_id"],
        AZURE_CLIENT_SECRET=operator["client_secret"],
        PODID_ARM_URL=endpoints["arm_url"],
        PODID_DATA_DIR=str(data_dir),
    )
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables.items())
