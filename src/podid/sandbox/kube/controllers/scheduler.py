"""The scheduler: binds every unscheduled pod to a Ready node that fits it, round-robin.

A node fits when it is Ready and schedulable, carries every ``nodeSelector`` label, satisfies the required
node affinity (``In``/``NotIn``/``Exists``/``DoesNotExist`` terms on its labels, ``matchFields`` on its name as
daemon pods use them) and has no NoSchedule/NoExecute taint the pod does not tolerate. A pod that fits nowhere
gets the ``PodScheduled=False`` / ``Unschedulable`` condition and is retried when a node changes. Binding sets
``spec.nodeName`` and ``PodScheduled=True`` in one write, as the ``pods/binding`` subresource does.

Events are the scheduler's (pkg/scheduler/schedule_one.go), through the events.k8s.io recorder: ``Scheduled``
("Successfully assigned <namespace>/<pod> to <node>", action ``Binding``) and ``FailedScheduling`` (action
``Scheduling``), reported by ``default-scheduler`` from instance ``default-scheduler-<hostname>``.
"""

from __future__ import annotations

import copy
import socket

from podid.sandbox.kube.events.recorder import NORMAL, WARNING, EventRecorder
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig, labels_of
from podid.sandbox.kube.machinery.selectors import SelectorError, selector_from_object
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster

DEFAULT_SCHEDULER = "default-scheduler"


def set_condition(status: Obj, condition: Obj, now: str) -> None:
    """Replace the condition of the same type, keeping lastTransitionTime when its status did not change."""
    conditions = [as_dict(c) for c in as_list(status.get("conditions"))]
    before = next((c for c in conditions if c.get("type") == condition["type"]), None)
    kept = before.get("lastTransitionTime") if before and before.get("status") == condition["status"] else None
    entry = {"lastProbeTime": None, **condition, "lastTransitionTime": kept or now}
    status["conditions"] = [entry if c is before else c for c in conditions] if before else [*conditions, entry]


def bind_pod(cluster: Cluster, pod: Obj, node_name: str) -> Obj:
    # stored objects are never mutated, so the new version may share the parts it does not change
    status = dict(as_dict(pod.get("status")))
    set_condition(status, {"type": "PodScheduled", "status": "True"}, cluster.now())
    bound = {**pod, "metadata": dict(pod["metadata"]), "spec": {**pod["spec"], "nodeName": node_name}, "status": status}
    return cluster.commit(cluster.resource_type("pods"), pod, bound)


def node_ready(node: Obj) -> bool:
    conditions = as_list(dig(node, "status", "conditions"))
    return any(dig(c, "type") == "Ready" and dig(c, "status") == "True" for c in conditions)


def _tolerates(pod: Obj, taint: Obj) -> bool:
    for toleration in (as_dict(t) for t in as_list(dig(pod, "spec", "tolerations"))):
        if toleration.get("effect") not in (None, "", taint.get("effect")):
            continue
        if toleration.get("operator") == "Exists" and not toleration.get("key"):
            return True
        if toleration.get("key") != taint.get("key"):
            continue
        if toleration.get("operator") == "Exists" or toleration.get("value", "") == taint.get("value", ""):
            return True
    return False


def _affinity_allows(pod: Obj, node: Obj) -> bool:
    """Some required term matches the node's labels (``matchExpressions``) and its name (``matchFields``, how
    daemon pods name their node)."""
    required = dig(pod, "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution")
    terms = as_list(dig(required, "nodeSelectorTerms"))
    if not terms:
        return True
    fields = {"metadata.name": as_str(dig(node, "metadata", "name"))}
    for term in terms:
        try:
            by_labels = selector_from_object({"matchExpressions": as_list(dig(term, "matchExpressions"))})
            by_fields = selector_from_object({"matchExpressions": as_list(dig(term, "matchFields"))})
            if by_labels.matches(labels_of(node)) and by_fields.matches(fields):
                return True
        except SelectorError:
            continue
    return False


def fits(pod: Obj, node: Obj) -> bool:
    if not node_ready(node) or dig(node, "spec", "unschedulable") is True:
        return False
    labels = labels_of(node)
    wanted = as_dict(dig(pod, "spec", "nodeSelector"))
    if any(labels.get(k) != v for k, v in wanted.items()) or not _affinity_allows(pod, node):
        return False
    taints = (as_dict(t) for t in as_list(dig(node, "spec", "taints")))
    blocking = (t for t in taints if t.get("effect") in ("NoSchedule", "NoExecute"))
    return all(_tolerates(pod, t) for t in blocking)


class Scheduler:
    def __init__(self, cluster: Cluster, queue: WorkQueue, events: EventRecorder) -> None:
        self._cluster, self._queue, self._events = cluster, queue, events
        self._instance = f"{DEFAULT_SCHEDULER}-{socket.gethostname()}"
        self._pods = cluster.resource_type("pods")
        self._nodes = cluster.resource_type("nodes")
        self._turn = 0
        self._waiting: set[tuple[str, str]] = set()

    def on_event(self, event_type: str, obj: Obj) -> None:
        kind = obj.get("kind")
        if kind == "Pod" and event_type != "DELETED" and self._wants(obj):
            self._queue.add(self.sync, (obj["metadata"]["namespace"], obj["metadata"]["name"]))
        elif kind == "Node" and event_type != "DELETED":
            for key in list(self._waiting):
                self._queue.add(self.sync, key)

    @staticmethod
    def _wants(pod: Obj) -> bool:
        spec = as_dict(pod.get("spec"))
        scheduler = as_str(spec.get("schedulerName")) or DEFAULT_SCHEDULER
        return (
            not spec.get("nodeName")
            and scheduler == DEFAULT_SCHEDULER
            and not dig(pod, "metadata", "deletionTimestamp")
        )

    def sync(self, key: tuple[str, str]) -> None:
        self._waiting.discard(key)
        pod = self._cluster.find(self._pods, *key)
        if pod is None or not self._wants(pod):
            return
        nodes = self._cluster.list_objects(self._nodes, None)
        candidates = [node for node in nodes if fits(pod, node)]
        if not candidates:
            self._waiting.add(key)
            self._unschedulable(pod, len(nodes))
            return
        node = candidates[self._turn % len(candidates)]
        self._turn += 1
        bound = bind_pod(self._cluster, pod, node["metadata"]["name"])
        meta = pod["metadata"]
        message = f"Successfully assigned {meta['namespace']}/{meta['name']} to {node['metadata']['name']}"
        self._event(bound, NORMAL, "Scheduled", "Binding", message)

    def _unschedulable(self, pod: Obj, node_count: int) -> None:
        message = f"0/{node_count} nodes are available: {node_count} node(s) didn't match Pod's node affinity/selector."
        if node_count == 0:
            message = "no nodes available to schedule pods"
        changed = copy.deepcopy(pod)
        condition = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}
        set_condition(changed.setdefault("status", {}), condition, self._cluster.now())
        self._event(self._cluster.commit(self._pods, pod, changed), WARNING, "FailedScheduling", "Scheduling", message)

    def _event(self, pod: Obj, event_type: str, reason: str, action: str, message: str) -> None:
        self._events.record_new(pod, event_type, reason, action, message, DEFAULT_SCHEDULER, self._instance)
