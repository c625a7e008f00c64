"""client-go's EventCorrelator (k8s.io/client-go/tools/record/events_cache.go), which a component's legacy event
recorder runs before it writes a core/v1 Event: pure, time is a parameter.

* aggregation: once 10 events alike but for their message (same source, object, type and reason) arrive within
  10 minutes, the next ones become one event whose message starts ``(combined from similar events): ``;
* deduplication: an event equal to one already written (same key, message included) is that event again, with
  ``count`` + 1, its ``firstTimestamp`` kept and a new ``lastTimestamp``;
* spam filter: a token bucket per source and object (burst 25, one token back every 5 minutes) drops the rest,
  which is what keeps a 1,000-pod ReplicaSet from writing 1,000 ``SuccessfulCreate`` events.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TypeVar

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_str

MAX_SIMILAR = 10  # defaultAggregateMaxEvents
AGGREGATE_SECONDS = 600.0  # defaultAggregateIntervalInSeconds
SPAM_BURST = 25  # defaultSpamBurst
SPAM_REFILL_SECONDS = 300.0  # defaultSpamQPS: 1/300
CACHE_ENTRIES = 4096  # maxLruCacheEntries
COMBINED = "(combined from similar events): "

V = TypeVar("V")


def _involved(event: Obj, *fields: str) -> list[str]:
    involved = as_dict(event.get("involvedObject"))
    return [as_str(involved.get(name)) for name in fields]


def _source(event: Obj) -> list[str]:
    source = as_dict(event.get("source"))
    return [as_str(source.get("component")), as_str(source.get("host"))]


def spam_key(event: Obj) -> str:
    """getSpamKey: source, involved object and type."""
    return "".join([*_source(event), *_involved(event, "kind", "namespace", "name", "uid", "apiVersion")]) + as_str(
        event.get("type")
    )


def aggregate_key(event: Obj) -> str:
    """EventAggregatorByReasonFunc: everything but the message."""
    reporting = [as_str(event.get("reportingComponent")), as_str(event.get("reportingInstance"))]
    involved = _involved(event, "kind", "namespace", "name", "uid", "apiVersion")
    return "".join([*_source(event), *involved, as_str(event.get("type")), as_str(event.get("reason")), *reporting])


def event_key(event: Obj) -> str:
    """getEventKey: what makes two events the same event (message included)."""
    involved = _involved(event, "kind", "namespace", "name", "fieldPath", "uid", "apiVersion")
    last = [as_str(event.get(name)) for name in ("type", "reason", "message")]
    return "".join([*_source(event), *involved, *last])


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class _Similar:
    messages: set[str] = field(default_factory=set)
    at: float = float("-inf")


@dataclass
class _Seen:
    name: str
    count: int
    first_timestamp: object


class Correlator:
    """One recorder's correlator; caches are LRU-bounded like client-go's."""

    def __init__(self) -> None:
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._similar: OrderedDict[str, _Similar] = OrderedDict()
        self._seen: OrderedDict[str, _Seen] = OrderedDict()

    def correlate(self, event: Obj, now: float, new_name: str) -> Obj | None:
        """The event to write (new, combined, or an earlier one counted again); None when spam drops it.

        ``new_name`` names a combined event (``<object>.<hex nanoseconds>`` as the recorder names events)."""
        event, key = self._aggregate(event, now, new_name)
        seen = self._seen.get(key)
        if seen is not None:
            seen.count += 1
            meta = {**as_dict(event.get("metadata")), "name": seen.name}
            event = {**event, "metadata": meta, "count": seen.count, "firstTimestamp": seen.first_timestamp}
        if not self._allow(spam_key(event), now):
            if seen is not None:
                seen.count -= 1
            return None
        if seen is None:
            name = as_str(as_dict(event.get("metadata")).get("name"))
            _remember(self._seen, key, _Seen(name, 1, event.get("firstTimestamp")))
        return event

    def _aggregate(self, event: Obj, now: float, new_name: str) -> tuple[Obj, str]:
        key = aggregate_key(event)
        record = self._similar.get(key)
        if record is None or now - record.at > AGGREGATE_SECONDS:
            record = _Similar()
        record.messages.add(as_str(event.get("message")))
        record.at = now
        _remember(self._similar, key, record)
        if len(record.messages) < MAX_SIMILAR:
            return event, event_key(event)
        record.messages.pop()
        combined: Obj = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": new_name, "namespace": as_dict(event.get("metadata")).get("namespace")},
            "involvedObject": event.get("involvedObject"),
            "reason": event.get("reason"),
            "message": COMBINED + as_str(event.get("message")),
            "source": event.get("source"),
            "firstTimestamp": event.get("lastTimestamp"),
            "lastTimestamp": event.get("lastTimestamp"),
            "count": 1,
            "type": event.get("type"),
            "eventTime": None,
            "reportingComponent": "",
            "reportingInstance": "",
        }
        return combined, key

    def _allow(self, key: str, now: float) -> bool:
        bucket = self._buckets.get(key) or _Bucket(float(SPAM_BURST), now)
        bucket.tokens = min(float(SPAM_BURST), bucket.tokens + (now - bucket.at) / SPAM_REFILL_SECONDS)
        bucket.at = now
        _remember(self._buckets, key, bucket)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True


def _remember(cache: OrderedDict[str, V], key: str, value: V) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > CACHE_ENTRIES:
        cache.popitem(last=False)
