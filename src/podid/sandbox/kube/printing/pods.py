"""The Pod row of ``kubectl get pods``: READY, STATUS and RESTARTS computed as printPod computes them.

STATUS is the most specific reason available: an init container's (``Init:1/2``, ``Init:CrashLoopBackOff``), then
the app containers' from last to first (``ContainerCreating``, ``CrashLoopBackOff``, ``Completed``), then
``Terminating`` while a deletion is pending. Restartable init containers (sidecars) count as containers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig, parse_time
from podid.sandbox.kube.printing.columns import AGE, NAME, Column, Printer, age, created, name_of, or_none, wide


@dataclass
class _Restarts:
    count: int = 0
    last: datetime | None = None

    def add(self, status: Obj) -> None:
        self.count += as_int(status.get("restartCount"))
        finished = parse_time(dig(status, "lastState", "terminated", "finishedAt"))
        if finished is not None and (self.last is None or finished > self.last):
            self.last = finished

    def text(self, now: datetime) -> str:
        return f"{self.count} ({age(self.last, now)} ago)" if self.count and self.last else str(self.count)


def _condition_true(status: Obj, kind: str) -> bool:
    return any(dig(c, "type") == kind and dig(c, "status") == "True" for c in as_list(status.get("conditions")))


def _exit_text(terminated: Obj) -> str:
    signal = as_int(terminated.get("signal"))
    return f"Signal:{signal}" if signal else f"ExitCode:{as_int(terminated.get('exitCode'))}"


def _init_reason(status: Obj, index: int, total: int, sidecar: bool) -> str | None:
    """Why init container ``index`` holds the pod back, or None when it does not (done, or a started sidecar)."""
    terminated, waiting = dig(status, "state", "terminated"), dig(status, "state", "waiting")
    if isinstance(terminated, dict) and as_int(terminated.get("exitCode")) == 0:
        return None
    if sidecar and status.get("started") is True:
        return None
    if isinstance(terminated, dict):
        return "Init:" + (as_str(terminated.get("reason")) or _exit_text(terminated))
    waiting_reason = as_str(dig(waiting, "reason"))
    if waiting_reason and waiting_reason != "PodInitializing":
        return "Init:" + waiting_reason
    return f"Init:{index}/{total}"


def _main_reason(status: Obj, reason: str, restarts: _Restarts) -> tuple[str, int]:
    """Walk the app containers from last to first, as printPod does; returns (reason, ready containers)."""
    ready, running = 0, False
    for cs in reversed([as_dict(c) for c in as_list(status.get("containerStatuses"))]):
        restarts.add(cs)
        waiting, terminated = as_dict(dig(cs, "state", "waiting")), dig(cs, "state", "terminated")
        if waiting.get("reason"):
            reason = as_str(waiting["reason"])
        elif isinstance(terminated, dict):
            reason = as_str(terminated.get("reason")) or _exit_text(terminated)
        elif cs.get("ready") is True and isinstance(dig(cs, "state", "running"), dict):
            running, ready = True, ready + 1
    if reason == "Completed" and running:
        reason = "Running" if _condition_true(status, "Ready") else "NotReady"
    return reason, ready


def _pod_summary(pod: Obj) -> tuple[str, int, int, _Restarts]:
    """(status text, ready containers, total containers, restarts) of printPod."""
    spec, status = as_dict(pod.get("spec")), as_dict(pod.get("status"))
    inits = [as_dict(c) for c in as_list(spec.get("initContainers"))]
    sidecars = {as_str(c.get("name")) for c in inits if c.get("restartPolicy") == "Always"}
    reason = as_str(status.get("reason")) or as_str(status.get("phase"))
    gated = [c for c in as_list(status.get("conditions")) if dig(c, "reason") == "SchedulingGated"]
    reason = "SchedulingGated" if any(dig(c, "type") == "PodScheduled" for c in gated) else reason
    every, sidecar_restarts, ready = _Restarts(), _Restarts(), 0
    initializing = False
    for i, cs in enumerate(as_dict(c) for c in as_list(status.get("initContainerStatuses"))):
        is_sidecar = as_str(cs.get("name")) in sidecars
        every.add(cs)
        if is_sidecar:
            sidecar_restarts.add(cs)
        held = _init_reason(cs, i, len(inits), is_sidecar)
        if held is not None:
            reason, initializing = held, True
            break
        ready += 1 if is_sidecar and cs.get("ready") is True else 0
    restarts = every
    if not initializing or _condition_true(status, "Initialized"):
        restarts = sidecar_restarts
        reason, app_ready = _main_reason(status, reason, restarts)
        ready += app_ready
    if dig(pod, "metadata", "deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif status.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, len(as_list(spec.get("containers"))) + len(sidecars), restarts


def pod_row(pod: Obj, now: datetime) -> list[Any]:
    reason, ready, total, restarts = _pod_summary(pod)
    spec, status = as_dict(pod.get("spec")), as_dict(pod.get("status"))
    ip = as_str(dig(status, "podIPs", 0, "ip")) or as_str(status.get("podIP"))
    gates = [as_str(dig(g, "conditionType")) for g in as_list(spec.get("readinessGates"))]
    gates_text = f"{sum(_condition_true(status, g) for g in gates)}/{len(gates)}" if gates else "<none>"
    node, nominated = as_str(spec.get("nodeName")), as_str(status.get("nominatedNodeName"))
    cells: list[Any] = [name_of(pod), f"{ready}/{total}", reason, restarts.text(now), created(pod, now)]
    return [*cells, or_none(ip), or_none(node), or_none(nominated), gates_text]


def pod_conditions(pod: Obj) -> list[Obj]:
    """Row conditions marking completed pods (``Completed`` with reason Succeeded/Failed)."""
    phase = dig(pod, "status", "phase")
    messages = {"Succeeded": "The pod has completed successfully.", "Failed": "The pod failed."}
    if phase not in messages:
        return []
    return [{"type": "Completed", "status": "True", "reason": phase, "message": messages[phase]}]


POD_PRINTER = Printer(
    (
        NAME,
        Column("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
        Column("Status", description="The aggregate status of the containers in this pod."),
        Column(
            "Restarts",
            description="The number of times the containers in this pod have been restarted and when the last "
            "container in this pod has restarted.",
        ),
        AGE,
        wide("IP", "podIP address allocated to the pod. Routable at least within the cluster."),
        wide("Node", "NodeName indicates in which node this pod is scheduled."),
        wide("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node."),
        wide("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness."),
    ),
    pod_row,
)
