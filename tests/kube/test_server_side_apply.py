"""Server-side apply and managedFields, through kubectl (three of the installed releases) and the Python client.

* ``kubectl apply --server-side`` creates a Deployment owned by the ``kubectl`` Apply manager; ``kubectl scale``
  takes ``.spec.replicas`` (an Update through the ``scale`` subresource); the same apply again is refused with
  the apiserver's 409 naming that manager and field; ``--force-conflicts`` takes it back.
* Fields the applier drops are removed, unless another manager owns them (a label set by ``kubectl label``).
* A second applier changing the first one's field conflicts; forcing moves the field to it.
* ``kubectl apply`` (client-side) then ``--server-side``: the fields the last-applied annotation still holds
  move without conflicts, and the annotation follows the applied configuration.
* The Python client's apply patch: 422 without ``fieldManager``, 201 creating, 409 with ``FieldManagerConflict``
  causes, ``force=True``; ``force`` on a merge patch is a 422.
* Ordinary creates carry managedFields too: ``kubectl create`` (``kubectl-create``), the Python client (its
  User-Agent's product); ``kubectl get -o yaml`` hides them unless ``--show-managed-fields``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from tests.kube.conftest import VERSIONED_KUBECTL, KubeCluster, Kubectl

APPLY = "application/apply-patch+yaml"
# the oldest, a middle and the newest kubectl installed beside the dispatcher
RELEASES = sorted({VERSIONED_KUBECTL[i] for i in (0, len(VERSIONED_KUBECTL) // 2, -1)}) if VERSIONED_KUBECTL else []


def deployment(namespace: str, replicas: int = 2, image: str = "nginx:1.25", **extra: Any) -> str:
    labels = extra.get("labels", {"app": "web", "tier": "front"})
    env = extra.get("env", [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    container = {"name": "web", "image": image, "env": env}
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}},
        },
    }
    return yaml.safe_dump(body)


def entries(kubectl: Kubectl, namespace: str, what: str) -> list[dict[str, Any]]:
    shown = json.loads(kubectl("get", "-n", namespace, what, "-o", "json", "--show-managed-fields"))
    return list(shown["metadata"]["managedFields"])


def owner(found: list[dict[str, Any]], manager: str, operation: str) -> dict[str, Any]:
    return next(e for e in found if (e["manager"], e["operation"]) == (manager, operation))


@pytest.mark.skipif(not RELEASES, reason="no versioned kubectl binaries beside the dispatcher")
@pytest.mark.parametrize("binary", RELEASES, ids=lambda p: p.name)
def test_reapply_after_scale_conflicts_on_replicas(
    binary: Path, kube: KubeCluster, tmp_path: Path, namespace: str, apps: k8s.AppsV1Api
) -> None:
    kubectl = Kubectl(kube.kubeconfig, tmp_path / "cache", str(binary))
    manifest = deployment(namespace)
    assert kubectl("apply", "--server-side", "-f", "-", stdin=manifest) == "deployment.apps/web serverside-applied\n"
    applier = owner(entries(kubectl, namespace, "deployment/web"), "kubectl", "Apply")
    assert applier["apiVersion"] == "apps/v1" and applier["fieldsType"] == "FieldsV1"
    assert "subresource" not in applier
    assert applier["fieldsV1"]["f:spec"]["f:replicas"] == {}
    assert applier["fieldsV1"]["f:spec"]["f:selector"] == {}  # a LabelSelector is atomic
    assert applier["fieldsV1"]["f:metadata"] == {"f:labels": {"f:app": {}, "f:tier": {}}}

    kubectl("scale", "-n", namespace, "deployment/web", "--replicas=5")
    scaler = next(e for e in entries(kubectl, namespace, "deployment/web") if e.get("subresource") == "scale")
    assert (scaler["operation"], scaler["apiVersion"]) == ("Update", "apps/v1")
    assert scaler["fieldsV1"] == {"f:spec": {"f:replicas": {}}}

    refused = kubectl.run("apply", "--server-side", "-f", "-", stdin=manifest, check=False)
    assert refused.returncode == 1
    by = f'"{scaler["manager"]}" with subresource "scale" using apps/v1'
    assert f"Apply failed with 1 conflict: conflict with {by}: .spec.replicas" in refused.stderr
    assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 5

    forced = kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=manifest)
    assert forced == "deployment.apps/web serverside-applied\n"
    assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 2
    after = entries(kubectl, namespace, "deployment/web")
    assert [e for e in after if e.get("subresource") == "scale"] == []  # its only field was taken
    assert owner(after, "kubectl", "Apply")["fieldsV1"]["f:spec"]["f:replicas"] == {}


def test_dropped_fields_are_removed_unless_owned_elsewhere(
    kubectl: Kubectl, namespace: str, apps: k8s.AppsV1Api
) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=deployment(namespace))
    kubectl("label", "-n", namespace, "deployment/web", "team=blue")
    shrunk = deployment(namespace, labels={"app": "web"}, env=[{"name": "A", "value": "1"}])
    kubectl("apply", "--server-side", "-f", "-", stdin=shrunk)

    live = apps.read_namespaced_deployment("web", namespace)
    assert live.metadata.labels == {"app": "web", "team": "blue"}  # tier dropped, kubectl-label's kept
    assert [(e.name, e.value) for e in live.spec.template.spec.containers[0].env] == [("A", "1")]
    found = entries(kubectl, namespace, "deployment/web")
    assert owner(found, "kubectl-label", "Update")["fieldsV1"] == {"f:metadata": {"f:labels": {"f:team": {}}}}
    env = owner(found, "kubectl", "Apply")["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert list(env['k:{"name":"web"}']["f:env"]) == ['k:{"name":"A"}']


def test_second_applier_conflicts_until_forced(kubectl: Kubectl, namespace: str, apps: k8s.AppsV1Api) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=deployment(namespace))
    other = deployment(namespace, image="nginx:1.27")
    refused = kubectl.run("apply", "--server-side", "--field-manager=rollout-bot", "-f", "-", stdin=other, check=False)
    assert refused.returncode == 1
    image = '.spec.template.spec.containers[name="web"].image'
    assert f'Apply failed with 1 conflict: conflict with "kubectl": {image}' in refused.stderr

    kubectl("apply", "--server-side", "--field-manager=rollout-bot", "--force-conflicts", "-f", "-", stdin=other)
    assert apps.read_namespaced_deployment("web", namespace).spec.template.spec.containers[0].image == "nginx:1.27"
    found = entries(kubectl, namespace, "deployment/web")
    mine = owner(found, "kubectl", "Apply")["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    theirs = owner(found, "rollout-bot", "Apply")["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert "f:image" not in mine['k:{"name":"web"}'] and "f:image" in theirs['k:{"name":"web"}']


def test_client_side_apply_upgrades_to_server_side(kubectl: Kubectl, namespace: str, apps: k8s.AppsV1Api) -> None:
    kubectl("apply", "-f", "-", stdin=deployment(namespace))
    assert [e["manager"] for e in entries(kubectl, namespace, "deployment/web")] == ["kubectl-client-side-apply"]
    upgraded = kubectl("apply", "--server-side", "-f", "-", stdin=deployment(namespace, replicas=3))
    assert upgraded == "deployment.apps/web serverside-applied\n"
    live = apps.read_namespaced_deployment("web", namespace)
    assert live.spec.replicas == 3
    last = json.loads(live.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 3


def test_python_client_apply_patch(core: k8s.CoreV1Api, namespace: str) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"mode": "fast"}}
    with pytest.raises(ApiException) as missing:
        core.patch_namespaced_config_map("settings", namespace, body, _content_type=APPLY)
    assert missing.value.status == 422
    status = json.loads(missing.value.body)
    message = 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
    assert (status["reason"], status["message"]) == ("Invalid", message)
    assert status["details"] == {
        "group": "meta.k8s.io",
        "kind": "PatchOptions",
        "causes": [
            {
                "reason": "FieldValueRequired",
                "message": "Required value: is required for apply patch",
                "field": "fieldManager",
            }
        ],
    }

    created = core.patch_namespaced_config_map("settings", namespace, body, field_manager="py-one", _content_type=APPLY)
    assert created.data == {"mode": "fast"}
    assert [(e.manager, e.operation) for e in created.metadata.managed_fields] == [("py-one", "Apply")]

    changed = {**body, "data": {"mode": "slow"}}
    with pytest.raises(ApiException) as conflict:
        core.patch_namespaced_config_map("settings", namespace, changed, field_manager="py-two", _content_type=APPLY)
    assert conflict.value.status == 409
    status = json.loads(conflict.value.body)
    assert status["reason"] == "Conflict"
    assert status["message"] == 'Apply failed with 1 conflict: conflict with "py-one": .data.mode'
    cause = {"reason": "FieldManagerConflict", "message": 'conflict with "py-one"', "field": ".data.mode"}
    assert status["details"] == {"causes": [cause]}

    forced = core.patch_namespaced_config_map(
        "settings", namespace, changed, field_manager="py-two", force=True, _content_type=APPLY
    )
    assert forced.data == {"mode": "slow"}
    assert [(e.manager, e.fields_v1) for e in forced.metadata.managed_fields] == [
        ("py-two", {"f:data": {"f:mode": {}}})
    ]

    with pytest.raises(ApiException) as forced_merge:
        core.patch_namespaced_config_map("settings", namespace, {"data": {"a": "b"}}, force=True)
    assert forced_merge.value.status == 422
    assert json.loads(forced_merge.value.body)["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch'
    )


def test_ordinary_writes_carry_managed_fields(kubectl: Kubectl, core: k8s.CoreV1Api, namespace: str) -> None:
    kubectl("create", "configmap", "-n", namespace, "made", "--from-literal=a=b")
    created = entries(kubectl, namespace, "configmap/made")
    assert [(e["manager"], e["operation"], e["fieldsV1"]) for e in created] == [
        ("kubectl-create", "Update", {"f:data": {".": {}, "f:a": {}}})
    ]
    assert "managedFields" not in kubectl("get", "-n", namespace, "configmap/made", "-o", "yaml")

    body = {"metadata": {"name": "client", "labels": {"app": "x"}}, "data": {"k": "v"}}
    made = core.create_namespaced_config_map(namespace, body)
    assert [(e.manager, e.operation) for e in made.metadata.managed_fields] == [("OpenAPI-Generator", "Update")]
    assert made.metadata.managed_fields[0].fields_v1 == {
        "f:data": {".": {}, "f:k": {}},
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
    }
    kubectl("patch", "-n", namespace, "configmap/client", "-p", '{"data":{"k":"w"}}')
    found = entries(kubectl, namespace, "configmap/client")
    assert owner(found, "kubectl-patch", "Update")["fieldsV1"] == {"f:data": {"f:k": {}}}
    assert owner(found, "OpenAPI-Generator", "Update")["fieldsV1"] == {
        "f:data": {},
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
    }
