"""The kubernetes Python client against a sandbox cluster: object semantics and watches.

Covers: create/read/replace/delete with uid, resourceVersion, creationTimestamp and generation; 409 Conflict
on a stale resourceVersion and AlreadyExists on a duplicate; 404 NotFound; label selectors (equality and
set-based) and field selectors; strategic merge, JSON merge (custom resources) and JSON patch; watch streams
with ADDED, MODIFIED and DELETED, resumed from a list's resourceVersion; pagination with limit/continue;
CRD pruning of wrongly-cased fields; finalizers holding a deleted object; TokenRequest; client writes counted in
the sandbox's metrics for their cluster alone (and its resource group), an exec (SPDY or WebSocket) counted as none.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import watch
from kubernetes.client.rest import ApiException

from podid.sandbox import Endpoints, Sandbox
from tests.conftest import control_call
from tests.kube.conftest import KubeCluster, Kubectl, cluster_spec, eventually, pod_dict, write_kubeconfig
from tests.kube.test_exec import VERSIONS, running_pod

GROUP, VERSION = "aadpodidentity.k8s.io", "v1"


def status_of(error: ApiException) -> dict[str, Any]:
    import json

    body: dict[str, Any] = json.loads(error.body)
    return body


def test_create_read_replace_delete(core: k8s.CoreV1Api, namespace: str) -> None:
    created = core.create_namespaced_config_map(namespace, {"metadata": {"name": "settings"}, "data": {"a": "1"}})
    assert created.metadata.uid and created.metadata.creation_timestamp is not None
    assert int(created.metadata.resource_version) > 0
    read = core.read_namespaced_config_map("settings", namespace)
    assert read.data == {"a": "1"} and read.metadata.resource_version == created.metadata.resource_version
    read.data["b"] = "2"
    replaced = core.replace_namespaced_config_map("settings", namespace, read)
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)
    assert replaced.metadata.uid == created.metadata.uid
    deleted = core.delete_namespaced_config_map("settings", namespace)
    assert deleted["kind"] == "Status" and deleted["status"] == "Success"  # the client returns DELETE bodies as dicts
    assert deleted["details"] == {"name": "settings", "kind": "configmaps", "uid": created.metadata.uid}
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("settings", namespace)
    assert missing.value.status == 404
    assert status_of(missing.value)["message"] == 'configmaps "settings" not found'


def test_stale_resource_version_is_conflict(core: k8s.CoreV1Api, namespace: str) -> None:
    first = core.create_namespaced_config_map(namespace, {"metadata": {"name": "cm"}, "data": {"v": "1"}})
    core.patch_namespaced_config_map("cm", namespace, {"data": {"v": "2"}})
    first.data["v"] = "3"
    with pytest.raises(ApiException) as raised:
        core.replace_namespaced_config_map("cm", namespace, first)
    assert raised.value.status == 409
    status = status_of(raised.value)
    assert status["reason"] == "Conflict"
    assert status["message"] == (
        'Operation cannot be fulfilled on configmaps "cm": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    with pytest.raises(ApiException) as duplicate:
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "cm"}})
    assert duplicate.value.status == 409 and status_of(duplicate.value)["reason"] == "AlreadyExists"


def test_generation_follows_spec_changes(apps: k8s.AppsV1Api, namespace: str) -> None:
    body = {
        "metadata": {"name": "gen"},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "gen"}},
            "template": {
                "metadata": {"labels": {"app": "gen"}},
                "spec": {"containers": [{"name": "c", "image": "x:1"}]},
            },
        },
    }
    created = apps.create_namespaced_deployment(namespace, body)
    assert created.metadata.generation == 1 and created.spec.strategy.type == "RollingUpdate"
    labelled = apps.patch_namespaced_deployment("gen", namespace, {"metadata": {"labels": {"tier": "a"}}})
    assert labelled.metadata.generation == 1
    scaled = apps.patch_namespaced_deployment("gen", namespace, {"spec": {"replicas": 1}})
    assert scaled.metadata.generation == 2
    eventually(lambda: apps.read_namespaced_deployment("gen", namespace).status.observed_generation == 2)


def test_label_and_field_selectors(core: k8s.CoreV1Api, namespace: str) -> None:
    for name, tier in (("a", "web"), ("b", "db"), ("c", "cache")):
        core.create_namespaced_pod(namespace, pod_dict(name, app="shop", tier=tier))
    names = lambda **kw: sorted(p.metadata.name for p in core.list_namespaced_pod(namespace, **kw).items)  # noqa: E731
    assert names(label_selector="tier=web") == ["a"]
    assert names(label_selector="tier in (db,cache)") == ["b", "c"]
    assert names(label_selector="app=shop,tier!=web") == ["b", "c"]
    assert names(label_selector="!tier") == []
    assert names(field_selector="metadata.name=b") == ["b"]
    eventually(lambda: names(field_selector="status.phase=Running") == ["a", "b", "c"])
    with pytest.raises(ApiException) as bad:
        core.list_namespaced_pod(namespace, field_selector="spec.image=x")
    assert bad.value.status == 400 and status_of(bad.value)["message"] == "field label not supported: spec.image"


def test_patch_flavours(core: k8s.CoreV1Api, custom: k8s.CustomObjectsApi, namespace: str) -> None:
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "cm", "labels": {"a": "1"}}, "data": {"x": "1"}})
    patched = core.patch_namespaced_config_map(
        "cm",
        namespace,
        [{"op": "add", "path": "/data/y", "value": "2"}, {"op": "remove", "path": "/metadata/labels/a"}],
    )
    assert patched.data == {"x": "1", "y": "2"} and not patched.metadata.labels
    with pytest.raises(ApiException) as failed:
        core.patch_namespaced_config_map("cm", namespace, [{"op": "test", "path": "/data/x", "value": "9"}])
    assert failed.value.status == 422

    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "AzureIdentity",
        "metadata": {"name": "id"},
        "spec": {"type": 0, "clientID": "c1", "ClientID": "wrong case"},
    }
    created = custom.create_namespaced_custom_object(GROUP, VERSION, namespace, "azureidentities", body)
    assert created["spec"] == {"type": 0, "clientID": "c1"}  # the structural schema prunes unknown fields
    merged = custom.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, "azureidentities", "id", {"spec": {"resourceID": "/r"}}
    )
    assert merged["spec"] == {"type": 0, "clientID": "c1", "resourceID": "/r"}


def test_strategic_merge_keeps_containers_by_name(core: k8s.CoreV1Api, namespace: str) -> None:
    pod = pod_dict("two")
    pod["spec"]["containers"].append({"name": "side", "image": "busybox:1", "args": ["sleep", "1d"]})
    core.create_namespaced_pod(namespace, pod)
    patched = core.patch_namespaced_pod(
        "two", namespace, {"spec": {"containers": [{"name": "side", "image": "busybox:2"}]}}
    )
    assert [(c.name, c.image, c.args) for c in patched.spec.containers] == [
        ("main", "nginx:1.25", None),
        ("side", "busybox:2", ["sleep", "1d"]),
    ]


def test_watch_sees_added_modified_deleted(core: k8s.CoreV1Api, namespace: str) -> None:
    listed = core.list_namespaced_config_map(namespace)
    events: list[tuple[str, str, str]] = []
    started = threading.Event()

    def follow() -> None:
        stream = watch.Watch()
        started.set()
        for event in stream.stream(
            core.list_namespaced_config_map,
            namespace,
            resource_version=listed.metadata.resource_version,
            timeout_seconds=10,
        ):
            events.append((event["type"], event["object"].metadata.name, (event["object"].data or {}).get("k", "")))
            if event["type"] == "DELETED":
                stream.stop()

    watcher = threading.Thread(target=follow)
    watcher.start()
    started.wait()
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "w"}, "data": {"k": "1"}})
    core.patch_namespaced_config_map("w", namespace, {"data": {"k": "2"}})
    core.delete_namespaced_config_map("w", namespace)
    watcher.join(timeout=15)
    relevant = [e for e in events if e[1] == "w"]
    assert relevant == [("ADDED", "w", "1"), ("MODIFIED", "w", "2"), ("DELETED", "w", "2")]


def test_watch_without_version_starts_with_current_objects(core: k8s.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "present", "labels": {"w": "yes"}}})
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "other"}})
    stream = watch.Watch()
    first = next(
        iter(stream.stream(core.list_namespaced_config_map, namespace, label_selector="w=yes", timeout_seconds=5))
    )
    stream.stop()
    assert (first["type"], first["object"].metadata.name) == ("ADDED", "present")


def test_pagination(core: k8s.CoreV1Api, namespace: str) -> None:
    for i in range(5):
        core.create_namespaced_config_map(namespace, {"metadata": {"name": f"page-{i}"}})
    first = core.list_namespaced_config_map(namespace, limit=2, label_selector="")
    assert len(first.items) == 2 and first.metadata._continue and first.metadata.remaining_item_count >= 3
    rest = core.list_namespaced_config_map(namespace, _continue=first.metadata._continue)
    names = [c.metadata.name for c in first.items + rest.items if c.metadata.name.startswith("page-")]
    assert names == [f"page-{i}" for i in range(5)]


def test_finalizer_holds_deletion(core: k8s.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "held", "finalizers": ["example.com/keep"]}})
    marked = core.delete_namespaced_config_map("held", namespace)
    assert marked["metadata"]["deletionTimestamp"]  # still there: the object, not a Status
    assert core.read_namespaced_config_map("held", namespace).metadata.finalizers == ["example.com/keep"]
    core.patch_namespaced_config_map("held", namespace, {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("held", namespace)
    assert gone.value.status == 404


def test_token_request(core: k8s.CoreV1Api, namespace: str) -> None:
    eventually(lambda: core.list_namespaced_service_account(namespace).items)
    request = {"spec": {"audiences": ["api://AzureADTokenExchange"], "expirationSeconds": 3600}}
    issued = core.create_namespaced_service_account_token("default", namespace, request)
    assert issued.status.token.count(".") == 2 and issued.status.expiration_timestamp is not None
    assert issued.spec.audiences == ["api://AzureADTokenExchange"]


def cluster_writes(endpoints: Endpoints, cluster_id: str) -> int:
    """The client writes the sandbox counted for one cluster (other clusters of the session keep writing)."""
    clusters = control_call(endpoints, "GET", "/metrics").json()["clusters"]
    return int(clusters.get(cluster_id.lower(), {}).get("totalKubeWrites", 0))


def test_client_writes_are_counted_by_the_sandbox(
    core: k8s.CoreV1Api, namespace: str, endpoints: Endpoints, kube: KubeCluster
) -> None:
    before = cluster_writes(endpoints, kube.spec.cluster_id)
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "counted"}, "data": {"a": "1"}})
    core.read_namespaced_config_map("counted", namespace)
    core.delete_namespaced_config_map("counted", namespace)
    assert cluster_writes(endpoints, kube.spec.cluster_id) == before + 2


def test_a_clusters_writes_are_counted_for_it_alone(
    sandbox: Sandbox, core: k8s.CoreV1Api, namespace: str, endpoints: Endpoints, kube: KubeCluster, tmp_path: Path
) -> None:
    assert sandbox.cloud is not None
    spec = cluster_spec(endpoints, f"{namespace}-other")
    access = sandbox.cloud.kube.ensure_cluster(spec)
    client = k8s_config.new_client_from_config(str(write_kubeconfig(tmp_path / "config", access, kube.ca_cert)))
    try:
        other = k8s.CoreV1Api(client)
        mine = cluster_writes(endpoints, kube.spec.cluster_id)
        assert cluster_writes(endpoints, spec.cluster_id) == 0  # its controllers' writes are no client's
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "mine"}})
        assert cluster_writes(endpoints, spec.cluster_id) == 0
        other.create_namespaced_config_map("default", {"metadata": {"name": "theirs"}})
        other.delete_namespaced_config_map("theirs", "default")
        assert cluster_writes(endpoints, kube.spec.cluster_id) == mine + 1
        # the cluster's resource group (in any casing) holds its writes alone
        query = {"subscriptionId": endpoints.subscription_id, "resourceGroup": f"rg-{namespace}-other".upper()}
        group = control_call(endpoints, "GET", "/metrics", params=query).json()
        assert (group["kubeWrites"], group["totalKubeWrites"]) == ({"POST": 1, "DELETE": 1}, 2)
        assert list(group["clusters"]) == [spec.cluster_id.lower()]
    finally:
        client.close()
        sandbox.cloud.kube.delete_cluster(spec.cluster_id)


@pytest.mark.parametrize("version", ["1.29", "1.33"])  # SPDY's POST, answered 101; WebSocket's GET
def test_an_exec_is_no_write(
    version: str, kubectl: Kubectl, core: k8s.CoreV1Api, namespace: str, endpoints: Endpoints, kube: KubeCluster
) -> None:
    running_pod(core, namespace, "idle")
    before = cluster_writes(endpoints, kube.spec.cluster_id)
    versioned = Kubectl(kubectl.kubeconfig, kubectl.cache_dir, VERSIONS[version])
    assert versioned("exec", "idle", "-n", namespace, "--", "echo", "ran") == "ran\n"
    assert cluster_writes(endpoints, kube.spec.cluster_id) == before
