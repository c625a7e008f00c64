"""Pruning of aad-pod-identity custom resources to their v1 structural schemas.

Covers: the pre-v1.6 spellings (``ResourceID``, ``ClientID``, ``ClientPassword``, ``TenantID``,
``AzureIdentity``, ``Selector``, ``PodLabels``) dropped while the camelCase fields stay; unknown top-level and
status fields; the opaque ``spec.metadata`` emptied; ``podLabels`` map values kept; embedded identity and
binding copies in AzureAssignedIdentity keeping their apiVersion/kind/metadata; unknown kinds left unchanged.
"""

from __future__ import annotations

import copy

from podid.sandbox.kube.validation.pruning import prune

META = {"name": "demo", "namespace": "default", "labels": {"a": "b"}, "resourceVersion": "7"}
RESOURCE_ID = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/demo"


def test_azure_identity_wrong_case_keys_are_pruned():
    identity = {
        "apiVersion": "aadpodidentity.k8s.io/v1",
        "kind": "AzureIdentity",
        "metadata": META,
        "spec": {
            "type": 0,
            "ResourceID": RESOURCE_ID,
            "ClientID": "1111",
            "ClientPassword": {"name": "s", "namespace": "default"},
            "TenantID": "t",
            "clientID": "2222",
            "clientPassword": {"name": "sp", "namespace": "default", "key": "extra"},
            "metadata": {"anything": "goes"},
        },
        "status": {"availableReplicas": 1, "phase": "x"},
        "extra": True,
    }
    before = copy.deepcopy(identity)
    assert prune(identity, "AzureIdentity") == {
        "apiVersion": "aadpodidentity.k8s.io/v1",
        "kind": "AzureIdentity",
        "metadata": META,
        "spec": {
            "type": 0,
            "clientID": "2222",
            "clientPassword": {"name": "sp", "namespace": "default"},
            "metadata": {},
        },
        "status": {"availableReplicas": 1},
    }
    assert identity == before


def test_binding_keeps_only_camel_case_fields():
    binding = {
        "kind": "AzureIdentityBinding",
        "metadata": META,
        "spec": {"AzureIdentity": "demo", "Selector": "demo", "azureIdentity": "demo", "selector": "sel", "weight": 1},
    }
    assert prune(binding, "AzureIdentityBinding")["spec"] == {"azureIdentity": "demo", "selector": "sel", "weight": 1}


def test_exception_pod_labels_map_is_kept():
    exception = {
        "kind": "AzurePodIdentityException",
        "metadata": META,
        "spec": {"podLabels": {"kubernetes.azure.com/managedby": "aks"}, "PodLabels": {"x": "y"}},
    }
    assert prune(exception, "AzurePodIdentityException")["spec"] == {
        "podLabels": {"kubernetes.azure.com/managedby": "aks"}
    }


def test_assigned_identity_embedded_resources_keep_their_metadata():
    identity = {
        "apiVersion": "aadpodidentity.k8s.io/v1",
        "kind": "AzureIdentity",
        "metadata": {"name": "demo", "resourceVersion": "3"},
        "spec": {"type": 0, "resourceID": RESOURCE_ID, "ResourceID": "x"},
    }
    assigned = {
        "kind": "AzureAssignedIdentity",
        "metadata": {
            "name": "pod-default-demo",
            "finalizers": ["azureassignedidentity.finalizers.aadpodidentity.k8s.io"],
        },
        "spec": {
            "azureIdentityRef": identity,
            "azureBindingRef": {"metadata": {"name": "b"}, "spec": {"selector": "s", "Selector": "s"}},
            "pod": "pod",
            "podNamespace": "default",
            "nodename": "aks-node-0",
            "NodeName": "wrong",
        },
        "status": {"status": "Created", "availableReplicas": 1},
    }
    pruned = prune(assigned, "AzureAssignedIdentity")
    assert pruned["metadata"] == assigned["metadata"]
    assert pruned["spec"]["azureIdentityRef"] == {
        "apiVersion": "aadpodidentity.k8s.io/v1",
        "kind": "AzureIdentity",
        "metadata": {"name": "demo", "resourceVersion": "3"},
        "spec": {"type": 0, "resourceID": RESOURCE_ID},
    }
    assert pruned["spec"]["azureBindingRef"] == {"metadata": {"name": "b"}, "spec": {"selector": "s"}}
    assert "NodeName" not in pruned["spec"] and pruned["spec"]["nodename"] == "aks-node-0"
    assert pruned["status"] == {"status": "Created", "availableReplicas": 1}


def test_nullable_lists_and_unknown_kinds():
    identity = {"kind": "AzureIdentity", "metadata": META, "spec": {"auxiliaryTenantIDs": ["a", "b"], "replicas": None}}
    assert prune(identity, "AzureIdentity")["spec"] == {"auxiliaryTenantIDs": ["a", "b"], "replicas": None}
    other = {"kind": "Widget", "spec": {"Anything": 1}}
    assert prune(other, "Widget") == other
