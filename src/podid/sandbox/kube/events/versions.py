"""The two versions of an Event: core/v1 (stored) and events.k8s.io/v1, converted field by field as
k8s.io/kubernetes pkg/apis/events/v1/conversion.go does (``regarding`` is ``involvedObject``, ``note`` is
``message``, the legacy recorder's fields are ``deprecated…``). Keys keep the Go structs' order and omitempty.
"""

from __future__ import annotations

from podid.sandbox.kube.machinery.objects import Obj, as_dict

EVENTS_API_VERSION = "events.k8s.io/v1"
# (core/v1 field, events.k8s.io/v1 field)
_RENAMED = (
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
)
_SAME = ("metadata", "eventTime", "series", "reportingInstance", "action", "reason", "related", "type")
_V1_ORDER = (
    "metadata",
    "eventTime",
    "series",
    "reportingController",
    "reportingInstance",
    "action",
    "reason",
    "regarding",
    "related",
    "note",
    "type",
    "deprecatedSource",
    "deprecatedFirstTimestamp",
    "deprecatedLastTimestamp",
    "deprecatedCount",
)
_V1_OMIT_EMPTY = frozenset(
    {
        "series",
        "reportingController",
        "reportingInstance",
        "action",
        "reason",
        "related",
        "note",
        "type",
        "deprecatedCount",
    }
)
_CORE_ORDER = (
    "metadata",
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
    "type",
    "eventTime",
    "series",
    "action",
    "related",
    "reportingComponent",
    "reportingInstance",
)
_CORE_OMIT_EMPTY = frozenset({"reason", "message", "count", "type", "series", "action", "related"})
_STRUCTS = frozenset({"regarding", "deprecatedSource", "involvedObject", "source", "metadata"})
# events.k8s.io/v1 field selectors name the events.k8s.io fields (AddFieldLabelConversionsForEvent)
FIELD_LABELS = {
    "metadata.name": "metadata.name",
    "metadata.namespace": "metadata.namespace",
    "reason": "reason",
    "type": "type",
    "reportingController": "reportingComponent",
    **{
        f"regarding.{name}": f"involvedObject.{name}"
        for name in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    },
}


def to_events_v1(event: Obj) -> Obj:
    """A stored core/v1 Event as events.k8s.io/v1 shows it."""
    fields = {name: event.get(name) for name in _SAME} | {new: event.get(old) for old, new in _RENAMED}
    return {"kind": "Event", "apiVersion": EVENTS_API_VERSION, **_ordered(fields, _V1_ORDER, _V1_OMIT_EMPTY)}


def to_core(event: Obj) -> Obj:
    """An events.k8s.io/v1 Event as core/v1 stores it (``reportingComponent``/``reportingInstance`` always set)."""
    fields = {name: event.get(name) for name in _SAME} | {old: event.get(new) for old, new in _RENAMED}
    fields["reportingComponent"] = fields.get("reportingComponent") or ""
    fields["reportingInstance"] = fields.get("reportingInstance") or ""
    return {"kind": "Event", "apiVersion": "v1", **_ordered(fields, _CORE_ORDER, _CORE_OMIT_EMPTY)}


def _ordered(fields: Obj, order: tuple[str, ...], omit_empty: frozenset[str]) -> Obj:
    shaped: Obj = {}
    for name in order:
        value = fields.get(name)
        if name in _STRUCTS:
            shaped[name] = as_dict(value)
        elif value or name not in omit_empty:
            shaped[name] = value
    return shaped
