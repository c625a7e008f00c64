"""The aad-pod-identity CRDs every cluster holds are the pinned release's (Azure/aad-pod-identity v1.8.17
charts/aad-pod-identity/crds/crd.yaml): ``kubectl explain`` describes their fields, and what MIC and users write
through them keeps the fields the schemas name while the others are pruned."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client as k8s

from tests.kube.conftest import Kubectl

GROUP = "aadpodidentity.k8s.io"


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("azureidentity.spec.clientID", "Both User Assigned MSI and SP can use this field."),
        ("azureidentity.spec.type", "UserAssignedMSI or Service Principal"),
        ("azureidentitybinding.spec.weight", "Weight is used to figure out which of the matching identities"),
        ("azureassignedidentity.spec.azureIdentityRef", "AzureIdentityRef is an embedded resource"),
        ("azurepodidentityexception.spec", "AzurePodIdentityExceptionSpec matches pods with the selector defined."),
    ],
)
def test_kubectl_explain_describes_the_release_schemas(kubectl: Kubectl, field: str, expected: str) -> None:
    explained = kubectl("explain", field)
    assert expected in " ".join(explained.split()), explained


def test_the_crds_carry_the_release_schemas(api_client: k8s.ApiClient) -> None:
    extensions = k8s.ApiextensionsV1Api(api_client)
    crd = extensions.read_custom_resource_definition(f"azureidentities.{GROUP}")
    assert crd.metadata.annotations["api-approved.kubernetes.io"] == "unapproved"
    assert crd.metadata.labels is None  # not the chart's Helm labels: the add-on installs them
    version = crd.spec.versions[0]
    spec = version.schema.open_apiv3_schema.properties["spec"]
    assert sorted(spec.properties) == [
        "adEndpoint",
        "adResourceID",
        "auxiliaryTenantIDs",
        "clientID",
        "clientPassword",
        "metadata",
        "replicas",
        "resourceID",
        "tenantID",
        "type",
    ]
    assert [(c.name, c.type, c.json_path) for c in version.additional_printer_columns] == [
        ("Type", "string", ".spec.type"),
        ("ClientID", "string", ".spec.clientID"),
        ("Age", "date", ".metadata.creationTimestamp"),
    ]
    assigned = extensions.read_custom_resource_definition(f"azureassignedidentities.{GROUP}")
    ref = assigned.spec.versions[0].schema.open_apiv3_schema.properties["spec"].properties["azureIdentityRef"]
    assert ref.x_kubernetes_embedded_resource is True


def identity(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/v1", "kind": "AzureIdentity", "metadata": {"name": name}, "spec": spec}


def test_what_mic_writes_survives_pruning(custom: k8s.CustomObjectsApi, namespace: str) -> None:
    resource_id = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"
    spec = {"type": 0, "resourceID": resource_id, "clientID": "00000000-0000-0000-0000-000000000001"}
    created = custom.create_namespaced_custom_object(
        GROUP, "v1", namespace, "azureidentities", identity("id", **spec, ResourceID="wrong case")
    )
    assert created["spec"] == spec  # the v1.6.0 breaking change: the old casing is pruned
    binding = {"azureIdentity": "id", "selector": "demo"}
    assigned = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "AzureAssignedIdentity",
        "metadata": {"name": "demo-pod-ns-id"},
        "spec": {
            "azureIdentityRef": {**identity("id", **spec), "metadata": {"name": "id", "namespace": namespace}},
            "azureBindingRef": {
                "apiVersion": f"{GROUP}/v1",
                "kind": "AzureIdentityBinding",
                "metadata": {"name": "binding", "namespace": namespace},
                "spec": binding,
            },
            "pod": "demo-pod",
            "podNamespace": namespace,
            "nodename": "aks-nodepool1-12345678-vmss000000",
        },
        "status": {"status": "Assigned"},
    }
    stored = custom.create_namespaced_custom_object(GROUP, "v1", namespace, "azureassignedidentities", assigned)
    assert stored["spec"]["azureIdentityRef"]["spec"] == spec
    assert stored["spec"]["azureIdentityRef"]["metadata"] == {"name": "id", "namespace": namespace}
    assert stored["spec"]["azureBindingRef"]["spec"] == binding
    assert stored["status"] == {"status": "Assigned"}
