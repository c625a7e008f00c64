"""The watch hub.

Covers: live delivery to several watchers; filters with selector transitions (ADDED when an object enters the
selection, DELETED with the old object and the new resourceVersion when it leaves); the initial ADDED snapshot;
resume from a resourceVersion out of the history; 410 Expired as an ERROR event when the version is too old;
a bad resourceVersion; slow watchers ended when their queue is full; close(); in-process listeners; and the
publish contract (increasing versions, known event types).
"""

from __future__ import annotations

import asyncio

import pytest

from podid.sandbox.kube.machinery.status import KubeApiError
from podid.sandbox.kube.storage.watch import Subscription, WatchHub


def _pod(name: str, version: int, **labels: str) -> dict:
    return {"kind": "Pod", "metadata": {"name": name, "resourceVersion": str(version), "labels": labels}}


def _app_web(obj: dict) -> bool:
    return obj["metadata"].get("labels", {}).get("app") == "web"


async def _drain(subscription: Subscription) -> list[tuple[str, str, str]]:
    """End the watch and collect what it had delivered, as (type, name, resourceVersion)."""
    subscription.close()
    return [
        (
            event["type"],
            event["object"]["metadata"].get("name", ""),
            event["object"]["metadata"].get("resourceVersion", ""),
        )
        async for event in subscription
    ]


def test_live_events_reach_every_watcher():
    async def scenario():
        hub = WatchHub()
        first, second = hub.subscribe(), hub.subscribe()
        hub.publish("ADDED", _pod("a", 1))
        hub.publish("MODIFIED", _pod("a", 2), old=_pod("a", 1))
        hub.publish("DELETED", _pod("a", 3))
        return await _drain(first), await _drain(second), hub.resource_version

    first, second, version = asyncio.run(scenario())
    assert first == second == [("ADDED", "a", "1"), ("MODIFIED", "a", "2"), ("DELETED", "a", "3")]
    assert version == 3


def test_filter_turns_selection_changes_into_added_and_deleted():
    async def scenario():
        hub = WatchHub()
        watcher = hub.subscribe(_app_web)
        hub.publish("ADDED", _pod("a", 1, app="api"))
        hub.publish("MODIFIED", _pod("a", 2, app="web"), old=_pod("a", 1, app="api"))
        hub.publish("MODIFIED", _pod("a", 3, app="web", tier="x"), old=_pod("a", 2, app="web"))
        hub.publish("MODIFIED", _pod("a", 4, app="db"), old=_pod("a", 3, app="web", tier="x"))
        hub.publish("DELETED", _pod("a", 5, app="db"))
        return await _drain(watcher)

    assert asyncio.run(scenario()) == [("ADDED", "a", "2"), ("MODIFIED", "a", "3"), ("DELETED", "a", "4")]


def test_deleted_on_leaving_selection_carries_old_content():
    async def scenario():
        hub = WatchHub()
        watcher = hub.subscribe(_app_web)
        hub.publish("MODIFIED", _pod("a", 2, app="db"), old=_pod("a", 1, app="web"))
        return await anext(watcher)

    event = asyncio.run(scenario())
    assert event["type"] == "DELETED"
    assert event["object"]["metadata"] == {"name": "a", "resourceVersion": "2", "labels": {"app": "web"}}


def test_initial_objects_come_first_as_added():
    async def scenario():
        hub = WatchHub(start_version=10)
        watcher = hub.subscribe(_app_web, initial=[_pod("a", 9, app="web"), _pod("b", 10, app="db")])
        hub.publish("ADDED", _pod("c", 11, app="web"))
        return await _drain(watcher)

    assert asyncio.run(scenario()) == [("ADDED", "a", "9"), ("ADDED", "c", "11")]


def test_resume_from_resource_version_replays_history():
    async def scenario():
        hub = WatchHub()
        for version in range(1, 6):
            hub.publish("ADDED", _pod(f"p{version}", version))
        watcher = hub.subscribe(resource_version="3")
        hub.publish("ADDED", _pod("p6", 6))
        return await _drain(watcher)

    assert asyncio.run(scenario()) == [("ADDED", "p4", "4"), ("ADDED", "p5", "5"), ("ADDED", "p6", "6")]


