"""The tutorial's demo Pod with kubectl (issue 4, acceptance 1 and 2).

Covers: "Create an identity", "Assign permissions" (Virtual Machine Contributor on the node resource group) and
"Create Pod Identity" through azure-mgmt-*, then the tutorial's demo Pod manifest applied with kubectl: its log
(kubectl logs and the pod log API) is demo v1.6.3's, line for line: klog headers with cmd/demo/main.go's line
numbers, the VM count, both tokens from the fixed IMDS endpoint, the instance metadata; the add-on (managed
mode) made no AzureAssignedIdentity; its AzureIdentity and binding exist; the identity is on the node scale
set. The same pod without the label, and with the label in another namespace, gets NMI's 404, which adal
retries (the demo logs nothing meanwhile).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient
from kubernetes import client as k8s

from podid.sandbox import Endpoints
from podid.sandbox.testing import pod_session
from podid.workloads.demo.adal import RETRY_CODES, USER_AGENT
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


KLOG = re.compile(r"^([IE])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ main\.go:(\d+)\] (.*)$")
MSI_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token"


def klog_lines(text: str) -> list[tuple[str, int, str]]:
    """(severity, main.go line, message) of each klog line; every line of the log must be one."""
    lines = []
    for line in text.splitlines():
        matched = KLOG.match(line)
        assert matched, f"not a klog line: {line!r}"
        lines.append((matched[1], int(matched[2]), matched[3]))
    return lines


def pod_log(cluster: Cluster, namespace: str, name: str) -> str:
    """The pod's log through the kubernetes client's pod log API ("" until the container has written any)."""
    try:
        text: str = cluster.core.read_namespaced_pod_log(name, namespace)
    except k8s.ApiException:
        return ""
    return text


def wait_for_log(cluster: Cluster, namespace: str, name: str, marker: str, timeout: float = 30.0) -> str:
    """The pod's log once it contains ``marker``."""

    def log() -> str:
        text = pod_log(cluster, namespace, name)
        return text if marker in text else ""

    found: str = wait_for(log, f"{marker!r} in the log of {namespace}/{name}", timeout)
    return found


def test_the_tutorials_demo_pod_gets_its_identity(
    addon_cluster: Cluster, demo_identity: Any, endpoints: Endpoints, operator_credential: ClientSecretCredential
) -> None:
    manifest = demo_manifest(values(endpoints, demo_identity, addon_cluster))
    applied = addon_cluster.kubectl("apply", "-n", NAMESPACE, "-f", "-", stdin=manifest)
    assert applied.returncode == 0, applied.stderr
    wait_for_log(addon_cluster, NAMESPACE, "demo", "successfully made GET on instance metadata")
    logged = addon_cluster.kubectl("logs", "demo", "-n", NAMESPACE)
    ip = addon_cluster.core.read_namespaced_pod("demo", NAMESPACE).status.pod_ip
    first_round = klog_lines(logged.stdout)[:5]
    assert [(severity, line) for severity, line, _ in first_round] == [
        ("I", 33),
        ("I", 77),
        ("I", 95),
        ("I", 114),
        ("I", 141),
    ]
    assert [message for _, _, message in first_round[:4]] == [
        f"starting demo pod {NAMESPACE}/demo {ip}",
        "successfully counted VM from ARM: 0",  # scale-set instances are not standalone VMs
        f"successfully acquired a token using the MSI, msiEndpoint({MSI_ENDPOINT})",
        f"successfully acquired a token, userAssignedID MSI, msiEndpoint({MSI_ENDPOINT}) "
        f"clientID({demo_identity.client_id})",
    ]
    instance = json.loads(first_round[4][2].removeprefix("successfully made GET on instance metadata, "))
    assert instance["compute"]["resourceGroupName"].lower() == addon_cluster.node_group.lower()

    listed = addon_cluster.kubectl("get", "azureassignedidentities", "-A")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "", "No resources found\n")  # managed mode
    identities = addon_cluster.kubectl("get", "azureidentities", "-n", NAMESPACE, "-o", "name")
    bindings = addon_cluster.kubectl("get", "azureidentitybindings", "-n", NAMESPACE, "-o", "name")
    assert f"azureidentity.aadpodidentity.k8s.io/{POD_IDENTITY}" in identities.stdout
    assert f"azureidentitybinding.aadpodidentity.k8s.io/{POD_IDENTITY}-binding" in bindings.stdout

    compute = mgmt_client(ComputeManagementClient, endpoints, operator_credential)
    (vmss,) = compute.virtual_machine_scale_sets.list(addon_cluster.node_group)
    attached = {key.lower() for key in vmss.identity.user_assigned_identities}
    assert demo_identity.id.lower() in attached


def test_pods_without_the_binding_get_nmis_404_and_sit_in_adals_retries(
    addon_cluster: Cluster, demo_identity: Any, endpoints: Endpoints
) -> None:
    """Both pods at once: NMI answers the demo's token request from each pod's address with 404 at once; adal
    retries it for 112 s (2+6+14+30+60) before the demo logs go-autorest's error, so meanwhile each pod runs and
    has logged its start only. What the demo logs after the retries, and their pauses, are checked against a
    scripted endpoint (test_demo_adal.py): the whole schedule is not waited out here."""
    addon_cluster.core.create_namespace({"metadata": {"name": "other"}})
    pods = [(NAMESPACE, "demo-unlabelled", False), ("other", "demo", True)]
    for namespace, name, labelled in pods:
        manifest = demo_manifest(values(endpoints, demo_identity, addon_cluster), name=name, labelled=labelled)
        applied = addon_cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=manifest)
        assert applied.returncode == 0, applied.stderr
    for namespace, name, _ in pods:
        log = wait_for_log(addon_cluster, namespace, name, "main.go:33]")
        pod = addon_cluster.core.read_namespaced_pod(name, namespace)
        assert klog_lines(log) == [("I", 33, f"starting demo pod {namespace}/{name} {pod.status.pod_ip}")]
        assert pod.status.phase == "Running"
        with pod_session(pod.status.pod_ip) as session:  # the demo's first request, from the pod's address
            response = session.get(
                endpoints.imds_url + "/metadata/identity/oauth2/token",
                params={"api-version": "2018-02-01", "resource": "https://management.azure.com/"},
                headers={"Metadata": "true", "User-Agent": USER_AGENT},
                timeout=10,
            )
        assert (response.status_code, response.text) == (404, "no azure identity found for request clientID \n")
        assert response.status_code in RETRY_CODES  # what retryForIMDS retries
    listed = addon_cluster.kubectl("get", "azureassignedidentities", "-A", "-o", "name")
    assert listed.stdout == ""
