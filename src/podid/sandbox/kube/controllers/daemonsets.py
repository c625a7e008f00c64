"""The daemon set controller (k8s.io/kubernetes pkg/controller/daemon): one pod of the template on every node that
fits it, as AKS runs NMI.

A daemon pod is named ``<daemonset>-<5 chars>``, carries the template's labels plus ``controller-revision-hash``
and ``pod-template-generation``, a controller ownerReference, the tolerations the controller adds
(``util.AddOrUpdateDaemonPodTolerations``) and a required node affinity on its node's name (``matchFields``
``metadata.name``), so the scheduler binds it there, as since 1.12. A node fits when the pod would fit it
(``scheduler.fits``: node selector, affinity, taints). Pods on nodes that no longer fit are deleted; pods of an
older template are replaced (RollingUpdate, at most ``maxUnavailable`` unready at a time; never with OnDelete).
Events: ``SuccessfulCreate``/``SuccessfulDelete`` ("Created pod: <name>") from ``daemonset-controller``.
"""

from __future__ import annotations

import copy

from podid.sandbox.kube.controllers.rollout import scaled
from podid.sandbox.kube.controllers.scheduler import fits
from podid.sandbox.kube.controllers.workloads import owner_reference, pod_ready, sync_key, template_hash
from podid.sandbox.kube.events.recorder import NORMAL, EventRecorder, Source
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig, labels_of
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions

DAEMONSET_CONTROLLER = Source("daemonset-controller")
REVISION_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
_HOST_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", "NoSchedule")

Key = tuple[str, str]


def _key(obj: Obj) -> Key:
    return as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))


def daemon_pod(daemonset: Obj, node_name: str) -> Obj:
    """The pod the controller creates for ``node_name`` (not yet named)."""
    template = copy.deepcopy(as_dict(dig(daemonset, "spec", "template")))
    meta = {k: v for k, v in as_dict(template.get("metadata")).items() if k in ("labels", "annotations")}
    revision = {REVISION_LABEL: template_hash(as_dict(dig(daemonset, "spec", "template")))}
    meta["labels"] = {
        **as_dict(meta.get("labels")),
        **revision,
        GENERATION_LABEL: str(daemonset["metadata"]["generation"]),
    }
    meta |= {"generateName": daemonset["metadata"]["name"] + "-", "ownerReferences": [owner_reference(daemonset)]}
    spec = as_dict(template.get("spec"))
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    required = {"nodeSelectorTerms": [term]}
    spec["affinity"] = {
        **as_dict(spec.get("affinity")),
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": required},
    }
    tolerations = [as_dict(t) for t in as_list(spec.get("tolerations"))]
    wanted = _TOLERATIONS + ((_HOST_NETWORK_TOLERATION,) if spec.get("hostNetwork") is True else ())
    for key, effect in wanted:
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": effect})
    spec["tolerations"] = tolerations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def node_of(pod: Obj) -> str:
    """The node a daemon pod is bound to, or the one its affinity names while it waits for the scheduler."""
    bound = as_str(dig(pod, "spec", "nodeName"))
    if bound:
        return bound
    required = dig(pod, "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution")
    for term in as_list(dig(required, "nodeSelectorTerms")):
        for field in as_list(dig(term, "matchFields")):
            if dig(field, "key") == "metadata.name" and as_list(dig(field, "values")):
                return as_str(as_list(dig(field, "values"))[0])
    return ""


