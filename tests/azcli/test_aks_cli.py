"""The tutorial's cluster through the real Azure CLI, from `az aks create` to kubectl (one cluster per module).

Covers: az aks create --enable-managed-identity --vm-set-type VirtualMachineScaleSets --node-count 3 --zones
1 2 3 --load-balancer-sku standard with an SSH key (what --generate-ssh-keys would pass, minus writing to
~/.ssh): the LRO ends Succeeded with AKS's defaults for what az leaves empty (vmSize, orchestratorVersion),
the identities, the pool and the key; az aks show --query nodeResourceGroup -o tsv; az aks list -o table;
az aks get-credentials -f FILE, after which kubectl lists 3 Ready nodes; az aks update --tags (GET + PUT of the
whole object); az aks delete -y, which takes the node resource group with it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from podid.sandbox import Endpoints
from tests.aks.conftest import lro_polls
from tests.azcli.conftest import Az

pytestmark = [pytest.mark.azcli, pytest.mark.timeout(1800)]  # the first test may install the CLI

NAME = "myAKSCluster"
TUTORIAL_FLAGS = (
    "--enable-managed-identity",
    "--vm-set-type",
    "VirtualMachineScaleSets",
    "--node-count",
    "3",
    "--zones",
    "1",
    "2",
    "3",
    "--load-balancer-sku",
    "standard",
)


def _public_key(directory: Path) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    (directory / "id_rsa.pub").write_bytes(public)
    return public.decode()


@pytest.fixture(scope="module")
def group(az: Az) -> str:
    name = f"azaksflow{os.getpid()}"
    az("group", "create", "-n", name, "-l", "westus2")
    return name


@pytest.fixture(scope="module")
def ssh_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    directory = tmp_path_factory.mktemp("ssh")
    return directory / "id_rsa.pub", _public_key(directory)


@pytest.fixture(scope="module")
def created(az: Az, endpoints: Endpoints, group: str, ssh_key: tuple[Path, str]) -> dict[str, Any]:
    """`az aks create` output; managedClusters operations finish after one poll (the sandbox's control)."""
    lro_polls(endpoints, 1)
    flags = (*TUTORIAL_FLAGS, "--ssh-key-value", str(ssh_key[0]))
    cluster: dict[str, Any] = json.loads(az("aks", "create", "-g", group, "-n", NAME, *flags, "-o", "json").stdout)
    return cluster


def test_create_with_the_tutorial_flags(created: dict[str, Any], group: str, ssh_key: tuple[Path, str]) -> None:
    assert created["provisioningState"] == "Succeeded" and created["powerState"] == {"code": "Running"}
    assert created["identity"]["type"] == "SystemAssigned" and created["identity"]["principalId"]
    kubelet = created["identityProfile"]["kubeletidentity"]
    assert f"/resourcegroups/MC_{group}_{NAME}_westus2/".lower() in kubelet["resourceId"].lower()
    [pool] = created["agentPoolProfiles"]
    assert (pool["count"], pool["availabilityZones"], pool["type"]) == (3, ["1", "2", "3"], "VirtualMachineScaleSets")
    assert pool["vmSize"] and pool["orchestratorVersion"] == created["kubernetesVersion"]
    assert created["networkProfile"]["loadBalancerSku"] == "standard"
    [key] = created["linuxProfile"]["ssh"]["publicKeys"]
    assert key["keyData"].strip() == ssh_key[1].strip()


def test_show_node_resource_group(az: Az, created: dict[str, Any], group: str) -> None:
    shown = az("aks", "show", "-g", group, "-n", NAME, "--query", "nodeResourceGroup", "-o", "tsv")
    assert shown.stdout.strip() == created["nodeResourceGroup"] == f"MC_{group}_{NAME}_westus2"


def test_list_table(az: Az, created: dict[str, Any], group: str) -> None:
    header, rule, *rows = az("aks", "list", "-o", "table").stdout.splitlines()
    assert header.split()[:3] == ["Name", "Location", "ResourceGroup"] and set(rule) <= {"-", " "}
    [row] = [row.split() for row in rows if row.split()[2] == group]
    assert row[0] == NAME and "Succeeded" in row and created["fqdn"] in row


def test_get_credentials_then_kubectl(az: Az, created: dict[str, Any], group: str, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    az("aks", "get-credentials", "-g", group, "-n", NAME, "-f", str(kubeconfig))
    listed = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), "get", "nodes"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    header, *nodes = [line.split() for line in listed.stdout.splitlines()]
    assert header[:2] == ["NAME", "STATUS"]
    assert len(nodes) == 3 and all(node[1] == "Ready" for node in nodes)
    assert all(node[0].startswith("aks-nodepool1-") for node in nodes)


def test_update_tags_then_delete(az: Az, created: dict[str, Any], group: str) -> None:
    updated = json.loads(az("aks", "update", "-g", group, "-n", NAME, "--tags", "env=test", "-o", "json").stdout)
    assert updated["tags"] == {"env": "test"} and updated["fqdn"] == created["fqdn"]
    az("aks", "delete", "-g", group, "-n", NAME, "-y")
    assert az("aks", "list", "-g", group, "-o", "json").stdout.strip() == "[]"
    assert az("group", "exists", "-n", created["nodeResourceGroup"]).stdout.strip() == "false"
