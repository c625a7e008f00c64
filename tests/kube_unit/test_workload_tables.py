"""Table rows of Jobs, DaemonSets, ReplicationControllers and events.k8s.io Events (printers.go's).

Covers: a Job's STATUS (Complete, Failed, Terminating, Suspended, Running), COMPLETIONS (``n/m``, ``n/1``,
``n/1 of p`` for a work queue) and DURATION (to completion, or until now); a DaemonSet's counts and node selector;
a ReplicationController's map selector in its wide cells; an events.k8s.io/v1 Event printed like its core twin.
"""

from __future__ import annotations

from typing import Any

import pytest

from podid.sandbox.kube.events.versions import to_events_v1
from tests.kube_unit.test_tables import _ago, _cells

JOB_SPEC = {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}


def job(spec: dict[str, Any], status: dict[str, Any], **meta: str) -> dict[str, Any]:
    metadata = {"name": "j", "creationTimestamp": _ago(minutes=5), **meta}
    return {
        "kind": "Job",
        "apiVersion": "batch/v1",
        "metadata": metadata,
        "spec": {**JOB_SPEC, **spec},
        "status": status,
    }


def true(kind: str) -> dict[str, str]:
    return {"type": kind, "status": "True"}


@pytest.mark.parametrize(
    ("spec", "status", "meta", "shown"),
    [
        (
            {"completions": 2},
            {"succeeded": 2, "conditions": [true("SuccessCriteriaMet"), true("Complete")]},
            {},
            "Complete",
        ),
        ({"completions": 1}, {"failed": 7, "conditions": [true("FailureTarget"), true("Failed")]}, {}, "Failed"),
        ({"completions": 1}, {}, {"deletionTimestamp": _ago(seconds=1)}, "Terminating"),
        ({"completions": 1, "suspend": True}, {"conditions": [true("Suspended")]}, {}, "Suspended"),
        ({"completions": 1}, {"conditions": [{"type": "Complete", "status": "False"}]}, {}, "Running"),
    ],
)
def test_job_status(spec: dict[str, Any], status: dict[str, Any], meta: dict[str, str], shown: str) -> None:
    assert _cells("batch/jobs", job(spec, status, **meta))["Status"] == shown


@pytest.mark.parametrize(
    ("spec", "succeeded", "completions"),
    [({"completions": 3}, 2, "2/3"), ({"parallelism": 1}, 0, "0/1"), ({"parallelism": 4}, 1, "1/1 of 4")],
)
def test_job_completions(spec: dict[str, Any], succeeded: int, completions: str) -> None:
    assert _cells("batch/jobs", job(spec, {"succeeded": succeeded}))["Completions"] == completions


def test_job_duration() -> None:
    finished = job({"completions": 1}, {"startTime": _ago(minutes=4), "completionTime": _ago(minutes=3, seconds=50)})
    assert _cells("batch/jobs", finished)["Duration"] == "10s"
    running = job({"completions": 1}, {"startTime": _ago(seconds=75)})
    assert _cells("batch/jobs", running)["Duration"] == "75s"
    assert _cells("batch/jobs", job({"completions": 1}, {}))["Duration"] == ""


def test_daemonset_row() -> None:
    template = {
        "spec": {"nodeSelector": {"kubernetes.io/os": "linux"}, "containers": [{"name": "nmi", "image": "nmi:1"}]}
    }
    daemonset = {
        "kind": "DaemonSet",
        "apiVersion": "apps/v1",
        "metadata": {"name": "nmi", "creationTimestamp": _ago(hours=2)},
        "spec": {"selector": {"matchLabels": {"app": "nmi"}}, "template": template},
        "status": {
            "desiredNumberScheduled": 3,
            "currentNumberScheduled": 3,
            "numberReady": 2,
            "updatedNumberScheduled": 1,
        },
    }
    cells = _cells("apps/daemonsets", daemonset)
    assert [cells[c] for c in ("Desired", "Current", "Ready", "Up-to-date", "Available")] == [3, 3, 2, 1, 0]
    assert (cells["Node Selector"], cells["Age"], cells["Selector"]) == ("kubernetes.io/os=linux", "120m", "app=nmi")


def test_replication_controller_selector_is_a_map() -> None:
    controller = {
        "kind": "ReplicationController",
        "apiVersion": "v1",
        "metadata": {"name": "rc", "creationTimestamp": _ago(minutes=1)},
        "spec": {"replicas": 2, "selector": {"app": "rc"}, "template": JOB_SPEC["template"]},
        "status": {"replicas": 2, "readyReplicas": 1},
    }
    cells = _cells("replicationcontrollers", controller)
    assert [cells[c] for c in ("Desired", "Current", "Ready", "Selector")] == [2, 2, 1, "app=rc"]


def test_an_events_v1_event_prints_like_its_core_twin() -> None:
    core = {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {"name": "p.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{c}"},
        "reason": "Started",
        "message": "Started container c",
        "source": {"component": "kubelet", "host": "node-0"},
        "firstTimestamp": _ago(seconds=30),
        "lastTimestamp": _ago(seconds=10),
        "count": 3,
        "type": "Normal",
    }
    assert _cells("events.k8s.io/events", to_events_v1(core)) == _cells("events", core)
