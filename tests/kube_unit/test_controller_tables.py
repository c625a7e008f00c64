"""Table rows of StatefulSets, CronJobs, HorizontalPodAutoscalers, PodDisruptionBudgets and EndpointSlices.

Covers: a StatefulSet's READY and wide containers; a CronJob's TIMEZONE (from 1.30 only), SUSPEND (``<unset>``,
``True``), ACTIVE, LAST SCHEDULE (``<none>`` or an age) and wide ``<none>`` selector; formatHPAMetrics for each
metric type (utilization, average value, ``(avg)``, ``<auto>``, ``<unknown>``, ``<unknown type>``, ``+ N more...``,
``<none>``) with and without the metric name (1.30); an autoscaling/v1 autoscaler's CPU target; MINPODS
``<unset>``; a PodDisruptionBudget's ``N/A`` limits; an EndpointSlice's ports (number, name, ``*``), addresses
(``+ N more...``) and ``<unset>``.
"""

from __future__ import annotations

from typing import Any

import pytest

from podid.sandbox.kube.machinery.resources import BUILTIN_TYPES
from podid.sandbox.kube.printing.controllers import hpa_metrics
from podid.sandbox.kube.printing.tables import render_table
from tests.kube_unit.test_tables import NOW, _ago, _cells

CONTAINERS = {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}


def _meta(name: str) -> dict[str, str]:
    return {"name": name, "namespace": "default", "creationTimestamp": _ago(minutes=5)}


def _row(resource: str, obj: dict[str, Any], version: str = "") -> dict[str, Any]:
    group, _, plural = resource.rpartition("/")
    api_version = obj["apiVersion"]
    rt = next(t for t in BUILTIN_TYPES if t.plural == plural and t.api_version == api_version)
    assert rt.group == group
    table = render_table(rt, [obj], now=NOW, kubernetes_version=version)
    names = [c["name"] for c in table["columnDefinitions"]]
    return dict(zip(names, table["rows"][0]["cells"], strict=True))


def test_statefulset_row() -> None:
    statefulset = {
        "kind": "StatefulSet",
        "apiVersion": "apps/v1",
        "metadata": _meta("db"),
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "db"}}, **CONTAINERS},
        "status": {"readyReplicas": 2},
    }
    cells = _cells("apps/statefulsets", statefulset)
    assert cells == {"Name": "db", "Ready": "2/3", "Age": "5m", "Containers": "web", "Images": "nginx:1"}