@pytest.mark.parametrize(
    ("version", "replayed"),
    [("3", ["p4", "p5", "p6"]), ("5", ["p6"]), ("9", [])],
)
def test_resume_within_history(version, replayed):
    async def scenario():
        hub = WatchHub(history=3)
        for v in range(1, 7):
            hub.publish("ADDED", _pod(f"p{v}", v))
        watcher = hub.subscribe(resource_version=version)
        return watcher.closed, await _drain(watcher)

    closed, events = asyncio.run(scenario())
    assert not closed
    assert [name for _, name, _ in events] == replayed


@pytest.mark.parametrize("version", ["1", "2"])
def test_too_old_resource_version_is_410_expired(version):
    async def scenario():
        hub = WatchHub(history=3)
        for v in range(1, 7):
            hub.publish("ADDED", _pod(f"p{v}", v))
        watcher = hub.subscribe(resource_version=version)
        state = watcher.closed, hub.watcher_count
        return state, [event async for event in watcher]

    (closed, watchers), events = asyncio.run(scenario())
    assert (closed, watchers) == (True, 0)
    assert events == [
        {
            "type": "ERROR",
            "object": {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": f"too old resource version: {version} (3)",
                "reason": "Expired",
                "code": 410,
            },
        }
    ]


def test_without_history_only_the_latest_version_resumes():
    hub = WatchHub(history=0)
    hub.publish("ADDED", _pod("a", 1))
    hub.publish("ADDED", _pod("b", 2))
    assert hub.subscribe(resource_version="1").closed
    assert not hub.subscribe(resource_version="2").closed


def test_start_version_bounds_resume():
    hub = WatchHub(start_version=100)
    assert hub.resource_version == 100
    assert hub.subscribe(resource_version="99").closed
    assert not hub.subscribe(resource_version="100").closed


def test_invalid_resource_version_is_bad_request():
    with pytest.raises(KubeApiError) as caught:
        WatchHub().subscribe(resource_version="abc")
    assert caught.value.code == 400


def test_slow_watcher_is_ended_after_its_queue_fills():
    async def scenario():
        hub = WatchHub(queue_size=2)
        slow = hub.subscribe()
        for version in range(1, 5):
            hub.publish("ADDED", _pod(f"p{version}", version))
        closed = slow.closed
        delivered = await _drain(slow)
        resumed = hub.subscribe(resource_version=delivered[-1][2])
        return delivered, closed, await _drain(resumed)

    delivered, closed, resumed = asyncio.run(scenario())
    assert delivered == [("ADDED", "p1", "1"), ("ADDED", "p2", "2")]
    assert closed
    assert resumed == [("ADDED", "p3", "3"), ("ADDED", "p4", "4")]


def test_close_ends_a_waiting_watcher():
    async def scenario():
        hub = WatchHub()
        watcher = hub.subscribe()
        waiting = asyncio.ensure_future(anext(watcher, "ended"))
        await asyncio.sleep(0)
        hub.close()
        return await waiting, hub.watcher_count

    assert asyncio.run(scenario()) == ("ended", 0)


def test_subscription_close_stops_delivery():
    async def scenario():
        hub = WatchHub()
        watcher = hub.subscribe()
        watcher.close()
        hub.publish("ADDED", _pod("a", 1))
        return [event async for event in watcher]

    assert asyncio.run(scenario()) == []


def test_listeners_are_called_synchronously():
    hub = WatchHub()
    seen: list[tuple[str, str]] = []
    stop = hub.listen(lambda kind, obj: seen.append((kind, obj["metadata"]["name"])))
    hub.publish("ADDED", _pod("a", 1))
    stop()
    hub.publish("ADDED", _pod("b", 2))
    assert seen == [("ADDED", "a")]


def test_published_objects_are_copied():
    async def scenario():
        hub = WatchHub()
        watcher = hub.subscribe()
        pod = _pod("a", 1)
        hub.publish("ADDED", pod)
        pod["metadata"]["name"] = "changed"
        return await anext(watcher)

    assert asyncio.run(scenario())["object"]["metadata"]["name"] == "a"


@pytest.mark.parametrize(
    ("event_type", "obj"),
    [
        ("ADDED", {"metadata": {"resourceVersion": "5"}}),
        ("BOOKMARK", {"metadata": {"resourceVersion": "20"}}),
        ("ADDED", {"metadata": {}}),
    ],
)
def test_publish_contract(event_type, obj):
    hub = WatchHub(start_version=10)
    with pytest.raises(ValueError):
        hub.publish(event_type, obj)
