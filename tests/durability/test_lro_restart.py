"""An SDK poller carries on across a restart of the sandbox process: azure-mgmt-containerservice starts a cluster
create that stays InProgress for many polls, the process is stopped (SIGKILL or SIGTERM) and started again on the
same data directory and ARM port, and the same poller's next polls of its Azure-AsyncOperation URL find the
operation (Succeeded: the restart resumed the cluster's provisioning) and end with the cluster Succeeded.
"""

from __future__ import annotations

import signal
from urllib.parse import urlparse

import pytest
import requests
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.resource.resources import ResourceManagementClient

from tests.aks.conftest import LOCATION, cluster_body, lro_polls
from tests.conftest import ARM_SCOPE, credential_for
from tests.durability.conftest import SandboxProcess, operator_client

pytestmark = pytest.mark.slow

GROUP, CLUSTER = "lro-restart", "survivor"
# the poller's connection retries outlast the restart (azure-core RetryPolicy, at most 2 s apart)
OUTAGE_RETRIES = {"retry_total": 60, "retry_connect": 60, "retry_read": 60, "retry_backoff_max": 2}


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_cluster_poller_carries_on_across_a_restart(sandbox_process: SandboxProcess, signum: int) -> None:
    endpoints = sandbox_process.start()
    operator_client(ResourceManagementClient, endpoints).resource_groups.create_or_update(GROUP, {"location": LOCATION})
    lro_polls(endpoints, 10_000)  # InProgress until the restart
    aks = operator_client(ContainerServiceClient, endpoints, **OUTAGE_RETRIES)
    urls: list[str] = []
    poller = aks.managed_clusters.begin_create_or_update(
        GROUP,
        CLUSTER,
        cluster_body("survivor", count=1),
        raw_response_hook=lambda response: urls.append(response.http_response.headers.get("Azure-AsyncOperation")),
    )
    assert poller.status() == "InProgress" and urls[0] and "/operations/" in urls[0]

    sandbox_process.stop(signum)
    restarted = sandbox_process.start(arm_port=urlparse(endpoints.arm_url).port or 0)
    cluster = poller.result(timeout=120)

    assert (cluster.name, cluster.provisioning_state) == (CLUSTER, "Succeeded")
    operator = credential_for(restarted, restarted.operator.client_id, restarted.operator.client_secret)
    status = requests.get(
        urls[0],
        headers={"Authorization": f"Bearer {operator.get_token(ARM_SCOPE).token}"},
        verify=restarted.ca_bundle,
        timeout=30,
    )
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "Succeeded" and "endTime" in status.json()
