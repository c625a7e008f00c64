"""Small builders for the Kubernetes objects the pod identity planners read (plain dicts, as on the wire)."""

from __future__ import annotations

from typing import Any

SUB = "/subscriptions/s1"
VMSS_A = f"{SUB}/resourceGroups/mc_rg_aks_westus2/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-1-vmss"
VMSS_B = f"{SUB}/resourceGroups/mc_rg_aks_westus2/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-2-vmss"


def identity_id(name: str) -> str:
    return f"{SUB}/resourcegroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"


def pod(
    name: str, namespace: str = "my-app", label: str | None = "sel", node: str = "node-a0", phase: str = "Running"
) -> dict[str, Any]:
    labels = {"aadpodidbinding": label} if label is not None else {}
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"nodeName": node},
        "status": {"phase": phase},
    }


def azure_identity(
    name: str = "id1", namespace: str = "my-app", client_id: str = "c1", rv: str = "1"
) -> dict[str, Any]:
    return {
        "apiVersion": "aadpodidentity.k8s.io/v1",
        "kind": "AzureIdentity",
        "metadata": {"name": name, "namespace": namespace, "resourceVersion": rv},
        "spec": {"type": 0, "resourceID": identity_id(name), "clientID": client_id},
    }


def binding(
    name: str = "id1-binding", namespace: str = "my-app", identity: str = "id1", selector: str = "sel", rv: str = "1"
) -> dict[str, Any]:
    return {
        "apiVersion": "aadpodidentity.k8s.io/v1",
        "kind": "AzureIdentityBinding",
        "metadata": {"name": name, "namespace": namespace, "resourceVersion": rv},
        "spec": {"azureIdentity": identity, "selector": selector},
    }


def node(name: str, vmss: str = VMSS_A, index: int = 0) -> dict[str, Any]:
    provider = f"azure://{vmss}/virtualMachines/{index}"
    return {"metadata": {"name": name}, "spec": {"providerID": provider}}
