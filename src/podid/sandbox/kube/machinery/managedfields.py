"""``metadata.managedFields``: which manager owns which fields, kept on every write as kube-apiserver keeps it.

k8s.io/apimachinery pkg/util/managedfields/internal: an entry per manager identity (manager, operation, and for
updates the apiVersion, plus the subresource; managedfields.go BuildManagerIdentifier), its fields as FieldsV1
(``machinery.fieldpath``), the time of its last change, sorted as ``sortEncodedManagedFields`` sorts them.

* An update (create, PUT, a non-apply PATCH) gives its manager the fields it changed and takes them from
  everybody else (structured-merge-diff merge/update.go ``Updater.Update`` with a current-operation manager,
  managedfieldsupdater.go). The object before a create is the kind's zero value, so the fields that Go's zero
  value already holds (``spec``, a pod template) are not members of the set ("." in FieldsV1), as upstream.
* Never owned (stripmeta.go): apiVersion, kind, metadata itself and its system fields; for kinds with a status
  subresource, the status through the object and everything else through ``/status`` (the strategies'
  ResetFields).
* The object's own managedFields win when a client sends some (kubectl edit sends back what it read); none, or
  malformed ones, keep the stored ones; ``[]`` or ``[{}]`` resets them (fieldmanager.go decodeLiveOrNew).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from podid.sandbox.kube.machinery.fieldpath import (
    Fields,
    Path,
    children,
    compare,
    decode,
    difference,
    encode,
    intersection,
    iterate,
    path_string,
    union,
)
from podid.sandbox.kube.machinery.fieldtypes import Shape
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list
from podid.sandbox.kube.machinery.status import KubeApiError

APPLY, UPDATE = "Apply", "Update"
_SYSTEM_METADATA = frozenset(
    "f:" + name
    for name in (
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    )
)
_TEMPLATE_ZERO: Obj = {"metadata": {}, "spec": {"containers": []}}
# Go's zero value of the kinds whose spec holds structs that are never omitted
_ZERO_SPECS: dict[str, Obj] = {
    "Pod": {"containers": []},
    "Deployment": {"template": _TEMPLATE_ZERO, "strategy": {}},
    "ReplicaSet": {"template": _TEMPLATE_ZERO},
    "DaemonSet": {"template": _TEMPLATE_ZERO, "updateStrategy": {}},
    "Job": {"template": _TEMPLATE_ZERO},
}


@dataclass(frozen=True)
class FieldManager:
    """Who writes: ``?fieldManager=`` (or the User-Agent's product), the operation and the subresource."""

    name: str
    operation: str = UPDATE
    subresource: str = ""


@dataclass(frozen=True)
class Scope:
    """What ownership needs to know of a kind."""

    shape: Shape
    api_version: str
    kind: str
    reset_status: bool  # status is written through /status only: the object's writers never own it

    def owned(self, fields: Fields, subresource: str = "") -> Fields:
        """The part of ``fields`` a manager can own through ``subresource``."""
        out = {e: node for e, node in fields.items() if e not in ("f:apiVersion", "f:kind", "f:metadata")}
        meta = {e: node for e, node in children(fields.get("f:metadata", {})).items() if e not in _SYSTEM_METADATA}
        if meta:
            out["f:metadata"] = meta
        if not self.reset_status:
            return out
        if subresource == "status":
            return {e: node for e, node in out.items() if e == "f:status"}
        out.pop("f:status", None)
        return out

    def zero(self) -> Obj:
        """The object before a create, as far as ownership looks at it."""
        return {"metadata": {}, "spec": _ZERO_SPECS.get(self.kind, {}), "status": {}}


@dataclass
class Entry:
    manager: str
    operation: str
    api_version: str
    time: str | None
    fields: Fields
    subresource: str = ""
    stored: Obj | None = None  # the fieldsV1 read, written back as is while ``fields`` is still it

    @property
    def identity(self) -> str:
        return _identity(self.manager, self.operation, self.api_version, self.subresource)

    def describe(self) -> str:
        """printManager (internal/conflict.go): ``"kubectl" with subresource "scale" using apps/v1``."""
        text = json.dumps(self.manager)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        return f"{text} using {self.api_version}" if self.operation == UPDATE else text

    def to_json(self) -> Obj:
        entry: Obj = {"manager": self.manager, "operation": self.operation, "apiVersion": self.api_version}
        if self.time:
            entry["time"] = self.time
        entry |= {"fieldsType": "FieldsV1", "fieldsV1": encode(self.fields, self.stored)}
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


Managed = dict[str, Entry]


@lru_cache(maxsize=1024)
def _identity(manager: str, operation: str, api_version: str, subresource: str) -> str:
    """BuildManagerIdentifier: the entry's JSON without fields and time (and, for appliers, apiVersion)."""
    shown: Obj = {"manager": manager, "operation": operation}
    if operation == UPDATE:
        shown["apiVersion"] = api_version
    if subresource:
        shown["subresource"] = subresource
    return json.dumps(shown, separators=(",", ":"))


def decode_entries(value: Any, trusted: bool = False) -> Managed | None:
    """The entries of ``metadata.managedFields``; None when they are malformed (DecodeManagedFields fails). A
    stored object's are ``trusted``: written here, their trees are not checked again."""
    managed: Managed = {}
    for raw in as_list(value):
        if not isinstance(raw, dict) or raw.get("fieldsType") != "FieldsV1":
            return None
        operation, manager = raw.get("operation"), raw.get("manager")
        if operation not in (APPLY, UPDATE) or not isinstance(manager, str):
            return None
        time = raw.get("time") if isinstance(raw.get("time"), str) else None
        fields, version = decode(raw.get("fieldsV1"), trusted), str(raw.get("apiVersion", ""))
        entry = Entry(manager, operation, version, time, fields, str(raw.get("subresource", "")), fields)
        managed[entry.identity] = entry
    return managed


def encode_entries(managed: Managed) -> list[Obj]:
    """Non-empty entries in sortEncodedManagedFields order: operation, time, manager, apiVersion, subresource."""
    entries = [e for e in managed.values() if e.fields]
    entries.sort(key=lambda e: (e.operation, e.time or "", e.manager, e.api_version, e.subresource))
    return [e.to_json() for e in entries]


def store(obj: Obj, managed: Managed) -> None:
    entries = encode_entries(managed)
    if entries:
        obj["metadata"]["managedFields"] = entries
    else:
        obj["metadata"].pop("managedFields", None)


def live_or_sent(old: Obj | None, new: Obj) -> Managed:
    """decodeLiveOrNew: the request's managedFields if it sends valid ones, else the stored object's."""
    sent = as_dict(new.get("metadata")).get("managedFields")
    if sent in ([], [{}]):
        return {}
    decoded = decode_entries(sent) if sent else None
    if decoded:
        return decoded
    return (decode_entries(as_dict(old.get("metadata")).get("managedFields"), trusted=True) if old else None) or {}


def record_update(scope: Scope, old: Obj | None, new: Obj, manager: FieldManager, now: str) -> None:
    """Set ``new``'s managedFields after ``manager`` changed ``old`` (None on create) into ``new``."""
    managed = live_or_sent(old, new)
    changes = compare(old if old is not None else scope.zero(), new, scope.shape)
    changed = scope.owned(changes.changed(), manager.subresource)
    taken = union(changed, scope.owned(changes.removed, manager.subresource))
    for entry in managed.values():
        entry.fields = difference(entry.fields, taken)
    if changed:
        mine = Entry(manager.name, UPDATE, scope.api_version, now, {}, manager.subresource)
        mine = managed.setdefault(mine.identity, mine)
        mine.fields = union(mine.fields, changed)
        mine.time = now
    store(new, managed)


def conflict_error(conflicts: list[tuple[Entry, Path]]) -> KubeApiError:
    """409 Conflict with a FieldManagerConflict cause per field (internal/conflict.go NewConflictError)."""
    causes = [
        {"reason": "FieldManagerConflict", "message": f"conflict with {e.describe()}", "field": path_string(p)}
        for e, p in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {entry.describe()}: {path_string(path)}"
    else:
        lines = []
        for identity in sorted({e.identity for e, _ in conflicts}):
            owner = next(e for e, _ in conflicts if e.identity == identity)
            lines.append(f"conflicts with {owner.describe()}:")
            lines += [f"- {path_string(p)}" for e, p in conflicts if e.identity == identity]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    status: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message}
    return KubeApiError(status | {"reason": "Conflict", "details": {"causes": causes}, "code": 409})


def conflicts_of(managed: Managed, mine: str, changed: Fields) -> list[tuple[Entry, Path]]:
    """Fields that other managers own and a change touches, by manager identity then path (Set.Iterate)."""
    found = []
    for identity in sorted(k for k in managed if k != mine):
        entry = managed[identity]
        found += [(entry, path) for path in iterate(intersection(entry.fields, changed))]
    return found
