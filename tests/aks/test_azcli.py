"""The tutorial's cluster through the real Azure CLI (core `az aks`, no extensions).

Covers: az aks create with the tutorial's flags (LRO, JSON output), az aks show --query nodeResourceGroup
-o tsv (the tutorial's NODE_GROUP line), az aks list -o table, az aks update --tags (GET + PUT of the whole
object), az aks delete -y. `az aks get-credentials` needs the cluster's API server: see test_kube_contract.
"""

from __future__ import annotations

import json

import pytest

from tests.azcli.conftest import Az, az, az_executable  # noqa: F401  (the CLI fixtures)

pytestmark = [pytest.mark.azcli, pytest.mark.timeout(1800)]  # the first test may install the CLI

CREATE = (
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
    "--no-ssh-key",
)


def test_tutorial_cluster_with_the_cli(az: Az, unique: str) -> None:  # noqa: F811
    group = f"azaks-{unique}"
    az("group", "create", "-n", group, "-l", "westus2")
    created = json.loads(az("aks", "create", "-g", group, "-n", "myAKSCluster", *CREATE).stdout)
    assert created["provisioningState"] == "Succeeded" and created["identity"]["type"] == "SystemAssigned"
    assert created["agentPoolProfiles"][0]["count"] == 3
    assert created["agentPoolProfiles"][0]["availabilityZones"] == ["1", "2", "3"]

    node_group = az("aks", "show", "-g", group, "-n", "myAKSCluster", "--query", "nodeResourceGroup", "-o", "tsv")
    assert node_group.stdout.strip() == f"MC_{group}_myAKSCluster_westus2"
    table = az("aks", "list", "-g", group, "-o", "table").stdout
    assert "myAKSCluster" in table and "Succeeded" in table and created["fqdn"] in table

    updated = json.loads(az("aks", "update", "-g", group, "-n", "myAKSCluster", "--tags", "env=test").stdout)
    assert updated["tags"] == {"env": "test"} and updated["fqdn"] == created["fqdn"]

    az("aks", "delete", "-g", group, "-n", "myAKSCluster", "-y")
    assert az("aks", "list", "-g", group, "-o", "json").stdout.strip() == "[]"
    assert az("group", "exists", "-n", node_group.stdout.strip()).stdout.strip() == "false"
