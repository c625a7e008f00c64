"""The aadpodidentity.k8s.io/v1 objects as the add-on, MIC and NMI read and write them.

Objects are the plain dicts of ``kube.api``, read with kube's own reader (``kube.machinery.objects``: a missing
field reads as empty); these helpers name the add-on's fields and build new objects with the exact v1 field
names (Azure/aad-pod-identity pkg/apis/aadpodidentity/v1/types.go).
"""

from __future__ import annotations

from typing import Any

from podid.sandbox.kube.api import KubeObject
from podid.sandbox.kube.machinery import objects

GROUP_VERSION = "aadpodidentity.k8s.io/v1"
IDENTITIES = "aadpodidentity.k8s.io/azureidentities"
BINDINGS = "aadpodidentity.k8s.io/azureidentitybindings"
ASSIGNED_IDENTITIES = "aadpodidentity.k8s.io/azureassignedidentities"
EXCEPTIONS = "aadpodidentity.k8s.io/azurepodidentityexceptions"
PODS, NODES, NAMESPACES = "pods", "nodes", "namespaces"

BINDING_LABEL = "aadpodidbinding"
MANAGED_BY = "kubernetes.azure.com/managedby"
MANAGED_BY_AKS = "aks"
NODENAME_LABEL = "nodename"
ASSIGNED_FINALIZER = "azureassignedidentity.finalizers.aadpodidentity.k8s.io"

USER_ASSIGNED_MSI = 0  # AzureIdentity.spec.type
CREATED, ASSIGNED, UNASSIGNED = "Created", "Assigned", "Unassigned"  # AzureAssignedIdentity.status.status

_KINDS = {
    IDENTITIES: "AzureIdentity",
    BINDINGS: "AzureIdentityBinding",
    ASSIGNED_IDENTITIES: "AzureAssignedIdentity",
    EXCEPTIONS: "AzurePodIdentityException",
}


field = objects.dig  # the value at a path, or None when any step is missing
labels_of = objects.labels_of


def text(obj: KubeObject, *path: str) -> str:
    return objects.as_str(objects.dig(obj, *path))


def name_of(obj: KubeObject) -> str:
    return text(obj, "metadata", "name")


def namespace_of(obj: KubeObject) -> str:
    return text(obj, "metadata", "namespace")


def resource_version(obj: KubeObject) -> str:
    return text(obj, "metadata", "resourceVersion")


def new_object(
    resource: str, namespace: str, name: str, spec: dict[str, Any], labels: dict[str, str] | None = None
) -> KubeObject:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    return {"apiVersion": GROUP_VERSION, "kind": _KINDS[resource], "metadata": metadata, "spec": spec}


def scale_set_of(node: KubeObject) -> str | None:
    """The scale set id in a node's ``spec.providerID``
    (``azure:///subscriptions/…/virtualMachineScaleSets/<vmss>/virtualMachines/<n>``), or None for a VM."""
    provider_id = text(node, "spec", "providerID")
    path = provider_id.removeprefix("azure://")
    marker = "/virtualmachinescalesets/"
    at = path.lower().find(marker)
    if at < 0:
        return None
    end = path.find("/", at + len(marker))
    return path if end < 0 else path[:end]