class DaemonSetController:
    def __init__(self, cluster: Cluster, queue: WorkQueue, events: EventRecorder) -> None:
        self._cluster, self._queue, self._events = cluster, queue, events
        self._pods = cluster.resource_type("pods")
        self._nodes = cluster.resource_type("nodes")
        self._daemonsets = cluster.resource_type("apps/daemonsets")

    def on_event(self, _event_type: str, obj: Obj) -> None:
        if (key := sync_key(obj, "DaemonSet")) is not None:
            self._queue.add(self.sync, key)
        elif obj.get("kind") == "Node":
            for daemonset in self._cluster.list_objects(self._daemonsets, None):
                self._queue.add(self.sync, _key(daemonset))

    def sync(self, key: Key) -> None:
        daemonset = self._cluster.find(self._daemonsets, *key)
        if daemonset is None or dig(daemonset, "metadata", "deletionTimestamp"):
            return
        nodes = [n["metadata"]["name"] for n in self._cluster.list_objects(self._nodes, None)]
        wanted = {name for name in nodes if self._fits(daemonset, name)}
        by_node: dict[str, list[Obj]] = {}
        for pod in self._owned(daemonset):
            by_node.setdefault(node_of(pod), []).append(pod)
        for node in sorted(wanted - set(by_node)):
            self._create(daemonset, node)
        for node, pods in by_node.items():
            for pod in pods if node not in wanted else pods[1:]:
                self._delete(daemonset, pod)
        self._roll(daemonset, [pods[0] for node, pods in by_node.items() if node in wanted])
        self._cluster.write_status(self._daemonsets, daemonset, self._status(daemonset, wanted, by_node))

    def _fits(self, daemonset: Obj, node_name: str) -> bool:
        node = self._cluster.find(self._nodes, "", node_name)
        return node is not None and fits(daemon_pod(daemonset, node_name), node)

    def _owned(self, daemonset: Obj) -> list[Obj]:
        owned = self._cluster.objects.dependents(daemonset["metadata"]["uid"])
        return [p for r, p in owned if r == "pods" and not dig(p, "metadata", "deletionTimestamp")]

    def _create(self, daemonset: Obj, node: str) -> None:
        created = self._cluster.create_object(self._pods, _key(daemonset)[0], daemon_pod(daemonset, node))
        message = f"Created pod: {created['metadata']['name']}"
        self._events.record(daemonset, NORMAL, "SuccessfulCreate", message, DAEMONSET_CONTROLLER)

    def _delete(self, daemonset: Obj, pod: Obj) -> None:
        self._cluster.delete_object(self._pods, *_key(pod), DeleteOptions())
        message = f"Deleted pod: {pod['metadata']['name']}"
        self._events.record(daemonset, NORMAL, "SuccessfulDelete", message, DAEMONSET_CONTROLLER)

    def _roll(self, daemonset: Obj, pods: list[Obj]) -> None:
        """RollingUpdate: replace outdated pods while at most ``maxUnavailable`` pods are unready."""
        strategy = as_dict(dig(daemonset, "spec", "updateStrategy"))
        if strategy.get("type") == "OnDelete":
            return
        current = template_hash(as_dict(dig(daemonset, "spec", "template")))
        outdated = sorted((p for p in pods if labels_of(p).get(REVISION_LABEL) != current), key=pod_ready)
        limit = max(scaled(dig(strategy, "rollingUpdate", "maxUnavailable") or 1, len(pods), round_up=True), 1)
        budget = limit - sum(1 for p in pods if not pod_ready(p))
        for pod in outdated:
            if pod_ready(pod):
                if budget <= 0:
                    break
                budget -= 1
            self._delete(daemonset, pod)

    @staticmethod
    def _status(daemonset: Obj, wanted: set[str], by_node: dict[str, list[Obj]]) -> Obj:
        current = template_hash(as_dict(dig(daemonset, "spec", "template")))
        placed = {node: pods[0] for node, pods in by_node.items() if node in wanted}
        ready = sum(1 for pod in placed.values() if pod_ready(pod))
        updated = sum(1 for pod in placed.values() if labels_of(pod).get(REVISION_LABEL) == current)
        status = {
            "currentNumberScheduled": len(placed),
            "numberMisscheduled": sum(1 for node in by_node if node not in wanted),
            "desiredNumberScheduled": len(wanted),
            "numberReady": ready,
            "observedGeneration": as_int(dig(daemonset, "metadata", "generation")),
            "updatedNumberScheduled": updated,
            "numberAvailable": ready,
            "numberUnavailable": len(wanted) - ready,
        }
        always = ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady")
        return {k: v for k, v in status.items() if v or k in always}
