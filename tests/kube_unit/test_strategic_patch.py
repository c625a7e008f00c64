"""Strategic merge patch on built-in kinds.

Covers: the exact kubectl 1.20 client-side-apply patch (merge by ``name`` keeps ``command``); merge keys of pods
(containers, env, ports, volumeMounts, volumes, imagePullSecrets), services (ports by ``port``) and object meta
(finalizers, ownerReferences); lists without a strategy replaced whole (tolerations, command); null deletes;
``$setElementOrder``, ``$patch: delete|replace`` in lists and maps, ``$deleteFromPrimitiveList``, ``$retainKeys``;
Go's ordering of new list items; and the errors (400 format errors, 500 for a missing merge key).
"""

from __future__ import annotations

import copy

import pytest

from podid.sandbox.kube.machinery.status import KubeApiError
from podid.sandbox.kube.machinery.strategic import strategic_merge_patch

LAST_APPLIED = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"demo"}}'


def _pod(*containers: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "demo", "namespace": "default", "annotations": {"team": "dns"}},
        "spec": {"containers": list(containers), "tolerations": [{"key": "a", "operator": "Exists"}]},
    }


MAIN = {"name": "main", "image": "busybox:1.35", "command": ["sleep", "3600"]}


def test_kubectl_120_apply_patch_keeps_command():
    live = _pod(MAIN)
    before = copy.deepcopy(live)
    patch = {
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED}},
        "spec": {
            "$setElementOrder/containers": [{"name": "main"}],
            "containers": [{"image": "busybox:1.36", "name": "main"}],
        },
    }
    result = strategic_merge_patch(live, patch, "Pod")
    assert result["spec"]["containers"] == [{"name": "main", "image": "busybox:1.36", "command": ["sleep", "3600"]}]
    assert result["metadata"]["annotations"] == {
        "team": "dns",
        "kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED,
    }
    assert live == before  # the input object is not modified


@pytest.mark.parametrize(
    ("container_patch", "expected"),
    [
        (
            {"name": "main", "env": [{"name": "B", "value": "2"}]},
            [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}],
        ),
        (
            {"name": "main", "env": [{"name": "A", "value": "changed"}]},
            [{"name": "A", "value": "changed"}],
        ),
        (
            {"name": "main", "env": [{"name": "A", "$patch": "delete"}]},
            [],
        ),
    ],
)
def test_env_merges_by_name(container_patch, expected):
    live = _pod({**MAIN, "env": [{"name": "A", "value": "1"}]})
    result = strategic_merge_patch(live, {"spec": {"containers": [container_patch]}}, "Pod")
    assert result["spec"]["containers"][0]["env"] == expected


def test_new_list_item_goes_first_without_set_element_order():
    result = strategic_merge_patch(_pod(MAIN), {"spec": {"containers": [{"name": "side", "image": "redis"}]}}, "Pod")
    assert [c["name"] for c in result["spec"]["containers"]] == ["side", "main"]


def test_set_element_order_places_items():
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "main"}, {"name": "side"}],
            "containers": [{"name": "side", "image": "redis"}],
        }
    }
    result = strategic_merge_patch(_pod(MAIN), patch, "Pod")
    assert [c["name"] for c in result["spec"]["containers"]] == ["main", "side"]


def test_set_element_order_alone_reorders_live_list():
    live = _pod({"name": "a", "image": "x"}, {"name": "b", "image": "y"})
    patch = {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}}
    result = strategic_merge_patch(live, patch, "Pod")
    assert [c["name"] for c in result["spec"]["containers"]] == ["b", "a"]


def test_container_ports_merge_by_container_port_and_volume_mounts_by_path():
    live = _pod(
        {
            **MAIN,
            "ports": [{"containerPort": 80, "name": "http"}],
            "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"}],
        }
    )
    patch = {
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "volumeMounts": [{"name": "cfg2", "mountPath": "/etc/cfg"}],
                }
            ]
        }
    }
    container = strategic_merge_patch(live, patch, "Pod")["spec"]["containers"][0]
    assert container["ports"] == [{"containerPort": 80, "name": "http", "protocol": "TCP"}]
    assert container["volumeMounts"] == [{"name": "cfg2", "mountPath": "/etc/cfg"}]


