"""The real Azure CLI against the session's sandbox (install and login logic: tests/azcli/_install.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from podid.sandbox import Endpoints
from tests.azcli._install import Az, install_az, logged_in_az

__all__ = ["Az", "az", "az_executable"]


@pytest.fixture(scope="session")
def az_executable() -> Path:
    """`az` from azure-cli==AZ_VERSION in its own virtualenv (a few minutes the first time)."""
    return install_az()


@pytest.fixture(scope="session")
def az(az_executable: Path, endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Az:
    """``az(*args, check=True)``: run the CLI, logged in to the sandbox as the operator."""
    return logged_in_az(az_executable, endpoints, tmp_path_factory.mktemp("azure-config"))
