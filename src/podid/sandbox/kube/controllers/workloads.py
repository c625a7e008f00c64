"""The deployment and replica set controllers (kube-controller-manager), reduced to what clusters show.

A Deployment owns one ReplicaSet per pod template, named ``<deployment>-<pod-template-hash>``; a new template
rolls out by its strategy (``rollout``: RollingUpdate within maxSurge/maxUnavailable, or Recreate), and idle
old ReplicaSets beyond ``revisionHistoryLimit`` are deleted. A ReplicaSet creates or deletes pods named
``<replicaset>-<5 chars>`` with the template's labels and a controller ownerReference; a ReplicationController
(core/v1) is managed the same way, its selector a label map. Status fields follow the Go types' ``omitempty``, so
zero counts are absent as on a real cluster.

Events as kube-controller-manager records them: ``SuccessfulCreate``/``SuccessfulDelete`` ("Created pod: <name>",
pkg/controller/controller_utils.go) from ``replicaset-controller`` (``replication-controller``), ``ScalingReplicaSet``
("Scaled up replica set <name> to <n>", and since 1.27 "... to <n> from <m>" when an existing one is scaled,
pkg/controller/deployment/sync.go) from ``deployment-controller`` on the Deployment.
"""

from __future__ import annotations

import copy
import json

from podid.sandbox.kube.controllers.rollout import desired, max_surge, max_unavailable, new_replicas, old_replicas
from podid.sandbox.kube.events.recorder import NORMAL, EventRecorder, Source
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig, labels_of
from podid.sandbox.kube.machinery.selectors import SelectorError, selector_from_map, selector_from_object
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions

PODS, REPLICASETS, DEPLOYMENTS = "pods", "apps/replicasets", "apps/deployments"
REPLICATIONCONTROLLERS = "replicationcontrollers"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
REPLICASET_CONTROLLER = Source("replicaset-controller")
REPLICATION_CONTROLLER = Source("replication-controller")
DEPLOYMENT_CONTROLLER = Source("deployment-controller")


def controller_ref(obj: Obj) -> Obj | None:
    refs = (as_dict(r) for r in as_list(dig(obj, "metadata", "ownerReferences")))
    return next((r for r in refs if r.get("controller") is True), None)


def sync_key(obj: Obj, kind: str, owned: str = "Pod") -> tuple[str, str] | None:
    """The ``kind`` object an event about ``obj`` asks its controller to sync: ``obj`` itself, or the one that
    controls it when ``obj`` is of the ``owned`` kind; None for any other object."""
    namespace, name = as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))
    if obj.get("kind") == kind:
        return namespace, name
    if obj.get("kind") == owned and (owner := controller_ref(obj)) is not None and owner.get("kind") == kind:
        return namespace, as_str(owner.get("name"))
    return None


def owner_reference(owner: Obj) -> Obj:
    meta = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def template_hash(template: Obj) -> str:
    """fnv32a of the template, then rand.SafeEncodeString of its decimal form, as ComputeHash does."""
    digest = 0x811C9DC5
    for byte in json.dumps(template, sort_keys=True, separators=(",", ":")).encode():
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in str(digest))


def pod_ready(pod: Obj) -> bool:
    conditions = as_list(dig(pod, "status", "conditions"))
    return any(dig(c, "type") == "Ready" and dig(c, "status") == "True" for c in conditions)


def _active(pod: Obj) -> bool:
    return not dig(pod, "metadata", "deletionTimestamp") and dig(pod, "status", "phase") not in ("Succeeded", "Failed")


def _omit_zeros(status: Obj, *keep: str) -> Obj:
    return {k: v for k, v in status.items() if v or k in keep}


def _key(obj: Obj) -> tuple[str, str]:
    return as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))


