"""The status a kubelet reports for a pod on its node: phase, conditions, IPs and container statuses.

The phase is Pending while an init container has not completed, Succeeded/Failed once every app container
terminated for good (restart policy), Running otherwise; conditions are Initialized, Ready, ContainersReady
and PodScheduled with the kubelet's reasons and messages.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from podid.sandbox.kube.controllers.scheduler import set_condition
from podid.sandbox.kube.kubelet.containers import Container
from podid.sandbox.kube.kubelet.podfiles import PodFiles
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig


@dataclass
class PodRun:
    """A pod started on a node: its address, files and containers (init containers first)."""

    uid: str
    ip: str
    host_ip: str
    start_time: str
    files: PodFiles
    containers: list[Container] = field(default_factory=list)
    grace_deadline: float | None = None  # set once the pod is being terminated

    @property
    def has_workloads(self) -> bool:
        return any(c.workload for c in self.containers)

    @property
    def initialized(self) -> bool:
        return all(c.done and c.state["terminated"]["exitCode"] == 0 for c in self.containers if c.init)

    def container(self, name: str) -> Container | None:
        return next((c for c in self.containers if c.name == name), None)


def _phase(run: PodRun, restart_policy: str) -> str:
    if not run.initialized:
        failed = [c for c in run.containers if c.init and c.done and c.state["terminated"]["exitCode"] != 0]
        return "Failed" if failed and restart_policy == "Never" else "Pending"
    app = [c for c in run.containers if not c.init]
    if app and all(c.done for c in app):
        return "Succeeded" if all(c.state["terminated"]["exitCode"] == 0 for c in app) else "Failed"
    return "Running"


def _ready_condition(kind: str, unready: list[str]) -> Obj:
    if not unready:
        return {"type": kind, "status": "True"}
    names = " ".join(unready)
    return {
        "type": kind,
        "status": "False",
        "reason": "ContainersNotReady",
        "message": f"containers with unready status: [{names}]",
    }


def pod_status(pod: Obj, run: PodRun, now: str) -> Obj:
    """The pod's next status (keeping condition transition times that did not change)."""
    status = copy.deepcopy(as_dict(pod.get("status")))
    spec = as_dict(pod.get("spec"))
    app = [c for c in run.containers if not c.init]
    init_pending = [c.name for c in run.containers if c.init and not c.status()["ready"]]
    unready = [c.name for c in app if not c.running]
    if init_pending:
        message = f"containers with incomplete status: [{' '.join(init_pending)}]"
        initialized = {
            "type": "Initialized",
            "status": "False",
            "reason": "ContainersNotInitialized",
            "message": message,
        }
    else:
        initialized = {"type": "Initialized", "status": "True"}
    for condition in (
        initialized,
        _ready_condition("Ready", unready),
        _ready_condition("ContainersReady", unready),
        {"type": "PodScheduled", "status": "True"},
    ):
        set_condition(status, condition, now)
    order = {kind: i for i, kind in enumerate(("Initialized", "Ready", "ContainersReady", "PodScheduled"))}
    status["conditions"] = sorted(as_list(status.get("conditions")), key=lambda c: order.get(as_str(dig(c, "type")), 9))
    status.update(
        {
            "phase": _phase(run, as_str(spec.get("restartPolicy")) or "Always"),
            "hostIP": run.host_ip,
            "hostIPs": [{"ip": run.host_ip}],
            "podIP": run.ip,
            "podIPs": [{"ip": run.ip}],
            "startTime": run.start_time,
            "containerStatuses": [c.status() for c in app],
        }
    )
    if any(c.init for c in run.containers):
        status["initContainerStatuses"] = [c.status() for c in run.containers if c.init]
    return status
