"""Clients that know nothing of the sandbox: plain programs run with only the environment a user exports.

Each program in ``programs/`` is what a user writes for Azure (``DefaultAzureCredential()``, a management client
with its default endpoint, ``requests`` to IMDS); the sandbox is reached only through ``HTTPS_PROXY`` /
``HTTP_PROXY`` and trusted through ``REQUESTS_CA_BUNDLE`` / ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from podid.sandbox import Endpoints, Sandbox
from podid.sandbox.proxy import ProxyService
from tests.podidentity.conftest import (
    Clients,
    Cluster,
    clients,  # noqa: F401  (the SDK clients, a session fixture)
    create_cluster,
    register_feature,
)

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="session")
def proxy(sandbox: Sandbox) -> ProxyService:
    assert sandbox.proxy is not None
    return sandbox.proxy


@pytest.fixture(scope="session")
def proxy_cluster(clients: Clients, tmp_path_factory: pytest.TempPathFactory) -> Cluster:  # noqa: F811
    """A one-node cluster with the pod identity add-on, these tests' own (identities are added by them)."""
    register_feature(clients)
    directory = tmp_path_factory.mktemp("kube")
    return create_cluster(clients, f"podid-px-{os.getpid()}", "aks", directory, podIdentityProfile={"enabled": True})


def azure_env(endpoints: Endpoints, client_id: str, secret: str) -> dict[str, str]:
    """What `podid sandbox env --proxy` exports for a principal (AZURE_* as azure-identity reads them)."""
    return {
        "HTTPS_PROXY": endpoints.proxy_url,
        "REQUESTS_CA_BUNDLE": endpoints.ca_bundle,
        "SSL_CERT_FILE": endpoints.ca_bundle,
        "AZURE_CLIENT_ID": client_id,
        "AZURE_TENANT_ID": endpoints.tenant_id,
        "AZURE_CLIENT_SECRET": secret,
        "AZURE_SUBSCRIPTION_ID": endpoints.subscription_id,
    }


def run_program(name: str, env: dict[str, str], *args: str) -> Any:
    """Run ``programs/<name>`` with ``env`` alone (plus PATH) and return the JSON it prints."""
    done = subprocess.run(
        [sys.executable, str(PROGRAMS / name), *args],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
