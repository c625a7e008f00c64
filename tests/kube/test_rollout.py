"""Deployment rollouts: the replica arithmetic (unit tables) and a rolling update watched through the client.

Covers: maxSurge/maxUnavailable as percentages (rounded up and down) and integers, the 0/0 case, the new
ReplicaSet growing within replicas + maxSurge, old ReplicaSets losing unavailable pods first and shrinking only
while enough pods stay available, Recreate; and, on a live cluster, a one-replica Deployment whose image
changes always has a Ready pod (the new one is Ready before the old one goes).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import watch

from podid.sandbox.kube.controllers.rollout import max_surge, max_unavailable, new_replicas, old_replicas
from tests.kube.conftest import eventually


def deployment(
    replicas: int, surge: Any = "25%", unavailable: Any = "25%", strategy: str = "RollingUpdate"
) -> dict[str, Any]:
    rolling = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"spec": {"replicas": replicas, "strategy": {"type": strategy, "rollingUpdate": rolling}}}


def rs(replicas: int, available: int = 0, created: int | None = None) -> dict[str, Any]:
    status = {"replicas": replicas if created is None else created, "availableReplicas": available}
    return {"spec": {"replicas": replicas}, "status": status}


@pytest.mark.parametrize(
    ("spec", "surge", "unavailable"),
    [
        (deployment(1), 1, 0),
        (deployment(10), 3, 2),
        (deployment(4, surge=2, unavailable="50%"), 2, 2),
        (deployment(3, surge=0, unavailable=0), 0, 1),
    ],
)
def test_bounds(spec: dict[str, Any], surge: int, unavailable: int) -> None:
    assert (max_surge(spec), max_unavailable(spec)) == (surge, unavailable)


@pytest.mark.parametrize(
    ("spec", "new", "old", "expected"),
    [
        (deployment(1000), None, [], 1000),  # a first rollout starts everything at once
        (deployment(1), None, [rs(1, 1)], 1),  # surge by one
        (deployment(10), rs(0), [rs(10, 10)], 3),
        (deployment(10), rs(3, 3), [rs(7, 7)], 6),
        (deployment(10), rs(12), [], 10),  # scaled down
        (deployment(2, strategy="Recreate"), None, [rs(2, 2)], 0),
        (deployment(2, strategy="Recreate"), rs(0), [rs(0, 0, created=0)], 2),
    ],
)
def test_new_replicas(
    spec: dict[str, Any], new: dict[str, Any] | None, old: list[dict[str, Any]], expected: int
) -> None:
    assert new_replicas(spec, new, old) == expected


@pytest.mark.parametrize(
    ("spec", "new", "old", "expected"),
    [
        (deployment(1), rs(1, 0), [rs(1, 1)], [1]),  # the new pod is not available yet: keep the old one
        (deployment(1), rs(1, 1), [rs(1, 1)], [0]),
        (deployment(10), rs(3, 0), [rs(10, 10)], [8]),  # two may be unavailable
        # 10 available, 8 must stay: the oldest loses its unavailable pod plus two available ones
        (deployment(10), rs(3, 3), [rs(5, 4), rs(3, 3)], [2, 3]),
        (deployment(2, strategy="Recreate"), rs(0), [rs(2, 2)], [0]),
    ],
)
def test_old_replicas(
    spec: dict[str, Any], new: dict[str, Any], old: list[dict[str, Any]], expected: list[int]
) -> None:
    assert old_replicas(spec, new, old) == expected


def test_rolling_update_keeps_a_ready_pod(apps: k8s.AppsV1Api, core: k8s.CoreV1Api, namespace: str) -> None:
    labels = {"app": "one"}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}
    body = {
        "metadata": {"name": "one"},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": template},
    }
    apps.create_namespaced_deployment(namespace, body)
    eventually(lambda: apps.read_namespaced_deployment("one", namespace).status.ready_replicas == 1)
    listed = core.list_namespaced_pod(namespace)
    ready = {p.metadata.name for p in listed.items if p.status.phase == "Running"}
    lowest: list[int] = []
    done = threading.Event()

    def follow() -> None:
        stream = watch.Watch()
        version = listed.metadata.resource_version
        for event in stream.stream(core.list_namespaced_pod, namespace, resource_version=version, timeout_seconds=20):
            pod = event["object"]
            conditions = {c.type: c.status for c in pod.status.conditions or []}
            serving = (
                event["type"] != "DELETED" and not pod.metadata.deletion_timestamp and conditions.get("Ready") == "True"
            )
            (ready.add if serving else ready.discard)(pod.metadata.name)
            lowest.append(len(ready))
            if done.is_set() and event["type"] == "DELETED":
                stream.stop()

    watcher = threading.Thread(target=follow)
    watcher.start()
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:1.26"}]}}}}
    apps.patch_namespaced_deployment("one", namespace, patch)

    def rolled() -> bool:
        pods = core.list_namespaced_pod(namespace).items
        return len(pods) == 1 and pods[0].spec.containers[0].image == "nginx:1.26" and pods[0].status.phase == "Running"

    eventually(rolled)
    done.set()
    watcher.join(timeout=30)
    assert lowest and min(lowest) >= 1 and max(lowest) == 2  # surged to two, never fell to none
