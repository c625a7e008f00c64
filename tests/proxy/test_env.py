"""`eval "$(podid sandbox env --proxy)"`: the exports alone make code written for Azure, and curl, reach the
sandbox by Azure's hostnames; the sandbox's own addresses stay direct."""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from podid.cli import main
from podid.sandbox import Endpoints
from tests.proxy.conftest import run_program


def exported(endpoints: Endpoints, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    capsys.readouterr()
    assert main(["sandbox", "env", "--proxy", "--data-dir", endpoints.data_dir]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "unset AZURE_AUTHORITY_HOST"
    return dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in lines[1:])


def test_the_exports(endpoints: Endpoints, capsys: pytest.CaptureFixture[str]) -> None:
    """What Azure code, az, curl and Node need (other podid settings may come along)."""
    expected = {
        "HTTPS_PROXY": endpoints.proxy_url,
        "HTTP_PROXY": endpoints.proxy_url,
        "NO_PROXY": "127.0.0.1,localhost",
        "https_proxy": endpoints.proxy_url,
        "http_proxy": endpoints.proxy_url,  # curl's only name for http:// URLs such as IMDS's
        "no_proxy": "127.0.0.1,localhost",
        "REQUESTS_CA_BUNDLE": endpoints.ca_bundle,
        "SSL_CERT_FILE": endpoints.ca_bundle,
        "CURL_CA_BUNDLE": endpoints.ca_bundle,
        "NODE_EXTRA_CA_CERTS": endpoints.ca_cert,
        "AZURE_CLIENT_ID": endpoints.operator.client_id,
        "AZURE_TENANT_ID": endpoints.tenant_id,
        "AZURE_CLIENT_SECRET": endpoints.operator.client_secret,
        "AZURE_SUBSCRIPTION_ID": endpoints.subscription_id,
        "AZURE_CONFIG_DIR": f"{endpoints.data_dir}/azure-proxy",
    }
    variables = exported(endpoints, capsys)
    assert {name: variables.get(name) for name in expected} == expected
    assert "AZURE_AUTHORITY_HOST" not in variables and "AZURE_CORE_INSTANCE_DISCOVERY" not in variables


def test_azure_code_runs_on_the_exports_alone(
    endpoints: Endpoints, capsys: pytest.CaptureFixture[str], unique: str
) -> None:
    result = run_program("resource_groups.py", exported(endpoints, capsys), unique)
    assert unique in result["groups"]


def test_curl_gets_arms_own_answer(endpoints: Endpoints, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **exported(endpoints, capsys)}
    url = "https://management.azure.com/subscriptions?api-version=2022-12-01"
    done = subprocess.run(
        ["curl", "-sS", "-w", "\n%{http_code}", url], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    body, _, status = done.stdout.rpartition("\n")
    assert status == "401", done.stderr
    assert '"code":"AuthenticationFailed"' in body
