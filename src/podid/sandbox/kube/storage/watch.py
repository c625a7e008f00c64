"""Watch fan-out for one cluster: every write is published once and delivered to each matching watcher.

Semantics follow the apiserver's watch cache:

* events are ``{"type": "ADDED"|"MODIFIED"|"DELETED", "object": {...}}``, exactly the lines of a watch stream;
* a watcher with a filter (label/field selector) sees an object *enter* its selection as ADDED and *leave* it as
  DELETED (the old object, stamped with the new resourceVersion);
* ``resourceVersion=N`` resumes after N from a bounded history; a version older than the history yields one
  ``ERROR`` event carrying a 410 ``Expired`` Status, after which the client re-lists;
* without a resourceVersion (or ``0``) the watcher first gets the current objects as ADDED (``initial``);
* a watcher that falls ``queue_size`` events behind is ended, as the apiserver ends slow watchers; its client
  re-watches from the last version it saw, which the history usually still covers.

The hub is pure asyncio and owns no clock or thread: ``publish`` must be called on the event loop's thread, in
increasing resourceVersion order. Published objects are copied once and shared by all watchers read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from podid.sandbox.kube.machinery.objects import Obj, as_dict, dig
from podid.sandbox.kube.machinery.status import bad_request, expired

EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED")
Filter = Callable[[Obj], bool]
Listener = Callable[[str, Obj], None]


def everything(_obj: Obj) -> bool:
    return True


@dataclass(frozen=True)
class _Change:
    type: str
    obj: Obj
    old: Obj | None
    version: int


def resource_version_of(obj: Obj) -> int:
    """``metadata.resourceVersion`` as the integer the hub orders events by."""
    raw = dig(obj, "metadata", "resourceVersion")
    if not isinstance(raw, str) or not raw.isdigit():
        raise ValueError(f"object has no integer metadata.resourceVersion: {raw!r}")
    return int(raw)


class WatchHub:
    """Publishes the changes of one cluster to its watchers and in-process listeners."""

    def __init__(
        self, *, start_version: int = 0, history: int = 1000, queue_size: int = 1000, copy_objects: bool = True
    ) -> None:
        self._copy = copy_objects  # False when the publisher never mutates a published object (saves two copies)
        self._history: deque[_Change] = deque(maxlen=history)
        self._floor = start_version  # the oldest version a watch can still resume from
        self._last = start_version
        self._queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self._listeners: list[Listener] = []

    @property
    def resource_version(self) -> int:
        """The version of the latest published change."""
        return self._last

    def publish(self, event_type: str, obj: Obj, old: Obj | None = None) -> None:
        """Record a change; ``old`` is the previous state of a MODIFIED object (for selector transitions)."""
        if event_type not in EVENT_TYPES:
            raise ValueError(f"unknown watch event type {event_type!r}")
        version = resource_version_of(obj)
        if version <= self._last:
            raise ValueError(f"resourceVersion {version} published after {self._last}")
        if self._copy:
            obj, old = copy.deepcopy(obj), copy.deepcopy(old) if old is not None else None
        change = _Change(event_type, obj, old, version)
        if self._history.maxlen is not None and len(self._history) == self._history.maxlen:
            self._floor = self._history[0].version if self._history else version
        self._history.append(change)
        self._last = version
        for subscription in list(self._subscriptions):
            subscription.offer(change)
        for listener in list(self._listeners):
            listener(event_type, change.obj)

    def subscribe(
        self, matches: Filter = everything, *, resource_version: str | None = None, initial: Iterable[Obj] = ()
    ) -> Subscription:
        """Start a watch now (not at first iteration, so no change between a list and its watch is missed)."""
        if resource_version in (None, "", "0"):
            backlog = [{"type": "ADDED", "object": obj} for obj in initial if matches(obj)]
            return self._register(Subscription(self, matches, backlog, self._queue_size))
        if not resource_version.isdigit():
            raise bad_request(f'resourceVersion: Invalid value: "{resource_version}": invalid resource version')
        since = int(resource_version)
        if since < self._floor:
            status = expired(f"too old resource version: {since} ({self._floor})").status
            return Subscription(self, matches, [{"type": "ERROR", "object": status}], self._queue_size, done=True)
        replay = [e for c in self._history if c.version > since if (e := _event_for(c, matches)) is not None]
        return self._register(Subscription(self, matches, replay, self._queue_size))

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event_type, obj)`` synchronously on every publish; returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def close(self) -> None:
        """End every watch (server shutdown)."""
        for subscription in list(self._subscriptions):
            subscription.close()

    @property
    def watcher_count(self) -> int:
        return len(self._subscriptions)

    def _register(self, subscription: Subscription) -> Subscription:
        self._subscriptions.add(subscription)
        return subscription

    def _forget(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)


def _event_for(change: _Change, matches: Filter) -> Obj | None:
    """The event a watcher with this filter sees for ``change``, if any (the cacheWatcher rules)."""
    if change.type != "MODIFIED":
        return {"type": change.type, "object": change.obj} if matches(change.obj) else None
    now_in = matches(change.obj)
    was_in = matches(change.old) if change.old is not None else now_in
    if now_in:
        return {"type": "MODIFIED" if was_in else "ADDED", "object": change.obj}
    if was_in and change.old is not None:
        gone = copy.deepcopy(change.old)
        gone.setdefault("metadata", {})
        as_dict(gone["metadata"])["resourceVersion"] = str(change.version)
        return {"type": "DELETED", "object": gone}
    return None


class Subscription:
    """One watcher: an async iterator of events, ended by ``close()``, hub shutdown or falling behind."""

    def __init__(self, hub: WatchHub, matches: Filter, backlog: list[Obj], queue_size: int, done: bool = False):
        self._hub = hub
        self._matches = matches
        self._backlog = deque(backlog)
        self._queue: asyncio.Queue[Obj | None] = asyncio.Queue(maxsize=queue_size)
        self._closed = done

    @property
    def closed(self) -> bool:
        return self._closed

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Obj:
        if self._backlog:
            return self._backlog.popleft()
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        event = await self._queue.get()
        if event is None:
            raise StopAsyncIteration
        return event

    def offer(self, change: _Change) -> None:
        """Queue the event for ``change`` if it concerns this watcher; end the watch when the queue is full."""
        event = _event_for(change, self._matches)
        if event is None or self._closed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._hub._forget(self)
        # Wake a consumer waiting on an empty queue; one with a full queue is not waiting and stops once it drains.
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
