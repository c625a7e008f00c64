"""A CRD version's status and scale subresources: the object's writes keep its status, ``/status`` writes only the
status, ``/scale`` is an autoscaling/v1 Scale over the CRD's paths (``kubectl scale`` and the Python client), and
discovery lists both; without them, ``/status`` is a 404 and the object's writes change its status."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from tests.kube.conftest import KubeCluster, Kubectl, crontab_crd
from tests.kube.test_openapi_http import get


def crd_with_subresources(group: str, subresources: dict[str, Any]) -> dict[str, Any]:
    replicas = {"type": "integer"}
    schema = {
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {"replicas": replicas, "image": {"type": "string"}}},
            "status": {"type": "object", "properties": {"replicas": replicas, "selector": {"type": "string"}}},
        },
    }
    version = {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}
    return crontab_crd(group, [{**version, "subresources": subresources}])


SCALE = {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}


def crontab(group: str, name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{group}/v1", "kind": "CronTab", "metadata": {"name": name}, "spec": spec}


@pytest.fixture
def group(api_client: k8s.ApiClient, unique: str) -> str:
    name = f"{unique}.sub.example.com"
    scale = {**SCALE, "labelSelectorPath": ".status.selector"}
    k8s.ApiextensionsV1Api(api_client).create_custom_resource_definition(
        crd_with_subresources(name, {"status": {}, "scale": scale})
    )
    return name


def test_status_is_written_only_through_its_subresource(
    custom: k8s.CustomObjectsApi, namespace: str, group: str
) -> None:
    body = {**crontab(group, "nightly", replicas=1), "status": {"replicas": 7}}
    created = custom.create_namespaced_custom_object(group, "v1", namespace, "crontabs", body)
    assert "status" not in created  # PrepareForCreate drops it

    changed = {**created, "spec": {"replicas": 2}, "status": {"replicas": 5}}
    replaced = custom.replace_namespaced_custom_object(group, "v1", namespace, "crontabs", "nightly", changed)
    assert replaced["spec"] == {"replicas": 2} and "status" not in replaced
    assert replaced["metadata"]["generation"] == 2

    status = {**replaced, "spec": {"replicas": 9}, "status": {"replicas": 2, "selector": "app=nightly"}}
    written = custom.replace_namespaced_custom_object_status(group, "v1", namespace, "crontabs", "nightly", status)
    assert written["spec"] == {"replicas": 2} and written["status"] == {"replicas": 2, "selector": "app=nightly"}
    assert written["metadata"]["generation"] == 2

    patched = custom.patch_namespaced_custom_object(
        group, "v1", namespace, "crontabs", "nightly", {"status": {"replicas": 0}, "spec": {"image": "busybox"}}
    )
    assert patched["status"]["replicas"] == 2 and patched["spec"]["image"] == "busybox"
    patched = custom.patch_namespaced_custom_object_status(
        group, "v1", namespace, "crontabs", "nightly", {"status": {"replicas": 1}}
    )
    assert patched["status"] == {"replicas": 1, "selector": "app=nightly"}


def test_scale_reads_and_writes_the_crd_paths(custom: k8s.CustomObjectsApi, namespace: str, group: str) -> None:
    custom.create_namespaced_custom_object(group, "v1", namespace, "crontabs", crontab(group, "hourly"))
    scale = custom.get_namespaced_custom_object_scale(group, "v1", namespace, "crontabs", "hourly")
    assert (scale["kind"], scale["apiVersion"]) == ("Scale", "autoscaling/v1")
    assert scale["spec"] == {"replicas": 0} and scale["status"] == {"replicas": 0, "selector": ""}
    assert set(scale["metadata"]) == {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}

    scaled = custom.patch_namespaced_custom_object_scale(
        group, "v1", namespace, "crontabs", "hourly", {"spec": {"replicas": 3}}
    )
    assert scaled["spec"] == {"replicas": 3}
    assert custom.get_namespaced_custom_object(group, "v1", namespace, "crontabs", "hourly")["spec"] == {"replicas": 3}
    with pytest.raises(k8s.ApiException) as refused:
        custom.patch_namespaced_custom_object_scale(
            group, "v1", namespace, "crontabs", "hourly", {"spec": {"replicas": -1}}
        )
    assert refused.value.status == 422
    assert json.loads(refused.value.body)["details"]["causes"][0]["field"] == "spec.replicas"


def test_kubectl_scale_a_custom_resource(kubectl: Kubectl, namespace: str, group: str, tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(json.dumps(crontab(group, "weekly", replicas=1)))
    kubectl("apply", "-n", namespace, "-f", str(tmp_path / "c.yaml"))
    scaled = kubectl("scale", "-n", namespace, f"crontabs.{group}/weekly", "--replicas=4")
    assert scaled.strip() == f"crontab.{group}/weekly scaled"
    replicas = kubectl("get", "-n", namespace, f"crontabs.{group}/weekly", "-o", "jsonpath={.spec.replicas}")
    assert replicas == "4"
    resources = kubectl("api-resources", f"--api-group={group}", "-o", "wide")
    assert re.search(r"crontabs\s+" + re.escape(f"{group}/v1") + r"\s+true\s+CronTab", resources), resources


def test_discovery_lists_the_subresources(custom: k8s.CustomObjectsApi, group: str) -> None:
    resources = {r.name: (r.group, r.version, r.kind, r.verbs) for r in custom.get_api_resources(group, "v1").resources}
    assert resources["crontabs/status"] == (None, None, "CronTab", ["get", "patch", "update"])
    assert resources["crontabs/scale"] == ("autoscaling", "v1", "Scale", ["get", "patch", "update"])


def test_without_subresources_status_is_part_of_the_object(
    api_client: k8s.ApiClient, custom: k8s.CustomObjectsApi, namespace: str, unique: str
) -> None:
    group = f"{unique}.plain.example.com"
    k8s.ApiextensionsV1Api(api_client).create_custom_resource_definition(crd_with_subresources(group, {}))
    body = {**crontab(group, "daily", replicas=1), "status": {"replicas": 1}}
    created = custom.create_namespaced_custom_object(group, "v1", namespace, "crontabs", body)
    assert created["status"] == {"replicas": 1}
    for read in (custom.get_namespaced_custom_object_status, custom.get_namespaced_custom_object_scale):
        with pytest.raises(k8s.ApiException) as missing:
            read(group, "v1", namespace, "crontabs", "daily")
        assert missing.value.status == 404


def test_openapi_document_has_the_subresource_operations(kube: KubeCluster, kubectl: Kubectl, group: str) -> None:
    document = get(kube, f"/openapi/v3/apis/{group}/v1", kube.access.user_token).json()
    root = f"/apis/{group}/v1/namespaces/{{namespace}}/crontabs/{{name}}"
    status, scale = document["paths"][f"{root}/status"], document["paths"][f"{root}/scale"]
    assert sorted(k for k in status if k != "parameters") == ["get", "patch", "put"]
    operation = status["get"]["operationId"]
    assert operation.startswith("read") and operation.endswith("V1NamespacedCronTabStatus"), operation
    assert status["patch"]["description"] == "partially update status of the specified CronTab"
    assert scale["put"]["description"] == "replace scale of the specified CronTab"
    scale_ref = scale["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert scale_ref == "#/components/schemas/io.k8s.api.autoscaling.v1.Scale"
    assert "io.k8s.api.autoscaling.v1.ScaleSpec" in document["components"]["schemas"]
    explained = kubectl("explain", f"crontabs.{group}.status.selector")
    assert "selector" in explained and "<string>" in explained, explained
