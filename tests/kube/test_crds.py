"""CustomResourceDefinitions: creating one serves its kind (discovery, CRUD, watch, printer columns), its status
says Established/NamesAccepted, fields of the wrong type are refused, and deleting it deletes its objects and
stops serving them (404)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch

from tests.kube.conftest import Kubectl


def crd_yaml(group: str, scope: str = "Namespaced") -> str:
    return f"""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.{group}
spec:
  group: {group}
  scope: {scope}
  names: {{plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {{type: integer}}
              color: {{type: string}}
    additionalPrinterColumns:
    - {{name: Size, type: integer, jsonPath: .spec.size}}
    - {{name: Color, type: string, jsonPath: .spec.color}}
"""


def widget(name: str, group: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec}


def test_kubectl_crd_lifecycle(kubectl: Kubectl, namespace: str, tmp_path: Path, unique: str) -> None:
    group = f"{unique}.example.com"
    (tmp_path / "crd.yaml").write_text(crd_yaml(group))
    crd = f"customresourcedefinition.apiextensions.k8s.io/widgets.{group}"
    assert kubectl("apply", "-f", str(tmp_path / "crd.yaml")).strip() == f"{crd} created"
    waited = kubectl("wait", "--for", "condition=established", "--timeout=10s", f"crd/widgets.{group}")
    assert waited.strip() == f"{crd} condition met"
    assert re.search(rf"widgets\s+wd\s+{re.escape(group)}/v1\s+true\s+Widget", kubectl("api-resources"))

    (tmp_path / "w.yaml").write_text(json.dumps(widget("small", group, size=3, color="red")))
    assert kubectl("apply", "-n", namespace, "-f", str(tmp_path / "w.yaml")).strip() == (
        f"widget.{group}/small created"
    )
    rows = [re.split(r"\s{2,}", line.strip()) for line in kubectl("get", "wd", "-n", namespace).splitlines()]
    assert rows == [["NAME", "SIZE", "COLOR"], ["small", "3", "red"]]

    (tmp_path / "bad.yaml").write_text(json.dumps(widget("bad", group, size="three")))
    refused = kubectl.run("apply", "-n", namespace, "-f", str(tmp_path / "bad.yaml"), check=False)
    assert refused.returncode == 1
    assert 'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"' in refused.stderr

    deleted = kubectl("delete", "crd", f"widgets.{group}")
    assert deleted.strip() == f'customresourcedefinition.apiextensions.k8s.io "widgets.{group}" deleted'
    gone = kubectl.run("get", f"widgets.v1.{group}", "-n", namespace, check=False)
    assert gone.returncode == 1
    # kubectl's discovery cache still knows the kind: the list itself is the 404
    missing = f'Unable to list "{group}/v1, Resource=widgets": the server could not find the requested resource'
    assert missing in gone.stderr, gone.stderr
    assert f"{group}/v1" not in kubectl("api-versions")


def test_python_client_custom_objects(
    api_client: k8s.ApiClient, custom: k8s.CustomObjectsApi, namespace: str, unique: str
) -> None:
    extensions = k8s.ApiextensionsV1Api(api_client)
    group = f"{unique}.example.org"
    extensions.create_custom_resource_definition(yaml.safe_load(crd_yaml(group, scope="Cluster")))
    crd = extensions.read_custom_resource_definition_status(f"widgets.{group}")
    conditions = {c.type: (c.status, c.reason) for c in crd.status.conditions}
    assert conditions == {"Established": ("True", "InitialNamesAccepted"), "NamesAccepted": ("True", "NoConflicts")}
    assert crd.status.accepted_names.list_kind == "WidgetList" and crd.status.stored_versions == ["v1"]

    stream = k8s_watch.Watch().stream(custom.list_cluster_custom_object, group, "v1", "widgets", timeout_seconds=5)
    created = custom.create_cluster_custom_object(group, "v1", "widgets", widget("one", group, size=1))
    assert created["metadata"]["generation"] == 1 and "namespace" not in created["metadata"]
    assert next(stream)["type"] == "ADDED"
    listed = custom.list_cluster_custom_object(group, "v1", "widgets")
    assert listed["kind"] == "WidgetList" and [w["metadata"]["name"] for w in listed["items"]] == ["one"]
    assert custom.get_cluster_custom_object(group, "v1", "widgets", "one")["spec"] == {"size": 1}

    discovery = custom.get_api_resources(group, "v1")
    assert [(r.name, r.namespaced, r.kind, r.short_names) for r in discovery.resources] == [
        ("widgets", False, "Widget", ["wd"])
    ]
    groups = {g.name: g.preferred_version.group_version for g in k8s.ApisApi(api_client).get_api_versions().groups}
    assert groups[group] == f"{group}/v1"

    extensions.delete_custom_resource_definition(f"widgets.{group}")
    assert next(stream)["type"] == "DELETED"
    stream.close()
    with pytest.raises(k8s.ApiException) as missing:
        custom.get_cluster_custom_object(group, "v1", "widgets", "one")
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["message"] == "the server could not find the requested resource"