def test_lists_without_strategy_are_replaced():
    patch = {
        "spec": {
            "tolerations": [{"key": "b", "operator": "Exists"}],
            "containers": [{"name": "main", "command": ["true"]}],
        }
    }
    result = strategic_merge_patch(_pod(MAIN), patch, "Pod")
    assert result["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]
    assert result["spec"]["containers"][0]["command"] == ["true"]


def test_volumes_and_image_pull_secrets_merge_by_name():
    live = _pod(MAIN)
    live["spec"]["volumes"] = [{"name": "cfg", "configMap": {"name": "a"}}]
    live["spec"]["imagePullSecrets"] = [{"name": "acr"}]
    patch = {"spec": {"volumes": [{"name": "tmp", "emptyDir": {}}], "imagePullSecrets": [{"name": "acr"}]}}
    result = strategic_merge_patch(live, patch, "Pod")
    assert [v["name"] for v in result["spec"]["volumes"]] == ["tmp", "cfg"]
    assert result["spec"]["imagePullSecrets"] == [{"name": "acr"}]


def test_service_ports_merge_by_port():
    service = {"kind": "Service", "spec": {"ports": [{"port": 80, "targetPort": 8080, "name": "http"}]}}
    patch = {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}
    result = strategic_merge_patch(service, patch, "Service")
    assert result["spec"]["ports"] == [{"port": 80, "targetPort": 9090, "name": "http"}]


def test_deployment_template_containers_merge():
    deployment = {
        "kind": "Deployment",
        "spec": {"replicas": 1, "template": {"spec": {"containers": [MAIN]}}},
    }
    patch = {"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}}}}
    result = strategic_merge_patch(deployment, patch, "Deployment")
    assert result["spec"]["replicas"] == 2
    assert result["spec"]["template"]["spec"]["containers"] == [{**MAIN, "image": "busybox:1.36"}]


def test_null_deletes_keys_and_unmatched_null_is_ignored():
    result = strategic_merge_patch(_pod(MAIN), {"metadata": {"annotations": {"team": None, "other": None}}}, "Pod")
    assert result["metadata"]["annotations"] == {}


def test_map_patch_replace_and_delete_directives():
    live = _pod(MAIN)
    live["spec"]["securityContext"] = {"runAsUser": 1000, "fsGroup": 2000}
    replaced = strategic_merge_patch(live, {"spec": {"securityContext": {"$patch": "replace", "runAsUser": 1}}}, "Pod")
    assert replaced["spec"]["securityContext"] == {"runAsUser": 1}
    deleted = strategic_merge_patch(live, {"spec": {"securityContext": {"$patch": "delete"}}}, "Pod")
    assert deleted["spec"]["securityContext"] == {}


def test_list_patch_replace_directive():
    live = _pod(MAIN, {"name": "side", "image": "redis"})
    patch = {"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "nginx"}]}}
    result = strategic_merge_patch(live, patch, "Pod")
    assert result["spec"]["containers"] == [{"name": "only", "image": "nginx"}]


def test_finalizers_merge_as_a_set_and_delete_from_primitive_list():
    live = {"kind": "Pod", "metadata": {"finalizers": ["a", "b"]}}
    merged = strategic_merge_patch(live, {"metadata": {"finalizers": ["b", "c"]}}, "Pod")
    assert sorted(merged["metadata"]["finalizers"]) == ["a", "b", "c"]
    removed = strategic_merge_patch(live, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "Pod")
    assert removed["metadata"]["finalizers"] == ["b"]


def test_owner_references_merge_by_uid():
    live = {"kind": "ReplicaSet", "metadata": {"ownerReferences": [{"uid": "1", "name": "web", "controller": True}]}}
    result = strategic_merge_patch(
        live, {"metadata": {"ownerReferences": [{"uid": "1", "name": "web2"}]}}, "ReplicaSet"
    )
    assert result["metadata"]["ownerReferences"] == [{"uid": "1", "name": "web2", "controller": True}]


def test_retain_keys_clears_other_keys():
    deployment = {
        "kind": "Deployment",
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}},
    }
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    result = strategic_merge_patch(deployment, patch, "Deployment")
    assert result["spec"]["strategy"] == {"type": "Recreate"}


def test_node_conditions_merge_by_type():
    node = {
        "kind": "Node",
        "status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "MemoryPressure", "status": "False"}]},
    }
    result = strategic_merge_patch(node, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, "Node")
    assert {c["type"]: c["status"] for c in result["status"]["conditions"]} == {
        "Ready": "True",
        "MemoryPressure": "False",
    }


def test_new_values_lose_directives_and_nulls():
    result = strategic_merge_patch(
        {"kind": "Pod", "spec": {}},
        {"spec": {"containers": [{"name": "a", "image": "x", "args": None}, {"name": "b", "$patch": "delete"}]}},
        "Pod",
    )
    assert result["spec"]["containers"] == [{"name": "a", "image": "x"}]


def test_unknown_kinds_merge_maps_and_replace_lists():
    crd = {"kind": "CustomResourceDefinition", "spec": {"versions": [{"name": "v1"}], "names": {"kind": "X"}}}
    result = strategic_merge_patch(
        crd, {"spec": {"versions": [{"name": "v2"}], "names": {"plural": "xs"}}}, "CustomResourceDefinition"
    )
    assert result["spec"] == {"versions": [{"name": "v2"}], "names": {"kind": "X", "plural": "xs"}}


@pytest.mark.parametrize(
    ("patch", "code", "message"),
    [
        (
            {"spec": {"containers": [{"image": "nginx:1.25"}]}},
            500,
            "map: map[image:nginx:1.25] does not contain declared merge key: name",
        ),
        (
            {"metadata": {"$patch": "merge"}},
            500,
            "unknown patch type: merge in map: map[$patch:merge]",
        ),
        (
            {"spec": {"containers": [{"name": "main", "$patch": "merge"}]}},
            500,
            "merging lists cannot yet be specified in the patch",
        ),
        (
            {"spec": {"$setElementOrder/containers": {"name": "main"}}},
            400,
            "invalid patch format of setElementOrder list",
        ),
        (
            {"metadata": {"$retainKeys": ["name"], "labels": {"a": "b"}}},
            400,
            "invalid patch format of retainKeys",
        ),
        (
            {"spec": {"$setElementOrder/containers": [{"name": "x"}], "containers": [{"name": "main", "image": "y"}]}},
            500,
            "The order in patch list:\n[map[image:y name:main]]\n"
            " doesn't match $setElementOrder list:\n[map[name:x]]\n",
        ),
    ],
)
def test_patch_errors(patch, code, message):
    with pytest.raises(KubeApiError) as caught:
        strategic_merge_patch(_pod(MAIN), patch, "Pod")
    assert caught.value.code == code
    assert caught.value.status["message"] == message
    assert caught.value.reason == ("BadRequest" if code == 400 else "")
