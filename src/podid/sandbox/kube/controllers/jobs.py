"""Jobs (batch/v1): pods run to completion (k8s.io/kubernetes pkg/controller/job, pkg/registry/batch/job).

On create the apiserver labels the template and sets the selector (``batch.kubernetes.io/controller-uid`` and
``job-name``, with their legacy unprefixed twins) and refuses a template whose ``restartPolicy`` is not ``Never``
or ``OnFailure``. The controller keeps up to ``parallelism`` pods active until ``completions`` pods succeeded
(one, for a work queue without ``completions``): then the Job is ``Complete``; once more than ``backoffLimit``
pods failed it is ``Failed`` (``BackoffLimitExceeded``) and its active pods are deleted. Since 1.31 the
``SuccessCriteriaMet``/``FailureTarget`` conditions come first and ``Complete`` names its reason. A suspended
Job runs no pod. Counts come from the pods that exist, so a deleted finished pod is no longer counted.
Events from ``job-controller``: ``SuccessfulCreate``, ``SuccessfulDelete``, ``Completed``, ``BackoffLimitExceeded``.
"""

from __future__ import annotations

import copy

from podid.sandbox.kube.controllers.workloads import owner_reference, pod_ready, sync_key
from podid.sandbox.kube.events.recorder import NORMAL, WARNING, EventRecorder, Source
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.status import invalid, not_supported
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions

JOB_CONTROLLER = Source("job-controller")
UID_LABEL, NAME_LABEL = "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name"
_RESTART_POLICIES = ("OnFailure", "Never")
_BACKOFF = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
_COMPLETED = ("CompletionsReached", "Reached expected number of succeeded pods")

Key = tuple[str, str]


def _key(obj: Obj) -> Key:
    return as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))


def admit_job(_cluster: Cluster, rt: ResourceType, job: Obj, old: Obj | None) -> None:
    """The Job registry's PrepareForCreate (generated selector and labels) and its restartPolicy rule."""
    meta, spec = job["metadata"], job.setdefault("spec", {})
    template_spec = as_dict(dig(spec, "template", "spec"))
    policy = template_spec.get("restartPolicy")
    if policy not in _RESTART_POLICIES:
        error = not_supported("spec.template.spec.restartPolicy", policy, _RESTART_POLICIES)
        raise invalid(rt, as_str(meta.get("name")), [error])
    if old is not None or spec.get("manualSelector") is True:
        return
    uid, name = as_str(meta.get("uid")), as_str(meta.get("name"))
    generated = {UID_LABEL: uid, NAME_LABEL: name, "controller-uid": uid, "job-name": name}
    template = spec.setdefault("template", {})
    template_meta = template.setdefault("metadata", {})
    template_meta["labels"] = {**as_dict(template_meta.get("labels")), **generated}
    spec["selector"] = {"matchLabels": {UID_LABEL: uid}}


