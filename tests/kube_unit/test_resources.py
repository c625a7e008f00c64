"""The served-kind catalogue and discovery documents.

Covers: lookups by REST path, by apiVersion+kind and by in-process name; short names and categories kubectl
resolves (``po``, ``svc``, ``deploy``...); ``/api``, ``/apis``, ``/apis/<group>`` and APIResourceList bodies,
including the ``pods/log`` subresource and the aadpodidentity CRD group.
"""

from __future__ import annotations

import pytest

from podid.sandbox.kube.machinery.resources import AAD_POD_IDENTITY_TYPES, BUILTIN_TYPES, Catalog

CATALOG = Catalog(BUILTIN_TYPES + AAD_POD_IDENTITY_TYPES)


@pytest.mark.parametrize(
    ("group", "version", "plural", "kind", "namespaced", "short_names"),
    [
        ("", "v1", "namespaces", "Namespace", False, ["ns"]),
        ("", "v1", "nodes", "Node", False, ["no"]),
        ("", "v1", "pods", "Pod", True, ["po"]),
        ("", "v1", "services", "Service", True, ["svc"]),
        ("", "v1", "endpoints", "Endpoints", True, ["ep"]),
        ("", "v1", "serviceaccounts", "ServiceAccount", True, ["sa"]),
        ("", "v1", "secrets", "Secret", True, None),
        ("", "v1", "configmaps", "ConfigMap", True, ["cm"]),
        ("", "v1", "events", "Event", True, ["ev"]),
        ("apps", "v1", "deployments", "Deployment", True, ["deploy"]),
        ("apps", "v1", "replicasets", "ReplicaSet", True, ["rs"]),
        ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False, ["crd", "crds"]),
        ("networking.k8s.io", "v1", "ingresses", "Ingress", True, ["ing"]),
        ("aadpodidentity.k8s.io", "v1", "azureidentities", "AzureIdentity", True, None),
        ("aadpodidentity.k8s.io", "v1", "azureidentitybindings", "AzureIdentityBinding", True, None),
        ("aadpodidentity.k8s.io", "v1", "azureassignedidentities", "AzureAssignedIdentity", True, None),
        ("aadpodidentity.k8s.io", "v1", "azurepodidentityexceptions", "AzurePodIdentityException", True, None),
    ],
)
def test_discovery_entry_of_each_served_kind(group, version, plural, kind, namespaced, short_names):
    doc = CATALOG.api_resource_list(group, version)
    assert doc is not None
    entry = next(r for r in doc["resources"] if r["name"] == plural)
    assert entry["kind"] == kind
    assert entry["namespaced"] is namespaced
    assert entry["singularName"] == kind.lower()
    assert entry.get("shortNames") == short_names
    assert "get" in entry["verbs"] and "list" in entry["verbs"] and "watch" in entry["verbs"]


def test_core_resource_list_has_pods_log_and_all_category():
    doc = CATALOG.api_resource_list("", "v1")
    assert doc is not None
    assert (doc["kind"], doc["apiVersion"], doc["groupVersion"]) == ("APIResourceList", "v1", "v1")
    by_name = {r["name"]: r for r in doc["resources"]}
    assert by_name["pods/log"] == {
        "name": "pods/log",
        "singularName": "",
        "namespaced": True,
        "kind": "Pod",
        "verbs": ["get"],
    }
    assert by_name["pods"]["categories"] == ["all"]
    assert "deletecollection" not in by_name["namespaces"]["verbs"]


def test_api_versions_and_group_list():
    assert CATALOG.api_versions() == {"kind": "APIVersions", "versions": ["v1"]}
    with_address = CATALOG.api_versions("127.0.0.1:6443")
    assert with_address["serverAddressByClientCIDRs"] == [
        {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}
    ]
    groups = CATALOG.api_group_list()
    assert (groups["kind"], groups["apiVersion"]) == ("APIGroupList", "v1")
    names = [g["name"] for g in groups["groups"]]
    assert names == [
        "apps", "batch", "coordination.k8s.io", "events.k8s.io", "apiextensions.k8s.io",
        "apiregistration.k8s.io", "networking.k8s.io", "rbac.authorization.k8s.io",
        "authorization.k8s.io", "authentication.k8s.io", "discovery.k8s.io", "policy",
        "autoscaling", "aadpodidentity.k8s.io",
    ]  # fmt: skip
    aad = groups["groups"][-1]
    assert aad["versions"] == [{"groupVersion": "aadpodidentity.k8s.io/v1", "version": "v1"}]
    assert aad["preferredVersion"] == {"groupVersion": "aadpodidentity.k8s.io/v1", "version": "v1"}


def test_api_group_and_unknown_group_versions():
    group = CATALOG.api_group("apps")
    assert group is not None
    assert (group["kind"], group["name"]) == ("APIGroup", "apps")
    assert CATALOG.api_group("storage.k8s.io") is None
    assert CATALOG.api_resource_list("apps", "v1beta1") is None
    assert CATALOG.api_resource_list("batch", "v1beta1") is None
    assert CATALOG.api_resource_list("policy", "v1beta1") is None
    assert CATALOG.api_resource_list("storage.k8s.io", "v1") is None


def test_lookups():
    deployments = CATALOG.lookup("apps", "v1", "deployments")
    assert deployments is not None
    assert deployments.api_version == "apps/v1"
    assert deployments.group_resource == "deployments.apps"
    assert deployments.group_kind == "Deployment.apps"
    assert deployments.list_kind == "DeploymentList"
    assert CATALOG.for_kind("apps/v1", "Deployment") is deployments
    assert CATALOG.named("apps/deployments") is deployments
    pods = CATALOG.named("pods")
    assert pods is not None and pods.group_resource == "pods" and pods.group_kind == "Pod"
    assert CATALOG.lookup("", "v1", "deployments") is None
    assert CATALOG.for_kind("v1", "Deployment") is None


def test_aad_types_are_custom_with_chart_printer_columns():
    identity = CATALOG.named("aadpodidentity.k8s.io/azureidentities")
    binding = CATALOG.named("aadpodidentity.k8s.io/azureidentitybindings")
    assert identity is not None and binding is not None
    assert identity.custom and binding.custom
    assert [(c.name, c.json_path) for c in identity.printer_columns] == [
        ("Type", ".spec.type"),
        ("ClientID", ".spec.clientID"),
        ("Age", ".metadata.creationTimestamp"),
    ]
    assert [c.name for c in binding.printer_columns] == ["AzureIdentity", "Selector", "Age"]
    assert not any(t.custom for t in BUILTIN_TYPES)