def cronjob(spec: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    template = {"jobTemplate": {"spec": CONTAINERS}, "schedule": "*/5 * * * *"}
    return {
        "kind": "CronJob",
        "apiVersion": "batch/v1",
        "metadata": _meta("tick"),
        "spec": {**template, **spec},
        "status": status,
    }


def test_cronjob_row_from_1_30() -> None:
    running = {"active": [{"name": "tick-1"}], "lastScheduleTime": _ago(minutes=2)}
    cells = _row("batch/cronjobs", cronjob({"timeZone": "Europe/Paris", "suspend": True}, running), "1.30.0")
    shown = ["tick", "*/5 * * * *", "Europe/Paris", "True", 1, "2m", "5m", "web", "nginx:1", "<none>"]
    assert list(cells.values()) == shown  # the job template's unset selector: FormatLabelSelector's <none>


def test_cronjob_row_before_1_30() -> None:
    cells = _row("batch/cronjobs", cronjob({"suspend": False}, {}), "1.29.4")
    assert "Timezone" not in cells
    assert [cells[k] for k in ("Suspend", "Active", "Last Schedule")] == ["False", 0, "<none>"]
    assert _row("batch/cronjobs", cronjob({}, {}))["Suspend"] == "<unset>"
    assert _row("batch/cronjobs", cronjob({}, {}))["Timezone"] == "<none>"


def _resource(name: str, target: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": name, "target": target}}


def _current(name: str, current: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": name, "current": current}}


CPU = _resource("cpu", {"type": "Utilization", "averageUtilization": 80})
MEMORY = _resource("memory", {"type": "AverageValue", "averageValue": "500Mi"})
PODS = {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}}
OBJECT = {"type": "Object", "object": {"target": {"type": "AverageValue", "averageValue": "10"}}}
EXTERNAL = {"type": "External", "external": {"target": {"type": "Value", "value": "30"}}}


@pytest.mark.parametrize(
    ("specs", "statuses", "named", "text"),
    [
        ([], [], True, "<none>"),
        ([CPU], [], False, "<unknown>/80%"),
        ([CPU], [], True, "cpu: <unknown>/80%"),
        ([CPU], [_current("cpu", {"averageUtilization": 42})], True, "cpu: 42%/80%"),
        ([_resource("cpu", {"type": "Utilization"})], [], True, "cpu: <unknown>/<auto>"),
        ([MEMORY], [_current("memory", {"averageValue": "200Mi"})], True, "memory: 200Mi/500Mi"),
        ([PODS, OBJECT], [], True, "<unknown>/1k, <unknown>/10 (avg)"),
        ([EXTERNAL], [{"type": "External", "external": {"current": {"value": "7"}}}], True, "7/30"),
        ([{"type": "Custom"}], [], True, "<unknown type>"),
        ([CPU, MEMORY, PODS, EXTERNAL], [], False, "<unknown>/80%, <unknown>/500Mi + 2 more..."),
    ],
)
def test_hpa_metrics(specs: list[Any], statuses: list[Any], named: bool, text: str) -> None:
    assert hpa_metrics(specs, statuses, named) == text


def test_hpa_rows_in_both_versions() -> None:
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    v2 = {
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": "autoscaling/v2",
        "metadata": _meta("web"),
        "spec": {"scaleTargetRef": ref, "maxReplicas": 5, "metrics": [CPU]},
        "status": {"currentReplicas": 2},
    }
    cells = _row("autoscaling/horizontalpodautoscalers", v2, "1.33.3")
    assert list(cells.values()) == ["web", "Deployment/web", "cpu: <unknown>/80%", "<unset>", 5, 2, "5m"]
    v1_spec = {"scaleTargetRef": ref, "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 70}
    v1 = {**v2, "apiVersion": "autoscaling/v1", "spec": v1_spec, "status": {"currentCPUUtilizationPercentage": 12}}
    assert _row("autoscaling/horizontalpodautoscalers", v1, "1.27.9")["Targets"] == "12%/70%"
    assert _row("autoscaling/horizontalpodautoscalers", v1, "1.27.9")["MinPods"] == "1"


@pytest.mark.parametrize(
    ("spec", "shown"),
    [({"minAvailable": 2}, ["2", "N/A"]), ({"maxUnavailable": "25%"}, ["N/A", "25%"]), ({}, ["N/A", "N/A"])],
)
def test_pdb_row(spec: dict[str, Any], shown: list[str]) -> None:
    budget = {
        "kind": "PodDisruptionBudget",
        "apiVersion": "policy/v1",
        "metadata": _meta("web"),
        "spec": spec,
        "status": {"disruptionsAllowed": 1},
    }
    assert list(_cells("policy/poddisruptionbudgets", budget).values()) == ["web", *shown, 1, "5m"]


@pytest.mark.parametrize(
    ("ports", "endpoints", "cells"),
    [
        ([], [], ["<unset>", "<unset>"]),
        ([{"port": 80}, {"name": "http"}, {}], [{"addresses": ["10.0.0.1"]}], ["80,http,*", "10.0.0.1"]),
        (
            [{"port": p} for p in (1, 2, 3, 4)],
            [{"addresses": [f"10.0.0.{i}"]} for i in range(1, 6)],
            ["1,2,3 + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more..."],
        ),
    ],
)
def test_endpointslice_row(ports: list[Any], endpoints: list[Any], cells: list[str]) -> None:
    endpoint_slice = {
        "kind": "EndpointSlice",
        "apiVersion": "discovery.k8s.io/v1",
        "metadata": _meta("web-abc"),
        "addressType": "IPv4",
        "ports": ports,
        "endpoints": endpoints,
    }
    assert list(_cells("discovery.k8s.io/endpointslices", endpoint_slice).values()) == ["web-abc", "IPv4", *cells, "5m"]
