"""The workload identity webhook in the sandbox's API servers, through the kubernetes client.

Covers: in a cluster with ``securityProfile.workloadIdentity.enabled``, a pod labelled
``azure.workload.identity/use: "true"`` is stored with the variables (client id from its ServiceAccount, the
sandbox tenant and authority), the read-only mount and the projected token volume; a skipped container is
left alone; a ServiceAccount without a client id adds no ``AZURE_CLIENT_ID`` (v1.5.1 and later); an unlabelled
pod is not touched; a bad token lifetime is refused with the webhook's 400 Status;
a cluster with only the OIDC issuer enabled runs no webhook.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.mgmt.containerservice import ContainerServiceClient
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from podid.sandbox import Endpoints
from tests.workloadidentity.conftest import WiCluster, admin_client, wi_cluster_body

CLIENT_ID = "3b9e0c1a-0000-4000-8000-0000000000aa"
USE = {"azure.workload.identity/use": "true"}


def create_pod(
    api: k8s.ApiClient,
    namespace: str,
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    containers: tuple[str, ...] = ("app",),
) -> dict[str, Any]:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": labels or {}, "annotations": annotations or {}},
        "spec": {
            "serviceAccountName": "web-sa",
            "containers": [{"name": name, "image": "nginx:1.27"} for name in containers],
        },
    }
    core = k8s.CoreV1Api(api)
    core.create_namespaced_pod(namespace, body)
    pod: dict[str, Any] = api.sanitize_for_serialization(core.read_namespaced_pod("web", namespace))
    return pod


def annotated_account(api: k8s.ApiClient, namespace: str, client_id: str = CLIENT_ID) -> None:
    annotations = {"azure.workload.identity/client-id": client_id} if client_id else {}
    metadata = k8s.V1ObjectMeta(name="web-sa", annotations=annotations)
    k8s.CoreV1Api(api).create_namespaced_service_account(namespace, k8s.V1ServiceAccount(metadata=metadata))


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item.get("value", "") for item in container.get("env", [])}


def test_a_labelled_pod_is_stored_mutated(wi_cluster: WiCluster, namespace: str, endpoints: Endpoints) -> None:
    annotated_account(wi_cluster.api, namespace)
    annotations = {"azure.workload.identity/skip-containers": "sidecar"}
    pod = create_pod(wi_cluster.api, namespace, labels=USE, annotations=annotations, containers=("app", "sidecar"))

    app, sidecar = pod["spec"]["containers"]
    assert env_of(app) == {
        "AZURE_CLIENT_ID": CLIENT_ID,
        "AZURE_TENANT_ID": endpoints.tenant_id,
        "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
        "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/",
    }
    assert {"name": "azure-identity-token", "readOnly": True, "mountPath": "/var/run/secrets/azure/tokens"} in app[
        "volumeMounts"
    ]
    assert "AZURE_CLIENT_ID" not in env_of(sidecar)
    assert all(mount["name"] != "azure-identity-token" for mount in sidecar.get("volumeMounts", []))
    [volume] = [volume for volume in pod["spec"]["volumes"] if volume["name"] == "azure-identity-token"]
    assert volume["projected"]["sources"] == [
        {
            "serviceAccountToken": {
                "audience": "api://AzureADTokenExchange",
                "expirationSeconds": 3600,
                "path": "azure-identity-token",
            }
        }
    ]


def test_no_client_id_variable_without_a_client_id(wi_cluster: WiCluster, namespace: str, endpoints: Endpoints) -> None:
    annotated_account(wi_cluster.api, namespace, client_id="")
    pod = create_pod(wi_cluster.api, namespace, labels=USE)
    assert env_of(pod["spec"]["containers"][0]) == {
        "AZURE_TENANT_ID": endpoints.tenant_id,
        "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
        "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/",
    }


def test_an_unlabelled_pod_is_not_touched(wi_cluster: WiCluster, namespace: str) -> None:
    annotated_account(wi_cluster.api, namespace)
    pod = create_pod(wi_cluster.api, namespace, labels={"app": "web"})
    assert "AZURE_CLIENT_ID" not in env_of(pod["spec"]["containers"][0])
    assert all(volume["name"] != "azure-identity-token" for volume in pod["spec"].get("volumes", []))


def test_a_bad_token_lifetime_is_refused(wi_cluster: WiCluster, namespace: str) -> None:
    annotated_account(wi_cluster.api, namespace)
    annotations = {"azure.workload.identity/service-account-token-expiration": "100"}
    with pytest.raises(ApiException) as refused:
        create_pod(wi_cluster.api, namespace, labels=USE, annotations=annotations)
    assert refused.value.status == 400
    status = json.loads(refused.value.body)
    assert status["message"] == (
        'admission webhook "mutation.azure-workload-identity.io" denied the request: '
        "token expiration 100 not valid. Expected value to be between 3600 and 86400"
    )
    assert (status["kind"], status["status"], status["code"]) == ("Status", "Failure", 400)


def test_no_webhook_without_workload_identity(aks: ContainerServiceClient, group: str) -> None:
    body = wi_cluster_body("oidconly", workload_identity=False)
    aks.managed_clusters.begin_create_or_update(group, "oidconly", body).result()
    api = admin_client(aks, group, "oidconly")
    annotated_account(api, "default")
    pod = create_pod(api, "default", labels=USE)
    assert "AZURE_CLIENT_ID" not in env_of(pod["spec"]["containers"][0])
