"""Table rows of StatefulSets, CronJobs, HorizontalPodAutoscalers, PodDisruptionBudgets and EndpointSlices.

Ported from k8s.io/kubernetes pkg/printers/internalversion/printers.go (printStatefulSet, printCronJob,
printHorizontalPodAutoscaler with formatHPAMetrics, printPodDisruptionBudget, printEndpointSlice with
formatDiscoveryPorts / formatDiscoveryEndpoints). An autoscaling/v1 autoscaler is printed from its CPU target, the
one metric v1 holds.

Two cells changed in 1.30: CronJobs gained the TIMEZONE column (kubernetes/kubernetes#122231) and an autoscaler's
resource metrics their name, ``cpu: 50%/80%`` instead of ``50%/80%`` (kubernetes/kubernetes#122804);
``BEFORE_1_30`` holds the earlier printers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig
from podid.sandbox.kube.printing.columns import (
    AGE,
    NAME,
    TEMPLATE_COLUMNS,
    Column,
    Printer,
    age,
    created,
    first_three,
    name_of,
    or_none,
    template_cells,
    wide,
)


def _statefulset_row(statefulset: Obj, now: datetime) -> list[Any]:
    spec = as_dict(statefulset.get("spec"))
    ready = f"{as_int(dig(statefulset, 'status', 'readyReplicas'))}/{as_int(spec.get('replicas'), 1)}"
    return [name_of(statefulset), ready, created(statefulset, now), *template_cells(spec)[:2]]


def bool_pointer(value: Any) -> str:
    """printBoolPtr: ``<unset>`` for nil, else Go's ``True`` / ``False``."""
    return "<unset>" if value is None else str(value is True)


def _cronjob_row(cronjob: Obj, now: datetime, zoned: bool = True) -> list[Any]:
    spec = as_dict(cronjob.get("spec"))
    status = as_dict(cronjob.get("status"))
    last = age(status["lastScheduleTime"], now) if status.get("lastScheduleTime") else "<none>"
    zone = as_str(spec.get("timeZone")) or "<none>"
    active = len(as_list(status.get("active")))
    cells = [as_str(spec.get("schedule")), *([zone] if zoned else []), bool_pointer(spec.get("suspend")), active, last]
    wide_cells = template_cells(as_dict(dig(spec, "jobTemplate", "spec")))
    return [name_of(cronjob), *cells, created(cronjob, now), *wide_cells[:2], or_none(wide_cells[2])]


def _measured(kind: str, target: Obj, current: Obj) -> str:
    """One metric's ``current/target``; ``(avg)`` marks an average value of an Object or External metric."""
    if kind in ("Resource", "ContainerResource") and "averageValue" not in target:
        shown = f"{current['averageUtilization']}%" if "averageUtilization" in current else "<unknown>"
        wanted = f"{target['averageUtilization']}%" if "averageUtilization" in target else "<auto>"
        return f"{shown}/{wanted}"
    key = "averageValue" if kind == "Pods" or "averageValue" in target else "value"
    text = f"{as_str(current.get(key)) or '<unknown>'}/{as_str(target.get(key))}"
    return f"{text} (avg)" if kind in ("Object", "External") and key == "averageValue" else text


def hpa_metrics(specs: list[Any], statuses: list[Any], named: bool = True) -> str:
    """formatHPAMetrics: the first two metrics (resource ones named from 1.30), then `` + N more...``."""
    if not specs:
        return "<none>"
    texts: list[str] = []
    for index, spec in enumerate(as_dict(s) for s in specs):
        kind = as_str(spec.get("type"))
        source = kind[0].lower() + kind[1:] if kind else ""
        if source not in ("resource", "containerResource", "pods", "object", "external"):
            texts.append("<unknown type>")
            continue
        status = as_dict(statuses[index]) if index < len(statuses) else {}
        current = as_dict(dig(status, source, "current"))
        text = _measured(kind, as_dict(dig(spec, source, "target")), current)
        name = as_str(dig(spec, source, "name"))
        texts.append(f"{name}: {text}" if named and kind in ("Resource", "ContainerResource") else text)
    more = f" + {len(texts) - 2} more..." if len(texts) > 2 else ""
    return ", ".join(texts[:2]) + more


