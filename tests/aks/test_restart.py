"""Clusters across a sandbox restart (a sandbox of its own, on the same data directory twice).

Covers: a create and a delete interrupted by the restart complete when the sandbox starts again (the
cluster Succeeded with its node resource group and scale set; the deleted one gone with its node group), and a
finished cluster is still served: its token from before the restart still opens its API server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints, Sandbox
from tests.aks.conftest import LOCATION, cluster_body, lro_polls
from tests.conftest import credential_for, mgmt_client, start_sandbox


def _start(data_dir: Path) -> Sandbox:
    return start_sandbox(data_dir)[0]


def _clients(endpoints: Endpoints) -> tuple[ContainerServiceClient, ResourceManagementClient, ComputeManagementClient]:
    credential = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    return (
        mgmt_client(ContainerServiceClient, endpoints, credential),
        mgmt_client(ResourceManagementClient, endpoints, credential),
        mgmt_client(ComputeManagementClient, endpoints, credential),
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "restarted"


def test_interrupted_operations_complete_on_start(data_dir: Path) -> None:
    first = _start(data_dir)
    try:
        assert first.endpoints is not None
        aks, resources, _ = _clients(first.endpoints)
        resources.resource_groups.create_or_update("rg", {"location": LOCATION})
        aks.managed_clusters.begin_create_or_update("rg", "kept", cluster_body("kept", count=1)).result()
        [kept] = aks.managed_clusters.list_cluster_admin_credentials("rg", "kept").kubeconfigs
        doomed = aks.managed_clusters.begin_create_or_update("rg", "doomed", cluster_body("doomed", count=1)).result()
        lro_polls(first.endpoints, 5)
        aks.managed_clusters.begin_create_or_update("rg", "late", cluster_body("late", count=2), polling=False)
        aks.managed_clusters.begin_delete("rg", "doomed", polling=False)
        assert aks.managed_clusters.get("rg", "late").provisioning_state == "Creating"
    finally:
        first.stop()
    second = _start(data_dir)
    try:
        assert second.endpoints is not None
        aks, resources, compute = _clients(second.endpoints)
        late = aks.managed_clusters.get("rg", "late")
        assert late.provisioning_state == "Succeeded"
        [vmss] = compute.virtual_machine_scale_sets.list(late.node_resource_group)
        assert vmss.sku.capacity == 2
        assert aks.managed_clusters.get("rg", "kept").provisioning_state == "Succeeded"
        # the token from before the restart still opens the API server (whose port may have moved if taken)
        token = yaml.safe_load(kept.value)["users"][0]["user"]["token"]
        [now] = aks.managed_clusters.list_cluster_admin_credentials("rg", "kept").kubeconfigs
        server = yaml.safe_load(now.value)["clusters"][0]["cluster"]["server"]
        namespace = requests.get(
            server + "/version",
            headers={"Authorization": f"Bearer {token}"},
            verify=second.endpoints.ca_cert,
            timeout=30,
        )
        assert namespace.status_code == 200
        with pytest.raises(ResourceNotFoundError):
            aks.managed_clusters.get("rg", "doomed")
        assert resources.resource_groups.check_existence(doomed.node_resource_group) is False
    finally:
        second.stop()