class JobController:
    def __init__(self, cluster: Cluster, queue: WorkQueue, events: EventRecorder) -> None:
        self._cluster, self._queue, self._events = cluster, queue, events
        self._pods = cluster.resource_type("pods")
        self._jobs = cluster.resource_type("batch/jobs")

    def on_event(self, _event_type: str, obj: Obj) -> None:
        if (key := sync_key(obj, "Job")) is not None:
            self._queue.add(self.sync, key)

    def sync(self, key: Key) -> None:
        job = self._cluster.find(self._jobs, *key)
        if job is None or dig(job, "metadata", "deletionTimestamp") or _finished(job):
            return
        owned = [p for r, p in self._cluster.objects.dependents(job["metadata"]["uid"]) if r == "pods"]
        pods = [p for p in owned if not dig(p, "metadata", "deletionTimestamp")]
        active = [p for p in pods if dig(p, "status", "phase") not in ("Succeeded", "Failed")]
        finishing = (p for p in owned if dig(p, "metadata", "deletionTimestamp"))
        terminating = sum(1 for p in finishing if dig(p, "status", "phase") not in ("Succeeded", "Failed"))
        succeeded = sum(1 for p in pods if dig(p, "status", "phase") == "Succeeded")
        failed = sum(1 for p in pods if dig(p, "status", "phase") == "Failed")
        spec = as_dict(job.get("spec"))
        status = dict(as_dict(job.get("status")))
        if failed > as_int(spec.get("backoffLimit"), 6):
            self._finish(job, active, status, "Failed", _BACKOFF)
        elif _done(spec, succeeded, active):
            self._finish(job, active, status, "Complete", _COMPLETED)
        elif spec.get("suspend") is not True:
            status.setdefault("startTime", self._cluster.now())
            active += [self._create(job) for _ in range(_missing(spec, succeeded, len(active)))]
        else:
            for pod in active:
                self._delete(job, pod)
            active = []
        _count(status, active, succeeded, failed, terminating)
        self._cluster.write_status(self._jobs, job, status)

    def _create(self, job: Obj) -> Obj:
        template = copy.deepcopy(as_dict(dig(job, "spec", "template")))
        meta = {k: v for k, v in as_dict(template.get("metadata")).items() if k in ("labels", "annotations")}
        meta |= {"generateName": job["metadata"]["name"] + "-", "ownerReferences": [owner_reference(job)]}
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": as_dict(template.get("spec"))}
        created = self._cluster.create_object(self._pods, _key(job)[0], pod)
        message = f"Created pod: {created['metadata']['name']}"
        self._events.record(job, NORMAL, "SuccessfulCreate", message, JOB_CONTROLLER)
        return created

    def _delete(self, job: Obj, pod: Obj) -> None:
        self._cluster.delete_object(self._pods, *_key(pod), DeleteOptions())
        self._events.record(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", JOB_CONTROLLER)

    def _finish(self, job: Obj, active: list[Obj], status: Obj, outcome: str, why: tuple[str, str]) -> None:
        """Complete or Failed: the conditions (the interim one first since 1.31), the time, the event."""
        for pod in active:
            self._delete(job, pod)
        active.clear()
        now = self._cluster.now()
        conditions = [as_dict(c) for c in as_list(status.get("conditions"))]
        recent = self._events.version_at_least(1, 31)
        if recent:
            interim = "FailureTarget" if outcome == "Failed" else "SuccessCriteriaMet"
            conditions.append(_condition(interim, now, *why))
        conditions.append(_condition(outcome, now, *why) if recent or outcome == "Failed" else _condition(outcome, now))
        status["conditions"] = conditions
        if outcome == "Complete":
            status["completionTime"] = now
            self._events.record(job, NORMAL, "Completed", "Job completed", JOB_CONTROLLER)
        else:
            self._events.record(job, WARNING, why[0], why[1], JOB_CONTROLLER)


def _count(status: Obj, active: list[Obj], succeeded: int, failed: int, terminating: int) -> None:
    """The counts as JobStatus marshals them: active, succeeded and failed omitted at 0, ready and terminating
    (pointers, set since 1.29's pod replacement policy) kept."""
    for name, count in (("active", len(active)), ("succeeded", succeeded), ("failed", failed)):
        if count:
            status[name] = count
        else:
            status.pop(name, None)
    ready = sum(1 for p in active if pod_ready(p))
    status |= {"terminating": terminating, "uncountedTerminatedPods": {}, "ready": ready}


def _condition(kind: str, now: str, reason: str = "", message: str = "") -> Obj:
    found = {"type": kind, "status": "True", "lastProbeTime": now, "lastTransitionTime": now}
    return found | ({"reason": reason, "message": message} if reason else {})


def _finished(job: Obj) -> bool:
    conditions = as_list(dig(job, "status", "conditions"))
    return any(dig(c, "type") in ("Complete", "Failed") and dig(c, "status") == "True" for c in conditions)


def _done(spec: Obj, succeeded: int, active: list[Obj]) -> bool:
    """Enough pods succeeded; without ``completions`` (a work queue), one did and none is still running."""
    if spec.get("completions") is None:
        return succeeded > 0 and not active
    return succeeded >= as_int(spec.get("completions"))


def _missing(spec: Obj, succeeded: int, active: int) -> int:
    parallelism = as_int(spec.get("parallelism"), 1)
    if spec.get("completions") is None:
        return max(parallelism - active, 0) if succeeded == 0 else 0
    return max(min(parallelism, as_int(spec.get("completions")) - succeeded) - active, 0)