def _v1_metrics(hpa: Obj) -> tuple[list[Any], list[Any]]:
    """autoscaling/v1's CPU target and utilization as v2 metrics (pkg/apis/autoscaling/v1/conversion.go)."""
    target = dig(hpa, "spec", "targetCPUUtilizationPercentage")
    if target is None:
        return [], []
    spec = {"type": "Resource", "resource": {"name": "cpu", "target": {"averageUtilization": target}}}
    current = dig(hpa, "status", "currentCPUUtilizationPercentage")
    status = {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": current}}}
    return [spec], [status] if current is not None else []


def _hpa_row(hpa: Obj, now: datetime, named: bool = True) -> list[Any]:
    spec = as_dict(hpa.get("spec"))
    ref = as_dict(spec.get("scaleTargetRef"))
    if hpa.get("apiVersion") == "autoscaling/v1":
        metrics, current = _v1_metrics(hpa)
    else:
        metrics, current = as_list(spec.get("metrics")), as_list(dig(hpa, "status", "currentMetrics"))
    min_pods = str(as_int(spec["minReplicas"])) if spec.get("minReplicas") is not None else "<unset>"
    reference = f"{as_str(ref.get('kind'))}/{as_str(ref.get('name'))}"
    cells = [reference, hpa_metrics(metrics, current, named), min_pods, as_int(spec.get("maxReplicas"))]
    return [name_of(hpa), *cells, as_int(dig(hpa, "status", "currentReplicas")), created(hpa, now)]


def _int_or_string(value: Any) -> str:
    """intstr.String for a set field, ``N/A`` for an unset one."""
    return "N/A" if value is None else str(value)


def _pdb_row(budget: Obj, now: datetime) -> list[Any]:
    spec = as_dict(budget.get("spec"))
    allowed = as_int(dig(budget, "status", "disruptionsAllowed"))
    limits = [_int_or_string(spec.get("minAvailable")), _int_or_string(spec.get("maxUnavailable"))]
    return [name_of(budget), *limits, allowed, created(budget, now)]


def _more_or_unset(items: list[str]) -> str:
    """listWithMoreString: ``<unset>`` for an empty list."""
    return first_three(items, len(items)) or "<unset>"


def _endpointslice_row(slice_: Obj, now: datetime) -> list[Any]:
    ports = []
    for port in (as_dict(p) for p in as_list(slice_.get("ports"))):
        number, name = port.get("port"), port.get("name")
        ports.append(str(number) if number is not None else as_str(name) if name is not None else "*")
    addresses = [as_str(a) for e in as_list(slice_.get("endpoints")) for a in as_list(dig(e, "addresses"))]
    cells = [as_str(slice_.get("addressType")), _more_or_unset(ports), _more_or_unset(addresses)]
    return [name_of(slice_), *cells, created(slice_, now)]


_HPA_COLUMNS = (
    NAME,
    Column("Reference", description="scaleTargetRef points to the target resource to scale."),
    Column("Targets", description="metrics contains the specifications for which to use to calculate the desired"),
    Column("MinPods", description="minReplicas is the lower limit for the number of replicas."),
    Column("MaxPods", description="maxReplicas is the upper limit for the number of replicas."),
    Column("Replicas", description="currentReplicas is current number of replicas of pods managed by this."),
    AGE,
)
_TIMEZONE = Column("Timezone", description="The time zone name for the given schedule.")
_CRONJOB_COLUMNS = (
    NAME,
    Column("Schedule", description="The schedule in Cron format."),
    _TIMEZONE,
    Column("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions."),
    Column("Active", "integer", "A list of pointers to currently running jobs."),
    Column("Last Schedule", description="Information when was the last time the job was successfully scheduled."),
    AGE,
    *TEMPLATE_COLUMNS,
    wide("Selector", "A label query over pods that should match the pod count."),
)

CONTROLLER_PRINTERS: Mapping[str, Printer] = {
    "StatefulSet": Printer(
        (NAME, Column("Ready", description="Number of the pod with ready state"), AGE, *TEMPLATE_COLUMNS),
        _statefulset_row,
    ),
    "CronJob": Printer(_CRONJOB_COLUMNS, _cronjob_row),
    "HorizontalPodAutoscaler": Printer(_HPA_COLUMNS, _hpa_row),
    "PodDisruptionBudget": Printer(
        (
            NAME,
            Column("Min Available", description="The minimum number of pods that must be available."),
            Column("Max Unavailable", description="The maximum number of pods that may be unavailable."),
            Column("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
            AGE,
        ),
        _pdb_row,
    ),
    "EndpointSlice": Printer(
        (
            NAME,
            Column("AddressType", description="addressType specifies the type of address carried by this slice."),
            Column("Ports", description="ports specifies the list of network ports exposed by each endpoint."),
            Column("Endpoints", description="endpoints is a list of unique endpoints in this slice."),
            AGE,
        ),
        _endpointslice_row,
    ),
}

BEFORE_1_30: Mapping[str, Printer] = {
    "CronJob": Printer(tuple(c for c in _CRONJOB_COLUMNS if c != _TIMEZONE), partial(_cronjob_row, zoned=False)),
    "HorizontalPodAutoscaler": Printer(_HPA_COLUMNS, partial(_hpa_row, named=False)),
}
