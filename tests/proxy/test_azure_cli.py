"""The real Azure CLI in its default cloud (AzureCloud, no `az cloud register`), through the proxy: it signs in at
login.microsoftonline.com and manages resource groups at management.azure.com, both played by the sandbox."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from podid.sandbox import Endpoints
from tests.azcli.conftest import az_executable  # noqa: F401  (the Azure CLI in its own virtualenv)

pytestmark = [pytest.mark.azcli, pytest.mark.timeout(1800)]  # the first test may install the CLI


def test_az_in_its_default_cloud(
    az_executable: Path,  # noqa: F811
    endpoints: Endpoints,
    tmp_path: Path,
    unique: str,
) -> None:
    env = {
        "PATH": f"{az_executable.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AZURE_CONFIG_DIR": str(tmp_path / "azure"),
        "HTTPS_PROXY": endpoints.proxy_url,
        "REQUESTS_CA_BUNDLE": endpoints.ca_bundle,
    }

    def az(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(az_executable), *arguments], env=env, capture_output=True, text=True, timeout=300, check=False
        )

    operator = endpoints.operator
    login = az("login", "--service-principal", "-u", operator.client_id, "-p", operator.client_secret,
               "--tenant", endpoints.tenant_id, "-o", "none")  # fmt: skip
    assert (login.returncode, login.stderr) == (0, "")
    assert az("cloud", "show", "--query", "name", "-o", "tsv").stdout == "AzureCloud\n"
    created = az("group", "create", "-n", unique, "-l", "westus2", "--query", "id", "-o", "tsv")
    assert created.stdout == f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{unique}\n", created.stderr
    listed = az("group", "list", "--query", "[].name", "-o", "tsv")
    assert unique in listed.stdout.split()