class ReplicaSetController:
    """ReplicaSets, or ReplicationControllers (``resource``): the same manager upstream, with a map selector."""

    def __init__(self, cluster: Cluster, queue: WorkQueue, events: EventRecorder, resource: str = REPLICASETS) -> None:
        self._cluster, self._queue, self._events = cluster, queue, events
        self._pods = cluster.resource_type(PODS)
        self._replicasets = cluster.resource_type(resource)
        self._kind = self._replicasets.kind
        self._source = REPLICATION_CONTROLLER if resource == REPLICATIONCONTROLLERS else REPLICASET_CONTROLLER

    def on_event(self, _event_type: str, obj: Obj) -> None:
        if (key := sync_key(obj, self._kind)) is not None:
            self._queue.add(self.sync, key)

    def sync(self, key: tuple[str, str]) -> None:
        namespace, name = key
        rs = self._cluster.find(self._replicasets, namespace, name)
        if rs is None or dig(rs, "metadata", "deletionTimestamp"):
            return
        active = self._owned_pods(rs)
        missing = as_int(dig(rs, "spec", "replicas"), 1) - len(active)
        if missing > 0:
            active += [self._create_pod(rs) for _ in range(missing)]
        elif missing < 0:
            for pod in sorted(active, key=_deletion_rank)[:-missing]:
                self._cluster.delete_object(self._pods, namespace, pod["metadata"]["name"], DeleteOptions())
                message = f"Deleted pod: {pod['metadata']['name']}"
                self._events.record(rs, NORMAL, "SuccessfulDelete", message, self._source)
            active = self._owned_pods(rs)
        self._cluster.write_status(self._replicasets, rs, self._status(rs, active))

    def _owned_pods(self, rs: Obj) -> list[Obj]:
        owned = self._cluster.objects.dependents(rs["metadata"]["uid"])
        return [pod for resource, pod in owned if resource == PODS and _active(pod)]

    def _create_pod(self, rs: Obj) -> Obj:
        template = as_dict(dig(rs, "spec", "template"))
        meta = {k: v for k, v in as_dict(template.get("metadata")).items() if k in ("labels", "annotations")}
        metadata = {**meta, "generateName": rs["metadata"]["name"] + "-", "ownerReferences": [owner_reference(rs)]}
        pod: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": as_dict(template.get("spec"))}
        # create_object copies the body, so the template is not shared with the new pod
        created = self._cluster.create_object(self._pods, rs["metadata"]["namespace"], pod)
        message = f"Created pod: {created['metadata']['name']}"
        self._events.record(rs, NORMAL, "SuccessfulCreate", message, self._source)
        return created

    @staticmethod
    def _status(rs: Obj, pods: list[Obj]) -> Obj:
        try:
            raw = dig(rs, "spec", "selector")
            selector = (
                selector_from_map(as_dict(raw)) if rs["kind"] == "ReplicationController" else selector_from_object(raw)
            )
            labeled = sum(1 for p in pods if selector.matches(labels_of(p)))
        except SelectorError:
            labeled = 0
        ready = sum(1 for p in pods if pod_ready(p))
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": labeled,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": as_int(dig(rs, "metadata", "generation")),
        }
        return _omit_zeros(status, "replicas")


def _deletion_rank(pod: Obj) -> tuple[bool, int, bool, str]:
    """Which pods a scale-down removes first (controller.ActivePods): unscheduled, pending, unready, newest."""
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(as_str(dig(pod, "status", "phase")), 0)
    created = as_str(dig(pod, "metadata", "creationTimestamp"))
    newest_first = "".join(chr(0x10FFFF - ord(c)) for c in created)
    return bool(dig(pod, "spec", "nodeName")), phase_rank, pod_ready(pod), newest_first


