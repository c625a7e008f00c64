"""Server-side apply on a custom resource, through the kubernetes Python client: the CRD's structural schema decides.

``spec.ports`` is ``x-kubernetes-list-type: map`` keyed by ``name`` (two managers each own their items, and a
manager's dropped item goes while the other's stays), ``spec.tags`` has no list type (atomic: a second manager
changing it conflicts on the whole list), ``spec.limits`` is a map (each key owned on its own). A dry-run apply
answers as a create and stores nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

APPLY = "application/apply-patch+yaml"


def crd(group: str) -> dict[str, Any]:
    port = {"type": "object", "properties": {"name": {"type": "string"}, "number": {"type": "integer"}}}
    spec = {
        "type": "object",
        "properties": {
            "ports": {
                "type": "array",
                "items": port,
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
            },
            "tags": {"type": "array", "items": {"type": "string"}},
            "limits": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    version = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec}}},
    }
    names = {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"gadgets.{group}"},
        "spec": {"group": group, "scope": "Namespaced", "names": names, "versions": [version]},
    }


def gadget(group: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{group}/v1", "kind": "Gadget", "metadata": {"name": "g"}, "spec": spec}


def test_custom_resource_apply_follows_the_schema(
    api_client: k8s.ApiClient, custom: k8s.CustomObjectsApi, namespace: str, unique: str
) -> None:
    group = f"{unique}.apply.example.com"
    k8s.ApiextensionsV1Api(api_client).create_custom_resource_definition(crd(group))

    def apply(manager: str, body: dict[str, Any], **options: Any) -> int:
        _, status, _ = custom.patch_namespaced_custom_object_with_http_info(
            group, "v1", namespace, "gadgets", "g", body, field_manager=manager, _content_type=APPLY, **options
        )
        return int(status)

    def read() -> dict[str, Any]:
        found: dict[str, Any] = custom.get_namespaced_custom_object(group, "v1", namespace, "gadgets", "g")
        return found

    assert apply("one", gadget(group, tags=["x"]), dry_run="All") == 201
    with pytest.raises(ApiException) as absent:
        read()
    assert absent.value.status == 404

    mine = {"ports": [{"name": "http", "number": 80}], "tags": ["x"], "limits": {"cpu": "1"}}
    assert apply("one", gadget(group, **mine)) == 201
    assert apply("two", gadget(group, ports=[{"name": "https", "number": 443}], limits={"memory": "1Gi"})) == 200
    both = read()
    assert [p["name"] for p in both["spec"]["ports"]] == ["http", "https"]
    assert both["spec"]["limits"] == {"cpu": "1", "memory": "1Gi"}

    with pytest.raises(ApiException) as refused:
        apply("two", gadget(group, tags=["y"]))
    assert refused.value.status == 409
    assert json.loads(refused.value.body)["message"] == 'Apply failed with 1 conflict: conflict with "one": .spec.tags'

    assert apply("one", gadget(group, tags=["x"])) == 200
    kept = read()
    assert kept["spec"]["ports"] == [{"name": "https", "number": 443}]
    assert kept["spec"]["limits"] == {"memory": "1Gi"}
    owners = {e["manager"]: e["fieldsV1"] for e in kept["metadata"]["managedFields"]}
    assert owners["one"] == {"f:spec": {"f:tags": {}}}
    assert owners["two"] == {
        "f:spec": {
            "f:limits": {"f:memory": {}},
            "f:ports": {'k:{"name":"https"}': {".": {}, "f:name": {}, "f:number": {}}},
        }
    }
