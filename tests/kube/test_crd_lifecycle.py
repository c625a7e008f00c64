"""A CRD's life as apiextensions' controllers drive it: deletion through the customresourcecleanup finalizer
(Terminating, the objects deleted first, creates refused meanwhile, the kind 404 once gone), and the naming
controller's conflicts (NamesAccepted=False, not established, not served; accepted once the other CRD goes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch

from tests.kube.conftest import VERSIONED_KUBECTL, KubeCluster, Kubectl, eventually
from tests.kube.test_crd_subresources import SCALE, crd_with_subresources, crontab
from tests.kube.test_crds import crd_yaml, widget

FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


def crd_body(group: str, plural: str = "widgets", kind: str = "Widget", **names: Any) -> dict[str, Any]:
    body: dict[str, Any] = yaml.safe_load(crd_yaml(group))
    body["metadata"]["name"] = f"{plural}.{group}"
    body["spec"]["names"] = {"plural": plural, "kind": kind, **names}
    return body


def conditions(crd: k8s.V1CustomResourceDefinition) -> dict[str, tuple[str, str, str]]:
    return {c.type: (c.status, c.reason, c.message) for c in crd.status.conditions or []}


def test_a_new_crd_has_no_finalizer_until_deleted(api_client: k8s.ApiClient, unique: str) -> None:
    extensions = k8s.ApiextensionsV1Api(api_client)
    group = f"{unique}.fin.example.com"
    created = extensions.create_custom_resource_definition(crd_body(group))
    assert created.metadata.finalizers is None  # REST.Delete adds it, not the create strategy
    assert "Terminating" not in conditions(created)


def test_deleting_a_crd_terminates_then_deletes_its_objects(
    api_client: k8s.ApiClient, custom: k8s.CustomObjectsApi, namespace: str, unique: str
) -> None:
    extensions = k8s.ApiextensionsV1Api(api_client)
    group = f"{unique}.fin.example.com"
    name = f"widgets.{group}"
    extensions.create_custom_resource_definition(crd_body(group))
    held = widget("held", group, size=1)
    held["metadata"]["finalizers"] = ["example.com/hold"]
    custom.create_namespaced_custom_object(group, "v1", namespace, "widgets", held)
    custom.create_namespaced_custom_object(group, "v1", namespace, "widgets", widget("free", group, size=2))

    crds = k8s_watch.Watch().stream(
        extensions.list_custom_resource_definition, field_selector=f"metadata.name={name}", timeout_seconds=10
    )
    assert next(crds)["type"] == "ADDED"
    answer = extensions.delete_custom_resource_definition(name, _preload_content=False)
    marked = json.loads(answer.data)  # the CRD as REST.Delete left it
    assert marked["kind"] == "CustomResourceDefinition" and marked["metadata"]["finalizers"] == [FINALIZER]
    assert marked["metadata"]["deletionTimestamp"]
    terminating = [c for c in marked["status"]["conditions"] if c["type"] == "Terminating"]
    assert [(c["status"], c["reason"], c["message"]) for c in terminating] == [
        (
            "True",
            "InstanceDeletionPending",
            "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
        )
    ]

    def in_progress() -> bool:
        event = next(crds)
        reason = conditions(event["object"]).get("Terminating", ("", "", ""))[1]
        return event["type"] == "MODIFIED" and reason == "InstanceDeletionInProgress"

    eventually(in_progress, "the finalizer controller's InstanceDeletionInProgress")
    eventually(lambda: not _names(custom, group, namespace) - {"held"}, "the free widget deleted")
    still = extensions.read_custom_resource_definition(name)
    assert still.metadata.finalizers == [FINALIZER]
    assert conditions(still)["Terminating"] == (
        "True",
        "InstanceDeletionInProgress",
        "CustomResource deletion is in progress",
    )
    assert custom.get_namespaced_custom_object(group, "v1", namespace, "widgets", "held")["metadata"][
        "deletionTimestamp"
    ]
    with pytest.raises(k8s.ApiException) as refused:
        custom.create_namespaced_custom_object(group, "v1", namespace, "widgets", widget("late", group))
    assert refused.value.status == 405
    status = json.loads(refused.value.body)
    assert (status["reason"], status["message"]) == (
        "MethodNotAllowed",
        "create not allowed while custom resource definition is terminating",
    )

    custom.patch_namespaced_custom_object(group, "v1", namespace, "widgets", "held", {"metadata": {"finalizers": None}})
    eventually(lambda: _gone(extensions, name), "the CRD gone once its last object went")
    crds.close()
    with pytest.raises(k8s.ApiException) as missing:
        custom.list_namespaced_custom_object(group, "v1", namespace, "widgets")
    assert missing.value.status == 404


def _names(custom: k8s.CustomObjectsApi, group: str, namespace: str) -> set[str]:
    listed = custom.list_namespaced_custom_object(group, "v1", namespace, "widgets")
    return {item["metadata"]["name"] for item in listed["items"]}


def _gone(extensions: k8s.ApiextensionsV1Api, name: str) -> bool:
    try:
        extensions.read_custom_resource_definition(name)
    except k8s.ApiException as error:
        return error.status == 404
    return False


def test_kubectl_delete_crd_waits_for_the_finalizer(
    kubectl: Kubectl, namespace: str, tmp_path: Path, unique: str
) -> None:
    group = f"{unique}.fin.example.com"
    (tmp_path / "crd.yaml").write_text(crd_yaml(group))
    kubectl("apply", "-f", str(tmp_path / "crd.yaml"))
    (tmp_path / "w.yaml").write_text(json.dumps(widget("one", group, size=1)))
    kubectl("apply", "-n", namespace, "-f", str(tmp_path / "w.yaml"))
    deleted = kubectl("delete", "crd", f"widgets.{group}")
    assert deleted.strip() == f'customresourcedefinition.apiextensions.k8s.io "widgets.{group}" deleted'
    gone = kubectl.run("get", "crd", f"widgets.{group}", check=False)
    assert gone.returncode == 1 and "NotFound" in gone.stderr, gone.stderr


def test_a_second_crd_claiming_a_kind_is_not_accepted(
    api_client: k8s.ApiClient, custom: k8s.CustomObjectsApi, namespace: str, unique: str
) -> None:
    extensions = k8s.ApiextensionsV1Api(api_client)
    group = f"{unique}.names.example.com"
    extensions.create_custom_resource_definition(crd_body(group, "widgets", "Widget", shortNames=[f"wd{unique}"]))
    second = extensions.create_custom_resource_definition(
        crd_body(group, "gadgets", "Widget", shortNames=[f"wd{unique}"])
    )
    assert conditions(second) == {
        "NamesAccepted": ("False", "ListKindConflict", '"WidgetList" is already in use'),
        "Established": ("False", "NotAccepted", "not all names are accepted"),
    }
    accepted = second.status.accepted_names  # the defaulted singular, "widget", is the first CRD's too
    assert (accepted.plural, accepted.singular, accepted.kind, accepted.list_kind, accepted.short_names) == (
        "gadgets",
        None,
        "",
        None,
        None,
    )
    with pytest.raises(k8s.ApiException) as missing:
        custom.list_namespaced_custom_object(group, "v1", namespace, "gadgets")
    assert missing.value.status == 404
    served = [r.name for r in custom.get_api_resources(group, "v1").resources]
    assert served == ["widgets"]

    extensions.delete_custom_resource_definition(f"widgets.{group}")
    accepted_now = eventually(
        lambda: conditions(extensions.read_custom_resource_definition(f"gadgets.{group}")).get("Established"),
        "the second CRD established once the first freed its names",
    )
    assert accepted_now[0] == "True"
    renamed = extensions.read_custom_resource_definition(f"gadgets.{group}")
    assert conditions(renamed)["NamesAccepted"] == ("True", "NoConflicts", "no conflicts found")
    assert renamed.status.accepted_names.kind == "Widget"
    assert custom.list_namespaced_custom_object(group, "v1", namespace, "gadgets")["items"] == []


def test_a_taken_short_name_is_a_short_names_conflict(api_client: k8s.ApiClient, unique: str) -> None:
    extensions = k8s.ApiextensionsV1Api(api_client)
    group = f"{unique}.names.example.com"
    extensions.create_custom_resource_definition(crd_body(group, "widgets", "Widget", shortNames=[f"wd{unique}"]))
    second = extensions.create_custom_resource_definition(
        crd_body(group, "doodads", "Doodad", shortNames=[f"wd{unique}"])
    )
    assert conditions(second)["NamesAccepted"] == ("False", "ShortNamesConflict", f'"wd{unique}" is already in use')
    assert second.status.accepted_names.kind == "Doodad" and second.status.accepted_names.short_names is None


@pytest.mark.skipif(not VERSIONED_KUBECTL, reason="no versioned kubectl binaries beside the dispatcher")
@pytest.mark.parametrize("binary", VERSIONED_KUBECTL, ids=lambda p: p.name)
def test_every_kubectl_scales_a_custom_resource_and_deletes_its_crd(
    binary: Path, kube: KubeCluster, namespace: str, tmp_path: Path, unique: str
) -> None:
    kubectl = Kubectl(kube.kubeconfig, tmp_path / "cache", binary=str(binary))
    group = f"{unique}.kubectl.example.com"
    (tmp_path / "crd.json").write_text(json.dumps(crd_with_subresources(group, {"status": {}, "scale": SCALE})))
    kubectl("apply", "-f", str(tmp_path / "crd.json"))
    kubectl("wait", "--for", "condition=established", "--timeout=10s", f"crd/crontabs.{group}")
    (tmp_path / "c.json").write_text(json.dumps(crontab(group, "nightly", replicas=1)))
    kubectl("apply", "-n", namespace, "-f", str(tmp_path / "c.json"))
    scaled = kubectl("scale", "-n", namespace, f"crontabs.{group}/nightly", "--replicas=2")
    assert scaled.strip() == f"crontab.{group}/nightly scaled"
    assert kubectl("get", "-n", namespace, f"crontabs.{group}/nightly", "-o", "jsonpath={.spec.replicas}") == "2"
    deleted = kubectl("delete", "crd", f"crontabs.{group}")
    assert deleted.strip() == f'customresourcedefinition.apiextensions.k8s.io "crontabs.{group}" deleted'
    gone = kubectl.run("get", "crd", f"crontabs.{group}", check=False)
    assert gone.returncode == 1 and "NotFound" in gone.stderr, gone.stderr