class DeploymentController:
    def __init__(self, cluster: Cluster, queue: WorkQueue, events: EventRecorder) -> None:
        self._cluster, self._queue, self._events = cluster, queue, events
        self._deployments = cluster.resource_type(DEPLOYMENTS)
        self._replicasets = cluster.resource_type(REPLICASETS)

    def on_event(self, _event_type: str, obj: Obj) -> None:
        if (key := sync_key(obj, "Deployment", owned="ReplicaSet")) is not None:
            self._queue.add(self.sync, key)

    def sync(self, key: tuple[str, str]) -> None:
        namespace, name = key
        deployment = self._cluster.find(self._deployments, namespace, name)
        if deployment is None or dig(deployment, "metadata", "deletionTimestamp"):
            return
        owned = [rs for r, rs in self._cluster.objects.dependents(deployment["metadata"]["uid"]) if r == REPLICASETS]
        template_key = template_hash(as_dict(dig(deployment, "spec", "template")))
        current = next((rs for rs in owned if labels_of(rs).get(HASH_LABEL) == template_key), None)
        revision = max((_revision(rs) for rs in owned), default=0)
        old = sorted((rs for rs in owned if rs is not current), key=_revision)
        replicas = new_replicas(deployment, current, old)
        if current is None:
            current = self._create_replicaset(deployment, template_key, revision + 1, replicas)
        else:
            bump = revision + 1 if _revision(current) < revision else _revision(current)
            current = self._scale(current, replicas, deployment, bump)
        targets = old_replicas(deployment, current, old)
        old = [self._scale(rs, count, deployment, _revision(rs)) for rs, count in zip(old, targets, strict=True)]
        self._prune_history(deployment, old)
        deployment = self._annotate(deployment, _revision(current))
        self._cluster.write_status(self._deployments, deployment, self._status(deployment, current, old))

    def _create_replicaset(self, deployment: Obj, template_key: str, revision: int, replicas: int) -> Obj:
        spec = as_dict(deployment.get("spec"))
        template = copy.deepcopy(as_dict(spec.get("template")))
        labels = {**as_dict(dig(template, "metadata", "labels")), HASH_LABEL: template_key}
        template["metadata"] = {**as_dict(template.get("metadata")), "labels": labels}
        selector = copy.deepcopy(as_dict(spec.get("selector")))
        selector["matchLabels"] = {**as_dict(selector.get("matchLabels")), HASH_LABEL: template_key}
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{deployment['metadata']['name']}-{template_key}",
                "labels": labels,
                "annotations": _rs_annotations(deployment, revision),
                "ownerReferences": [owner_reference(deployment)],
            },
            "spec": {"replicas": replicas, "selector": selector, "template": template},
        }
        created = self._cluster.create_object(self._replicasets, deployment["metadata"]["namespace"], rs)
        if replicas > 0:
            message = f"Scaled up replica set {created['metadata']['name']} to {replicas}"
            self._events.record(deployment, NORMAL, "ScalingReplicaSet", message, DEPLOYMENT_CONTROLLER)
        return created

    def _scale(self, rs: Obj, replicas: int, deployment: Obj, revision: int) -> Obj:
        changed = copy.deepcopy(rs)
        changed["spec"]["replicas"] = replicas
        annotations = changed["metadata"].setdefault("annotations", {})
        annotations.update(_rs_annotations(deployment, revision))
        if changed == rs:
            return rs
        before = as_int(dig(rs, "spec", "replicas"), 1)
        if before != replicas:
            direction = "up" if replicas > before else "down"
            message = f"Scaled {direction} replica set {rs['metadata']['name']} to {replicas}"
            if self._events.version_at_least(1, 27):
                message += f" from {before}"
            self._events.record(deployment, NORMAL, "ScalingReplicaSet", message, DEPLOYMENT_CONTROLLER)
        return self._cluster.write(self._replicasets, changed)

    def _prune_history(self, deployment: Obj, old: list[Obj]) -> None:
        limit = as_int(dig(deployment, "spec", "revisionHistoryLimit"), 10)
        idle = sorted((rs for rs in old if not as_int(dig(rs, "status", "replicas"))), key=_revision)
        for rs in idle[: max(len(idle) - limit, 0)]:
            self._cluster.delete_object(
                self._replicasets, rs["metadata"]["namespace"], rs["metadata"]["name"], DeleteOptions()
            )

    def _annotate(self, deployment: Obj, revision: int) -> Obj:
        if as_dict(dig(deployment, "metadata", "annotations")).get(REVISION) == str(revision):
            return deployment
        changed = copy.deepcopy(deployment)
        changed["metadata"].setdefault("annotations", {})[REVISION] = str(revision)
        return self._cluster.write(self._deployments, changed)

    def _status(self, deployment: Obj, current: Obj, old: list[Obj]) -> Obj:
        everything = [current, *old]
        count = sum(as_int(dig(rs, "status", "replicas")) for rs in everything)
        ready = sum(as_int(dig(rs, "status", "readyReplicas")) for rs in everything)
        available = sum(as_int(dig(rs, "status", "availableReplicas")) for rs in everything)
        wanted = as_int(dig(deployment, "spec", "replicas"), 1)
        updated = as_int(dig(current, "status", "replicas"))
        name = current["metadata"]["name"]
        done = updated == wanted == available and count == wanted
        previous = as_list(dig(deployment, "status", "conditions"))
        available_ok = available >= wanted - max_unavailable(deployment)
        conditions = [
            self._condition(previous, "Available", available_ok, *_AVAILABLE[available_ok]),
            self._condition(
                previous,
                "Progressing",
                True,
                "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
                f'ReplicaSet "{name}" has successfully progressed.' if done else f'ReplicaSet "{name}" is progressing.',
            ),
        ]
        status = {
            "observedGeneration": as_int(dig(deployment, "metadata", "generation")),
            "replicas": count,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": max(wanted - available, 0),
            "conditions": conditions,
        }
        return _omit_zeros(status)

    def _condition(self, previous: list[object], kind: str, ok: bool, reason: str, message: str) -> Obj:
        status = "True" if ok else "False"
        before = next((as_dict(c) for c in previous if dig(c, "type") == kind), {})
        now = self._cluster.now()
        same = before.get("status") == status
        unchanged = same and before.get("reason") == reason and before.get("message") == message
        return {
            "type": kind,
            "status": status,
            "lastUpdateTime": before.get("lastUpdateTime", now) if unchanged else now,
            "lastTransitionTime": before.get("lastTransitionTime", now) if same else now,
            "reason": reason,
            "message": message,
        }


_AVAILABLE = {
    True: ("MinimumReplicasAvailable", "Deployment has minimum availability."),
    False: ("MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
}


def _revision(rs: Obj) -> int:
    raw = as_dict(dig(rs, "metadata", "annotations")).get(REVISION, "0")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else 0


def _rs_annotations(deployment: Obj, revision: int) -> dict[str, str]:
    replicas = desired(deployment)
    return {
        "deployment.kubernetes.io/desired-replicas": str(replicas),
        "deployment.kubernetes.io/max-replicas": str(replicas + max_surge(deployment)),
        REVISION: str(revision),
    }
