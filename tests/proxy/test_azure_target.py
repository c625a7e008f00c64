"""`podid up|verify|down --target azure` through the sandbox's proxy, as a user runs them after
`eval "$(podid sandbox env --proxy)"`: DefaultAzureCredential, Azure's public endpoints, no custom cloud.

Covers, on a sandbox of this module's own (up creates the default group and cluster): up succeeds and says in one
line that requests go to the sandbox through its proxy; the kubeconfig it writes names the AKS-shaped FQDN, which
the kubernetes client reached through HTTPS_PROXY; verify passes; down removes every group up created. The
sandbox's credentials without its proxy in effect (no proxy, another proxy, NO_PROXY exempting Entra ID, the
system CA bundle) are refused in one line, and a recording proxy in place of the sandbox's sees no request.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from podid.sandbox.testing import mgmt_client, operator_credential_for, start_sandbox
from tests.cli.test_targets import clean_environment, listener, podid, sandbox_exports  # noqa: F401  (a fixture)

REFUSAL_TAIL = (
    "points at the podid sandbox (`podid sandbox env` set it); unset the variables it exported, or use a new shell"
)


@pytest.fixture(scope="module")
def own_endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    sandbox, endpoints = start_sandbox(tmp_path_factory.mktemp("azure-target"))
    yield endpoints
    sandbox.stop()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def proxied(own_endpoints: Endpoints, home: Path) -> dict[str, str]:
    """A user's shell after `podid sandbox env --proxy`, its kubeconfig and HOME in a temporary directory."""
    exports = sandbox_exports(own_endpoints, "--proxy")
    extra = {"PODID_DATA_DIR": own_endpoints.data_dir, "KUBECONFIG": str(home / "kubeconfig")}
    return clean_environment(home, **exports, **extra)


def groups(endpoints: Endpoints) -> set[str]:
    client = mgmt_client(ResourceManagementClient, endpoints, operator_credential_for(endpoints))
    return {str(group.name) for group in client.resource_groups.list()}


def proxy_line(endpoints: Endpoints) -> str:
    return (
        f"WARNING: --target azure: requests go to the podid sandbox through its proxy {endpoints.proxy_url} "
        f"(data dir {endpoints.data_dir}): Azure's hostnames and the sandbox's CA, not Azure"
    )


@pytest.fixture(scope="module")
def up(own_endpoints: Endpoints, proxied: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`podid up --target azure` once, and the groups it created."""
    before = groups(own_endpoints)
    done = podid("up", "--target", "azure", env=proxied)
    return done, groups(own_endpoints) - before


def test_up_runs_through_the_proxy_and_says_so(
    own_endpoints: Endpoints, up: tuple[subprocess.CompletedProcess[str], set[str]]
) -> None:
    done, created = up
    assert done.returncode == 0, done.stderr
    assert proxy_line(own_endpoints) in done.stderr.splitlines()
    assert "least privilege holds" in done.stdout
    assert "dgraph-test" in created


def test_the_kubeconfig_names_the_aks_fqdn(
    proxied: dict[str, str], up: tuple[subprocess.CompletedProcess[str], set[str]]
) -> None:
    assert up[0].returncode == 0, up[0].stderr
    kubeconfig = yaml.safe_load(Path(proxied["KUBECONFIG"]).read_text())
    servers = [cluster["cluster"]["server"] for cluster in kubeconfig["clusters"]]
    assert servers and all(".azmk8s.io" in server for server in servers), servers


def test_verify_passes_through_the_proxy(
    own_endpoints: Endpoints, proxied: dict[str, str], up: tuple[subprocess.CompletedProcess[str], set[str]]
) -> None:
    done = podid("verify", "--target", "azure", env=proxied)
    assert done.returncode == 0, done.stdout + done.stderr
    assert proxy_line(own_endpoints) in done.stderr.splitlines()
    assert "FAIL" not in done.stdout and "least privilege holds" in done.stdout


def test_down_removes_what_up_created(
    own_endpoints: Endpoints, proxied: dict[str, str], up: tuple[subprocess.CompletedProcess[str], set[str]]
) -> None:
    assert up[1], "up created no group"
    done = podid("down", "--target", "azure", "--yes", env=proxied)
    assert done.returncode == 0, done.stderr
    assert proxy_line(own_endpoints) in done.stderr.splitlines()
    assert groups(own_endpoints).isdisjoint(up[1])


@pytest.mark.parametrize(
    "change",
    [
        {"HTTPS_PROXY": None, "HTTP_PROXY": None, "https_proxy": None, "http_proxy": None},
        {"https_proxy": ""},  # the lower-case spelling wins, even empty, as requests reads it
        {"no_proxy": "127.0.0.1,localhost,login.microsoftonline.com"},
        {"NO_PROXY": ".azure.com", "no_proxy": None},
        {"REQUESTS_CA_BUNDLE": None, "CURL_CA_BUNDLE": None, "SSL_CERT_FILE": None},
    ],
    ids=["no-proxy", "lower-case-unset", "entra-exempt", "arm-exempt", "system-ca"],
)
def test_sandbox_credentials_without_its_proxy_are_refused(
    proxied: dict[str, str], change: dict[str, str | None]
) -> None:
    environment = {name: value for name, value in {**proxied, **change}.items() if value is not None}
    done = podid("up", "--target", "azure", "--mode", "workload-identity", env=environment)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: --target azure refused: "), done.stderr
    assert lines[0].endswith(REFUSAL_TAIL)


def test_another_proxy_is_refused_without_a_request(
    proxied: dict[str, str],
    listener: tuple[str, list[object]],  # noqa: F811
) -> None:
    url, connections = listener
    proxy = url.replace("https://", "http://")
    environment = {**proxied, "https_proxy": proxy, "http_proxy": proxy}  # the spelling requests prefers
    done = podid("up", "--target", "azure", "--mode", "workload-identity", env=environment)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("ERROR: --target azure refused: ") and done.stderr.count("\n") == 1
    assert connections == []
