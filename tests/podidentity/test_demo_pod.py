"""The tutorial's demo Pod with kubectl (issue 4, acceptance 1 and 2).

Covers: "Create an identity", "Assign permissions" (Virtual Machine Contributor on the node resource group) and
"Create Pod Identity" through azure-mgmt-*, then the tutorial's demo Pod manifest applied with kubectl: its log
shows the VM count and both tokens; `kubectl get azureassignedidentities -A` shows the assignment Assigned; the
add-on's AzureIdentity and binding exist; the identity is on the node scale set. The same pod without the
label, and with the label in another namespace, gets no token and its log says why.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient

from podid.sandbox import Endpoints
from tests.conftest import mgmt_client
from tests.podidentity.conftest import (
    LOCATION,
    Clients,
    Cluster,
    add_identity,
    grant,
    update_profile,
    wait_for,
)

NAMESPACE, POD_IDENTITY = "my-app", "my-pod-identity"

DEMO_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: demo
  labels:
    aadpodidbinding: $POD_IDENTITY_NAME
spec:
  containers:
  - name: demo
    image: mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3
    args:
      - --subscriptionid=$SUBSCRIPTION_ID
      - --clientid=$IDENTITY_CLIENT_ID
      - --resourcegroup=$IDENTITY_RESOURCE_GROUP
    env:
      - name: MY_POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: MY_POD_NAMESPACE
        valueFrom:
          fieldRef:
            fieldPath: metadata.namespace
      - name: MY_POD_IP
        valueFrom:
          fieldRef:
            fieldPath: status.podIP
  nodeSelector:
    kubernetes.io/os: linux
"""


def demo_manifest(values: dict[str, str], *, name: str = "demo", labelled: bool = True) -> str:
    """The tutorial's manifest with its variables filled in (optionally renamed, or without the label)."""
    text = DEMO_POD.replace("  name: demo\n  labels:", f"  name: {name}\n  labels:")
    for variable, value in values.items():
        text = text.replace(f"${variable}", value)
    if not labelled:
        text = text.replace(f"  labels:\n    aadpodidbinding: {values['POD_IDENTITY_NAME']}\n", "")
    return text


@pytest.fixture(scope="module")
def demo_identity(clients: Clients, endpoints: Endpoints, addon_cluster: Cluster) -> Any:
    """The tutorial's "Create an identity", "Assign permissions" and "Create Pod Identity" sections."""
    group = f"myIdentityResourceGroup{os.getpid()}"
    clients.resources.resource_groups.create_or_update(group, {"location": "eastus"})
    identity = clients.msi.user_assigned_identities.create_or_update(
        group, "application-identity", {"location": LOCATION}
    )
    node_group = clients.resources.resource_groups.get(addon_cluster.node_group)
    grant(clients, endpoints, "Virtual Machine Contributor", node_group.id, identity.principal_id)
    update_profile(clients, addon_cluster.group, addon_cluster.name, add_identity(identity, NAMESPACE, POD_IDENTITY))
    return identity


def values(endpoints: Endpoints, identity: Any, addon_cluster: Cluster) -> dict[str, str]:
    return {
        "POD_IDENTITY_NAME": POD_IDENTITY,
        "SUBSCRIPTION_ID": endpoints.subscription_id,
        "IDENTITY_CLIENT_ID": identity.client_id,
        "IDENTITY_RESOURCE_GROUP": addon_cluster.node_group,
    }


def wait_for_log(cluster: Cluster, namespace: str, name: str, marker: str) -> str:
    """The pod's log once it contains ``marker`` (the last line of one round of the demo's loop)."""

    def log() -> str:
        result = cluster.kubectl("logs", name, "-n", namespace)
        return result.stdout if result.returncode == 0 and marker in result.stdout else ""

    text: str = wait_for(log, f"{marker!r} in the log of {namespace}/{name}")
    return text


def test_the_tutorials_demo_pod_gets_its_identity(
    addon_cluster: Cluster, demo_identity: Any, endpoints: Endpoints, operator_credential: ClientSecretCredential
) -> None:
    manifest = demo_manifest(values(endpoints, demo_identity, addon_cluster))
    applied = addon_cluster.kubectl("apply", "-n", NAMESPACE, "-f", "-", stdin=manifest)
    assert applied.returncode == 0, applied.stderr
    log = wait_for_log(addon_cluster, NAMESPACE, "demo", "successfully made GET on instance metadata")
    ip = addon_cluster.core.read_namespaced_pod("demo", NAMESPACE).status.pod_ip
    assert f"starting demo pod {NAMESPACE}/demo {ip}" in log
    assert "successfully counted VM from ARM: 0" in log  # scale-set instances are not standalone VMs
    assert "successfully acquired a token using the MSI, msiEndpoint(" in log
    assert f"successfully acquired a token, userAssignedID MSI, msiEndpoint({endpoints.imds_url}" in log
    assert f"clientID({demo_identity.client_id})" in log

    listed = addon_cluster.kubectl(
        "get",
        "azureassignedidentities",
        "-A",
        "-o",
        "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}={.status.status}{'\\n'}{end}",
    )
    assert f"{NAMESPACE}/demo-{NAMESPACE}-{POD_IDENTITY}=Assigned" in listed.stdout.splitlines()
    table = addon_cluster.kubectl("get", "azureassignedidentities", "-A")
    assert f"demo-{NAMESPACE}-{POD_IDENTITY}" in table.stdout

    identities = addon_cluster.kubectl("get", "azureidentities", "-n", NAMESPACE, "-o", "name")
    bindings = addon_cluster.kubectl("get", "azureidentitybindings", "-n", NAMESPACE, "-o", "name")
    assert f"azureidentity.aadpodidentity.k8s.io/{POD_IDENTITY}" in identities.stdout
    assert f"azureidentitybinding.aadpodidentity.k8s.io/{POD_IDENTITY}-binding" in bindings.stdout

    compute = mgmt_client(ComputeManagementClient, endpoints, operator_credential)
    (vmss,) = compute.virtual_machine_scale_sets.list(addon_cluster.node_group)
    attached = {key.lower() for key in vmss.identity.user_assigned_identities}
    assert demo_identity.id.lower() in attached


@pytest.mark.parametrize(("namespace", "labelled"), [(NAMESPACE, False), ("other", True)])
def test_pods_without_the_binding_get_no_token(
    addon_cluster: Cluster, demo_identity: Any, endpoints: Endpoints, namespace: str, labelled: bool
) -> None:
    name = "demo-unlabelled" if not labelled else "demo"
    if namespace != NAMESPACE:
        addon_cluster.core.create_namespace({"metadata": {"name": namespace}})
    manifest = demo_manifest(values(endpoints, demo_identity, addon_cluster), name=name, labelled=labelled)
    applied = addon_cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=manifest)
    assert applied.returncode == 0, applied.stderr
    log = wait_for_log(addon_cluster, namespace, name, "testMSIEndpoint failed, <nil>")
    assert (
        f"getting assigned identities for pod {namespace}/{name} in CREATED state failed after 16 attempts, "
        "retry duration [5]s, error: <nil>. Check MIC pod logs for identity assignment errors"
    ) in log
    assert "failed to refresh ServicePrincipalTokenFromMSI using the MSI VM extension" in log
    assert "successfully" not in log
    listed = addon_cluster.kubectl("get", "azureassignedidentities", "-A", "-o", "name")
    assert f"{name}-{namespace}-" not in listed.stdout
