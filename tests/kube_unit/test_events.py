"""Events: client-go's correlator, and how long a cluster keeps events.

Covers: an identical event is the earlier one counted again (name and firstTimestamp kept); the tenth similar
event with a new message becomes one ``(combined from similar events): `` event; the spam filter lets 25 events
of one source and object through, then one per 5 minutes; the recorder writes events only once components are
quiet, removes events an hour after their last occurrence (the apiserver's event TTL) and keeps at most
``MAX_EVENTS`` (the newest) per cluster.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.store import Store
from podid.sandbox.kube.events import recorder as _events
from podid.sandbox.kube.events.correlator import COMBINED, Correlator
from podid.sandbox.kube.events.recorder import NORMAL, EventRecorder, Source
from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster


def event(message: str, name: str = "web-1", reason: str = "Created") -> Obj:
    return {
        "metadata": {"name": f"{name}.17", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": name, "uid": "u-" + name},
        "reason": reason,
        "message": message,
        "source": {"component": "kubelet", "host": "node-0"},
        "firstTimestamp": "2024-05-01T12:00:00Z",
        "lastTimestamp": "2024-05-01T12:00:00Z",
        "count": 1,
        "type": NORMAL,
    }


def test_an_identical_event_is_counted_again() -> None:
    correlator = Correlator()
    first = correlator.correlate(event("Started container web"), 0.0, "unused")
    later = {**event("Started container web"), "metadata": {"name": "web-1.99", "namespace": "default"}}
    later["lastTimestamp"] = "2024-05-01T12:00:09Z"
    again = correlator.correlate(later, 9.0, "unused")
    assert first is not None and again is not None
    assert (again["metadata"]["name"], again["count"]) == ("web-1.17", 2)
    assert (again["firstTimestamp"], again["lastTimestamp"]) == ("2024-05-01T12:00:00Z", "2024-05-01T12:00:09Z")


def test_the_tenth_similar_event_is_combined() -> None:
    correlator = Correlator()
    results = [correlator.correlate(event(f"Created pod: web-{i}", "rs"), float(i), f"rs.{i}") for i in range(12)]
    assert [r["message"] for r in results[:9] if r] == [f"Created pod: web-{i}" for i in range(9)]
    combined = [r for r in results[9:] if r]
    assert combined[0]["message"] == COMBINED + "Created pod: web-9"
    assert combined[0]["metadata"]["name"] == "rs.9" and combined[0]["count"] == 1
    assert (combined[-1]["metadata"]["name"], combined[-1]["count"]) == ("rs.9", 3)
    assert combined[-1]["message"] == COMBINED + "Created pod: web-11"


def test_the_spam_filter_keeps_25_events_then_one_per_five_minutes() -> None:
    correlator = Correlator()
    kept = [correlator.correlate(event(f"m{i}", reason=f"R{i}"), 0.0, "x") for i in range(30)]
    assert sum(1 for k in kept if k is not None) == 25
    assert correlator.correlate(event("late", reason="Late"), 299.0, "x") is None
    assert correlator.correlate(event("later", reason="Later"), 300.5, "x") is not None


def pod(cluster: Cluster, name: str) -> Obj:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    return cluster.create_object(cluster.resource_type("pods"), "default", body)


async def _until(check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met"
        await asyncio.sleep(0.05)


def test_events_expire_after_an_hour_and_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_events, "QUIET_SECONDS", 0.05)
    monkeypatch.setattr(_events, "MAX_EVENTS", 3)
    clock, store = Clock(), Store(None)
    cluster = Cluster("/subscriptions/s/c", store, clock, IdGenerator(1))
    cluster.create_object(cluster.resource_type("namespaces"), "", {"metadata": {"name": "default"}})
    events_type = cluster.resource_type("events")

    def names() -> list[str]:
        return sorted(e["involvedObject"]["name"] for e in cluster.list_objects(events_type, None))

    async def scenario() -> None:
        recorder = EventRecorder(cluster, WorkQueue(store), lambda: "1.29.4")
        kubelet = Source("kubelet", "node-0")
        recorder.record(pod(cluster, "old"), NORMAL, "Pulled", "pulled", kubelet)
        await _until(lambda: names() == ["old"])
        clock.advance(3601)
        for name in ("a", "b", "c", "d"):
            recorder.record(pod(cluster, name), NORMAL, "Pulled", "pulled", kubelet)
            clock.advance(1)
        await _until(lambda: names() == ["b", "c", "d"])
        recorder.close()

    asyncio.run(scenario())
