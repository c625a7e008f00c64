"""The cluster ↔ Kubernetes contract: what AKS credentials open once the sandbox serves the cluster's API.

Covers: user and admin kubeconfigs (AKS names, the sandbox CA, distinct bearer tokens) that the kubernetes
client uses unchanged; one Ready node per scale-set instance, with the instance's providerID, zone and
address; scaling the agent pool adds a node; deleting the cluster takes its API endpoint away; `az aks
get-credentials` writes a kubeconfig with which kubectl lists the 3 Ready nodes.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.sandbox import Endpoints
from tests.aks.conftest import Tutorial, cluster_body
from tests.azcli.conftest import Az, az, az_executable  # noqa: F401  (the CLI fixtures)


def _kubeconfig(aks: ContainerServiceClient, group: str, name: str, *, admin: bool = False) -> dict[str, Any]:
    listing = (
        aks.managed_clusters.list_cluster_admin_credentials
        if admin
        else aks.managed_clusters.list_cluster_user_credentials
    )
    [entry] = listing(group, name).kubeconfigs
    assert entry.name == ("clusterAdmin" if admin else "clusterUser")
    config: dict[str, Any] = yaml.safe_load(entry.value)
    return config


def _core(config: dict[str, Any]) -> k8s.CoreV1Api:
    return k8s.CoreV1Api(k8s_config.new_client_from_config_dict(config))


def test_credentials_are_kubeconfigs(tutorial: Tutorial, aks: ContainerServiceClient, endpoints: Endpoints) -> None:
    user = _kubeconfig(aks, tutorial.group, tutorial.name)
    admin = _kubeconfig(aks, tutorial.group, tutorial.name, admin=True)
    assert user["current-context"] == tutorial.name and admin["current-context"] == f"{tutorial.name}-admin"
    assert user["users"][0]["name"] == f"clusterUser_{tutorial.group}_{tutorial.name}"
    assert admin["users"][0]["name"] == f"clusterAdmin_{tutorial.group}_{tutorial.name}"
    assert user["users"][0]["user"]["token"] != admin["users"][0]["user"]["token"]
    cluster = user["clusters"][0]["cluster"]
    assert base64.b64decode(cluster["certificate-authority-data"]) == Path(endpoints.ca_cert).read_bytes()
    assert cluster["server"].startswith("https://") and cluster["server"] == admin["clusters"][0]["cluster"]["server"]


def test_nodes_are_the_scale_set_instances(
    tutorial: Tutorial, aks: ContainerServiceClient, compute: ComputeManagementClient
) -> None:
    nodes = _core(_kubeconfig(aks, tutorial.group, tutorial.name)).list_node().items
    group = tutorial.cluster.node_resource_group
    [vmss] = compute.virtual_machine_scale_sets.list(group)
    instances = list(compute.virtual_machine_scale_set_vms.list(group, vmss.name))
    assert sorted(node.metadata.name for node in nodes) == sorted(item.os_profile.computer_name for item in instances)
    expected_ids = {f"azure://{item.id.replace(group.upper(), group.lower())}" for item in instances}
    assert {node.spec.provider_id for node in nodes} == expected_ids
    for node in nodes:
        ready = [condition for condition in node.status.conditions if condition.type == "Ready"]
        assert ready and ready[0].status == "True"
    zones = sorted(node.metadata.labels.get("topology.kubernetes.io/zone") for node in nodes)
    assert zones == ["westus2-1", "westus2-2", "westus2-3"]


def test_scaling_adds_a_node_and_delete_removes_the_endpoint(
    aks: ContainerServiceClient, endpoints: Endpoints, group: str
) -> None:
    aks.managed_clusters.begin_create_or_update(group, "grow", cluster_body("grow", count=1)).result()
    config = _kubeconfig(aks, group, "grow", admin=True)
    fetched = aks.managed_clusters.get(group, "grow")
    fetched.agent_pool_profiles[0].count = 2
    aks.managed_clusters.begin_create_or_update(group, "grow", fetched).result()
    assert len(_core(config).list_node().items) == 2
    aks.managed_clusters.begin_delete(group, "grow").result()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(config["clusters"][0]["cluster"]["server"] + "/version", verify=endpoints.ca_cert, timeout=5)


@pytest.mark.azcli
@pytest.mark.timeout(1800)  # the first azcli test may install the CLI
def test_az_get_credentials_then_kubectl(tutorial: Tutorial, az: Az, tmp_path: Path) -> None:  # noqa: F811
    kubeconfig = tmp_path / "config"
    az("aks", "get-credentials", "-g", tutorial.group, "-n", tutorial.name, "-f", str(kubeconfig))
    listed = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), "get", "nodes", "-o", "json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    nodes = json.loads(listed.stdout)["items"]
    assert len(nodes) == 3
    assert all(
        any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"]) for node in nodes
    )
