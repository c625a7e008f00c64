"""Events (core/v1 ``events``): what the scheduler, the controllers and the kubelet report about objects.

Components call the recorder as they act, which only notes what happened. The events are built (correlated,
named) and written once the components go quiet (``QUIET_SECONDS`` without a new one, ``MAX_DELAY_SECONDS`` at
most), in chunks through the work queue behind other work, so a 1,000-pod rollout is not slowed by its ~4,000
events.
Two recorders, as upstream has two:

* ``record``: client-go's legacy recorder (k8s.io/client-go/tools/record), used by kube-controller-manager and
  the kubelet: ``count``, ``firstTimestamp``/``lastTimestamp``, ``source``, and the correlator
  (``correlator``: aggregation, deduplication, spam filter);
* ``record_new``: the events.k8s.io/v1 recorder (k8s.io/client-go/tools/events) the scheduler uses:
  ``eventTime``, ``action``, ``reportingController``/``reportingInstance``, an empty ``source``, and a
  ``series`` when an isomorphic event repeats within 6 minutes.

Stored events live ``TTL_SECONDS`` (the apiserver's ``--event-ttl``, 1 h) after their last occurrence, and at
most ``MAX_EVENTS`` per cluster (the oldest go first), so they never grow without bound.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from podid.sandbox.kube.events.correlator import CACHE_ENTRIES, Correlator
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_str, dig, parse_time
from podid.sandbox.kube.machinery.status import KubeApiError
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions

log = logging.getLogger(__name__)

QUIET_SECONDS = 1.0
MAX_DELAY_SECONDS = 5.0
DRAIN_CHUNK = 200
SWEEP_SECONDS = 60.0
TTL_SECONDS = 3600.0  # kube-apiserver --event-ttl default
MAX_EVENTS = 5000
SERIES_SECONDS = 360.0  # tools/events: an isomorphic event within 6 minutes starts or extends a series
NORMAL, WARNING = "Normal", "Warning"

Key = tuple[str, str]  # (namespace, name) of an event


@dataclass
class _Series:
    """The last event of an events.k8s.io recorder's isomorphic key, and when it last occurred."""

    event: Obj
    at: float


@dataclass(frozen=True)
class Source:
    """Who reports: ``component`` (``kubelet``, ``replicaset-controller``) and ``host`` (the kubelet's node)."""

    component: str
    host: str = ""


def object_reference(obj: Obj, field_path: str = "") -> Obj:
    """reference.GetReference: what an event is about (key order as Go's ObjectReference)."""
    meta = as_dict(obj.get("metadata"))
    found = {
        "kind": obj.get("kind"),
        "namespace": meta.get("namespace"),
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "apiVersion": obj.get("apiVersion"),
        "resourceVersion": meta.get("resourceVersion"),
        "fieldPath": field_path,
    }
    return {k: v for k, v in found.items() if v}


def rfc3339(seconds: float) -> str:
    """metav1.Time: RFC 3339 to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def micro_time(seconds: float) -> str:
    """metav1.MicroTime: RFC 3339 with microseconds."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def last_seen(event: Obj) -> float:
    """When an event last occurred (epoch seconds), whichever recorder wrote it."""
    for value in (
        dig(event, "series", "lastObservedTime"),
        event.get("lastTimestamp"),
        event.get("eventTime"),
        dig(event, "metadata", "creationTimestamp"),
    ):
        when = parse_time(value)
        if when is not None:
            return when.timestamp()
    return 0.0


@dataclass(frozen=True)
class _Occurrence:
    """What a component reported, kept as is until the events are built and written (off the hot path)."""

    regarding: Obj  # a stored object: never mutated, so holding it is safe
    event_type: str
    reason: str
    message: str
    at: float  # sandbox clock seconds
    source: Source | None = None  # legacy recorder
    field_path: str = ""
    action: str = ""  # events.k8s.io recorder: action, controller, instance
    controller: str = ""
    instance: str = ""


