"""StatefulSets (apps/v1): pods with stable names, started and replaced in order (pkg/controller/statefulset).

The controller runs pods ``<set>-0`` … ``<set>-N-1``. With ``OrderedReady`` (the default) it creates the lowest
missing ordinal only when every lower one is Ready and removes the highest ordinal first, one at a time;
``Parallel`` creates and removes them all at once. A pod carries the template's labels plus
``controller-revision-hash`` (``<set>-<template hash>``), ``statefulset.kubernetes.io/pod-name`` and, since 1.28,
``apps.kubernetes.io/pod-index``, and ``hostname``/``subdomain`` (the set's serviceName). A new template is rolled
out by ``RollingUpdate`` from the highest ordinal down to the ``partition``, one pod at a time, each replaced once
the others are Ready; ``OnDelete`` replaces only pods deleted by hand. The status is the set's counts and
revisions, which ``kubectl rollout status statefulset`` reads. Events from ``statefulset-controller``:
``SuccessfulCreate`` ("create Pod <pod> in StatefulSet <set> successful") and ``SuccessfulDelete``.
No ControllerRevisions are kept (so no ``rollout history``/``undo``) and no PersistentVolumeClaims are made from
``volumeClaimTemplates``.
"""

from __future__ import annotations

import copy

from podid.sandbox.kube.controllers.workloads import owner_reference, pod_ready, sync_key, template_hash
from podid.sandbox.kube.events.recorder import NORMAL, EventRecorder, Source
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_str, dig, labels_of
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions

REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
STATEFULSET_CONTROLLER = Source("statefulset-controller")

Key = tuple[str, str]


def _key(obj: Obj) -> Key:
    return as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))


def revision(statefulset: Obj) -> str:
    return f"{statefulset['metadata']['name']}-{template_hash(as_dict(dig(statefulset, 'spec', 'template')))}"


def _ordinal(pod: Obj, name: str) -> int:
    suffix = as_str(dig(pod, "metadata", "name")).removeprefix(f"{name}-")
    return int(suffix) if suffix.isdigit() else -1


class StatefulSetController:
    def __init__(self, cluster: Cluster, queue: WorkQueue, events: EventRecorder) -> None:
        self._cluster, self._queue, self._events = cluster, queue, events
        self._pods = cluster.resource_type("pods")
        self._sets = cluster.resource_type("apps/statefulsets")

    def on_event(self, _event_type: str, obj: Obj) -> None:
        if (key := sync_key(obj, "StatefulSet")) is not None:
            self._queue.add(self.sync, key)

    def sync(self, key: Key) -> None:
        statefulset = self._cluster.find(self._sets, *key)
        if statefulset is None or dig(statefulset, "metadata", "deletionTimestamp"):
            return
        name, replicas = key[1], as_int(dig(statefulset, "spec", "replicas"), 1)
        pods = {_ordinal(p, name): p for p in self._owned(statefulset)}
        ordered = dig(statefulset, "spec", "podManagementPolicy") != "Parallel"
        if self._start_missing(statefulset, pods, replicas, ordered) and not self._remove_extra(
            statefulset, pods, replicas, ordered
        ):
            self._roll(statefulset, pods, replicas)
        self._cluster.write_status(self._sets, statefulset, self._status(statefulset, self._owned(statefulset)))

    def _owned(self, statefulset: Obj) -> list[Obj]:
        owned = self._cluster.objects.dependents(statefulset["metadata"]["uid"])
        return [p for r, p in owned if r == "pods" and not dig(p, "metadata", "deletionTimestamp")]

    def _start_missing(self, statefulset: Obj, pods: dict[int, Obj], replicas: int, ordered: bool) -> bool:
        """Create the missing ordinals (OrderedReady: the lowest, once those below are Ready); whether all run."""
        for ordinal in range(replicas):
            if ordinal not in pods:
                self._create(statefulset, ordinal)
                if ordered:
                    return False
            elif ordered and not pod_ready(pods[ordinal]):
                return False
        return all(o in pods for o in range(replicas))

    def _remove_extra(self, statefulset: Obj, pods: dict[int, Obj], replicas: int, ordered: bool) -> bool:
        extra = sorted((o for o in pods if o >= replicas or o < 0), reverse=True)
        for ordinal in extra[:1] if ordered else extra:
            self._delete(statefulset, pods[ordinal])
        return bool(extra)

    def _roll(self, statefulset: Obj, pods: dict[int, Obj], replicas: int) -> None:
        """RollingUpdate: the highest outdated ordinal at or above the partition, once every pod is Ready."""
        strategy = as_dict(dig(statefulset, "spec", "updateStrategy"))
        if strategy.get("type") == "OnDelete" or not all(pod_ready(p) for p in pods.values()):
            return
        partition = as_int(dig(strategy, "rollingUpdate", "partition"))
        current = revision(statefulset)
        outdated = [
            o for o in range(replicas - 1, partition - 1, -1) if labels_of(pods[o]).get(REVISION_LABEL) != current
        ]
        if outdated:
            self._delete(statefulset, pods[outdated[0]])

    def _create(self, statefulset: Obj, ordinal: int) -> None:
        name = f"{statefulset['metadata']['name']}-{ordinal}"
        template = copy.deepcopy(as_dict(dig(statefulset, "spec", "template")))
        meta = {k: v for k, v in as_dict(template.get("metadata")).items() if k in ("labels", "annotations")}
        labels = {REVISION_LABEL: revision(statefulset), POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)}
        meta |= {"name": name, "labels": {**as_dict(meta.get("labels")), **labels}}
        meta["ownerReferences"] = [owner_reference(statefulset)]
        spec = as_dict(template.get("spec"))
        spec["hostname"] = name
        if dig(statefulset, "spec", "serviceName"):
            spec["subdomain"] = dig(statefulset, "spec", "serviceName")
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
        self._cluster.create_object(self._pods, _key(statefulset)[0], pod)
        message = f"create Pod {name} in StatefulSet {statefulset['metadata']['name']} successful"
        self._events.record(statefulset, NORMAL, "SuccessfulCreate", message, STATEFULSET_CONTROLLER)

    def _delete(self, statefulset: Obj, pod: Obj) -> None:
        self._cluster.delete_object(self._pods, *_key(pod), DeleteOptions())
        message = f"delete Pod {pod['metadata']['name']} in StatefulSet {statefulset['metadata']['name']} successful"
        self._events.record(statefulset, NORMAL, "SuccessfulDelete", message, STATEFULSET_CONTROLLER)

    @staticmethod
    def _status(statefulset: Obj, pods: list[Obj]) -> Obj:
        current = revision(statefulset)
        ready = sum(1 for p in pods if pod_ready(p))
        updated = sum(1 for p in pods if labels_of(p).get(REVISION_LABEL) == current)
        # currentRevision follows updateRevision once every pod runs it (updateStatefulSetStatus's completion)
        previous = as_str(dig(statefulset, "status", "currentRevision")) or current
        done = updated == len(pods) == as_int(dig(statefulset, "spec", "replicas"), 1)
        status: Obj = {
            "observedGeneration": as_int(dig(statefulset, "metadata", "generation")),
            "replicas": len(pods),
            "readyReplicas": ready,
            "currentReplicas": updated if done or previous == current else len(pods) - updated,
            "updatedReplicas": updated,
            "currentRevision": current if done else previous,
            "updateRevision": current,
            "collisionCount": 0,
            "availableReplicas": ready,
        }
        return {k: v for k, v in status.items() if v or k in ("replicas", "availableReplicas", "collisionCount")}
