"""The in-process contract (``kube.api``) other sandbox components use: AKS, the pod identity add-on, NMI.

Covers: ``cluster(id)`` in any casing; ``pod_by_ip`` finds the Pending/Running pod that holds an address and
nothing once it is deleted; ``subscribe`` delivers (event type, resource name, object copy) and stops after
unsubscribing; ``get``/``list``/``create``/``replace``/``delete`` with the REST semantics (copies, 409 on a
stale resourceVersion, finalizers keep a deleted object); ``ensure_cluster`` is idempotent and follows node
changes; fleet-wide admission hooks run on new pods.
"""

from __future__ import annotations

from dataclasses import is_dataclass, replace
from typing import Any

import pytest
from kubernetes import client as k8s

from podid.sandbox import Sandbox
from podid.sandbox.kube.machinery.status import KubeApiError
from tests.kube.conftest import KubeCluster, eventually, node_specs, pod_dict

_PLAIN = (dict, list, tuple, str, int, float, bool, type(None))


class OnLoop:
    """The in-process contract as its callers use it: every call runs on the sandbox loop (``Sandbox.run``), and
    what a call returns (a cluster, an unsubscribe function) is wrapped the same way; plain data (dicts,
    dataclasses) comes back as is."""

    def __init__(self, sandbox: Sandbox, target: Any) -> None:
        self._sandbox, self._target = sandbox, target

    def _wrap(self, value: Any) -> Any:
        plain = isinstance(value, _PLAIN) or is_dataclass(value)
        return value if plain else OnLoop(self._sandbox, value)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value
        return lambda *args, **kwargs: self._wrap(self._sandbox.run(lambda: value(*args, **kwargs)))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._wrap(self._sandbox.run(lambda: self._target(*args, **kwargs)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OnLoop) and self._target is other._target

    __hash__ = None  # type: ignore[assignment]


@pytest.fixture
def fleet(sandbox: Sandbox) -> Any:
    assert sandbox.cloud is not None
    return OnLoop(sandbox, sandbox.cloud.kube)


def test_cluster_lookup_and_idempotent_ensure(fleet: Any, kube: KubeCluster) -> None:
    assert fleet.cluster(kube.spec.cluster_id.upper()) == fleet.cluster(kube.spec.cluster_id)  # the same object
    assert fleet.cluster(kube.spec.cluster_id + "x") is None
    assert fleet.ensure_cluster(kube.spec) == kube.access


def test_pod_by_ip(fleet: Any, kube: KubeCluster, core: k8s.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_pod(namespace, pod_dict("holder"))
    ip = eventually(lambda: core.read_namespaced_pod("holder", namespace).status.pod_ip)
    found = fleet.pod_by_ip(ip)
    assert found is not None
    cluster, pod = found
    assert cluster.cluster_id == kube.spec.cluster_id and pod["metadata"]["name"] == "holder"
    assert fleet.pod_by_ip("127.244.255.254") is None
    core.delete_namespaced_pod("holder", namespace, grace_period_seconds=0)
    assert fleet.pod_by_ip(ip) is None


def test_object_semantics(fleet: Any, kube: KubeCluster, namespace: str) -> None:
    cluster = fleet.cluster(kube.spec.cluster_id)
    events: list[tuple[str, str, str]] = []
    stop = cluster.subscribe(lambda kind, resource, obj: events.append((kind, resource, obj["metadata"]["name"])))
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": namespace, "labels": {"contract": "yes"}},
        "data": {"a": "1"},
    }
    created = cluster.create("configmaps", body)
    created["data"]["a"] = "changed locally"
    assert cluster.get("configmaps", namespace, "c")["data"] == {"a": "1"}  # callers get copies
    stale = dict(created)
    current = cluster.replace("configmaps", {**created, "data": {"a": "2"}})
    with pytest.raises(KubeApiError) as conflict:
        cluster.replace("configmaps", stale)
    assert conflict.value.code == 409 and conflict.value.reason == "Conflict"
    assert [o["metadata"]["name"] for o in cluster.list("configmaps", namespace, "contract=yes")] == ["c"]
    held = {**current, "metadata": {**current["metadata"], "finalizers": ["example.com/hold"]}}
    cluster.replace("configmaps", held)
    assert cluster.delete("configmaps", namespace, "c")["metadata"]["deletionTimestamp"]
    assert cluster.get("configmaps", namespace, "c") is not None
    stop()
    pending = cluster.get("configmaps", namespace, "c")
    cluster.replace("configmaps", {**pending, "metadata": {**pending["metadata"], "finalizers": []}})
    assert cluster.get("configmaps", namespace, "c") is None
    assert cluster.delete("configmaps", namespace, "c") is None
    mine = [e for e in events if e[2] == "c"]
    assert mine == [
        ("ADDED", "configmaps", "c"),
        ("MODIFIED", "configmaps", "c"),
        ("MODIFIED", "configmaps", "c"),
        ("MODIFIED", "configmaps", "c"),
    ]


def test_nodes_follow_the_spec(fleet: Any, kube: KubeCluster, core: k8s.CoreV1Api) -> None:
    nodes = node_specs(kube.spec.cluster_id.split("/")[2], "MC_rg-kubetests_kubetests_westus2", count=4)
    fleet.ensure_cluster(replace(kube.spec, nodes=nodes))
    assert len(core.list_node().items) == 4
    fleet.ensure_cluster(kube.spec)
    names = sorted(n.metadata.name for n in core.list_node().items)
    assert names == sorted(n.name for n in kube.spec.nodes)


def test_fleet_admission_hooks(fleet: Any, core: k8s.CoreV1Api, namespace: str) -> None:
    seen: list[str] = []

    def label(_cluster: object, _rt: object, pod: dict[str, Any], old: dict[str, Any] | None) -> None:
        if old is None and pod["metadata"]["namespace"] == namespace:
            pod["metadata"].setdefault("labels", {})["admitted"] = "yes"
            seen.append(pod["metadata"]["name"])

    fleet.add_admission("Pod", label)
    core.create_namespaced_pod(namespace, pod_dict("admitted"))
    assert core.read_namespaced_pod("admitted", namespace).metadata.labels == {"admitted": "yes"}
    assert seen == ["admitted"]