class EventRecorder:
    """One cluster's event recorders, correlators and writer."""

    def __init__(self, cluster: Cluster, queue: WorkQueue, version: Callable[[], str]) -> None:
        self._cluster, self._queue, self._version = cluster, queue, version
        self._events = cluster.resource_type("events")
        self._correlator = Correlator()
        self._series: OrderedDict[tuple[str, ...], _Series] = OrderedDict()
        self._occurred: deque[_Occurrence] = deque()
        self._first_pending = self._last_pending = 0.0
        self._nanos = 0
        self._timer: asyncio.TimerHandle | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self._closed = False

    def record(
        self, regarding: Obj, event_type: str, reason: str, message: str, source: Source, field_path: str = ""
    ) -> None:
        """tools/record's Eventf: a core/v1 event, correlated before it is written."""
        now = self._cluster.clock.now()
        self._enqueue(_Occurrence(regarding, event_type, reason, message, now, source, field_path))

    def record_new(
        self, regarding: Obj, event_type: str, reason: str, action: str, note: str, controller: str, instance: str
    ) -> None:
        """tools/events' Eventf, as the core/v1 view shows it: ``eventTime`` instead of timestamps and count."""
        now = self._cluster.clock.now()
        occurred = _Occurrence(regarding, event_type, reason, note, now, None, "", action, controller, instance)
        self._enqueue(occurred)

    def version_at_least(self, major: int, minor: int) -> bool:
        """Whether the cluster runs at least ``major.minor`` (some texts changed between releases)."""
        parts = [int(p) for p in self._version().split(".")[:2] if p.isdigit()]
        return [*parts, 0, 0][:2] >= [major, minor]

    def close(self) -> None:
        self._closed = True
        self._occurred.clear()
        for handle in (self._timer, self._sweeper):
            if handle is not None:
                handle.cancel()

    # internals

    def _name(self, reference: Obj, now: float) -> str:
        """``<object>.<hex nanoseconds>``, strictly increasing so two events of one instant differ."""
        self._nanos = max(self._nanos + 1, int(now * 1e9))
        return f"{as_str(reference.get('name'))}.{self._nanos:x}"

    def _enqueue(self, occurred: _Occurrence) -> None:
        if self._closed:
            return
        now = time.monotonic()
        if not self._occurred:
            self._first_pending = now
        self._last_pending = now
        self._occurred.append(occurred)
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(QUIET_SECONDS, self._release)
            self._sweeper = self._sweeper or loop.call_later(SWEEP_SECONDS, self._sweep_again)

    def _release(self) -> None:
        """Hand the occurrences to the work queue once components are quiet (or have waited long enough)."""
        self._timer = None
        now = time.monotonic()
        quiet_for, waited = now - self._last_pending, now - self._first_pending
        if quiet_for < QUIET_SECONDS and waited < MAX_DELAY_SECONDS:
            delay = min(QUIET_SECONDS - quiet_for, MAX_DELAY_SECONDS - waited)
            self._timer = asyncio.get_running_loop().call_later(delay, self._release)
            return
        self._queue.add(self._drain, "drain")

    def _drain(self, _key: str) -> None:
        """Build and write the events of up to ``DRAIN_CHUNK`` occurrences, then queue the rest behind other work."""
        built: dict[Key, Obj] = {}
        for _ in range(min(DRAIN_CHUNK, len(self._occurred))):
            event = self._build(self._occurred.popleft())
            if event is not None:
                meta = event["metadata"]
                built[(meta["namespace"], meta["name"])] = event
        for key, event in built.items():
            self._write(key, event)
        self._queue.add(self._drain if self._occurred else self._sweep, "drain" if self._occurred else "sweep")

    def _build(self, occurred: _Occurrence) -> Obj | None:
        if occurred.source is None:
            return self._new_api_event(occurred)
        reference = object_reference(occurred.regarding, occurred.field_path)
        source = occurred.source
        timestamp = rfc3339(occurred.at)
        event: Obj = {
            **self._head(reference, occurred),
            "source": {"component": source.component, **({"host": source.host} if source.host else {})},
            "firstTimestamp": timestamp,
            "lastTimestamp": timestamp,
            "count": 1,
            "type": occurred.event_type,
            "eventTime": None,
            "reportingComponent": source.component,
            "reportingInstance": source.host,
        }
        return self._correlator.correlate(event, occurred.at, self._name(reference, occurred.at))

    def _head(self, reference: Obj, occurred: _Occurrence) -> Obj:
        """What a core/v1 event says whichever API its recorder writes through: about what, why and its name."""
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": self._name(reference, occurred.at), "namespace": _namespace(reference)},
            "involvedObject": reference,
            "reason": occurred.reason,
            "message": occurred.message,
        }

    def _new_api_event(self, occurred: _Occurrence) -> Obj:
        """An isomorphic event (same action, reason, reporter, object) within 6 minutes extends a series."""
        reference = object_reference(occurred.regarding)
        key: tuple[str, ...] = (occurred.action, occurred.reason, occurred.controller, occurred.instance)
        key += tuple(as_str(v) for v in reference.values())
        earlier = self._series.get(key)
        if earlier is not None and occurred.at - earlier.at <= SERIES_SECONDS:
            count = as_int(dig(earlier.event, "series", "count"), 1) + 1
            event = {**earlier.event, "series": {"count": count, "lastObservedTime": micro_time(occurred.at)}}
        else:
            event = {
                **self._head(reference, occurred),
                "source": {},
                "firstTimestamp": None,
                "lastTimestamp": None,
                "type": occurred.event_type,
                "eventTime": micro_time(occurred.at),
                "action": occurred.action,
                "reportingComponent": occurred.controller,
                "reportingInstance": occurred.instance,
            }
        self._series[key] = _Series(event, occurred.at)
        self._series.move_to_end(key)
        if len(self._series) > CACHE_ENTRIES:
            self._series.popitem(last=False)
        return event

    def _write(self, key: Key, event: Obj) -> None:
        try:
            current = self._cluster.find(self._events, *key)
            if current is None:
                self._cluster.create_object(self._events, key[0], event)
                return
            changed = {k: v for k, v in event.items() if k not in ("metadata", "involvedObject")}
            self._cluster.write(self._events, {**current, **changed})
        except KubeApiError as error:  # e.g. the namespace is being deleted: the event is dropped, as upstream
            log.debug("event %s/%s not written: %s", *key, error)

    def _sweep_again(self) -> None:
        self._sweeper = None
        if not self._closed:
            self._queue.add(self._sweep, "sweep")
            self._sweeper = asyncio.get_running_loop().call_later(SWEEP_SECONDS, self._sweep_again)

    def _sweep(self, _key: str) -> None:
        """Remove events past their TTL, then the oldest beyond ``MAX_EVENTS``."""
        cutoff = self._cluster.clock.now() - TTL_SECONDS
        dated = [(last_seen(event), event) for event in self._cluster.list_objects(self._events, None)]
        dated.sort(key=lambda pair: pair[0])
        excess = max(len(dated) - MAX_EVENTS, 0)
        for index, (when, event) in enumerate(dated):
            if index >= excess and when >= cutoff:
                break
            meta = event["metadata"]
            self._cluster.delete_object(self._events, meta["namespace"], meta["name"], DeleteOptions())


def _namespace(reference: Obj) -> str:
    """Events about cluster-scoped objects (nodes) go to ``default``, as the recorders put them."""
    return as_str(reference.get("namespace")) or "default"
