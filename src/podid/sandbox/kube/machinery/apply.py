"""Server-side apply: ``PATCH`` with ``application/apply-patch+yaml``, as kube-apiserver's field manager runs it.

sigs.k8s.io/structured-merge-diff/v4 merge/update.go ``Updater.Apply``:

1. the applied configuration is merged into the live object (``merge``: keyed lists by their keys, sets by
   value, atomic values replaced whole; ``typed/merge.go``);
2. fields the manager applied last time and leaves out now are removed, unless another manager owns them
   (``prune``, with ``addBackOwnedItems``);
3. a field another manager owns that the result changes is a conflict (409 with a ``FieldManagerConflict``
   cause per field), unless ``force=true``, which takes it from them; the manager then owns exactly the fields of
   its configuration.

k8s.io/apimachinery pkg/util/managedfields/internal adds the rest: the configuration's apiVersion must be the
object's (structuredmerge.go), it may not carry managedFields, and for ``kubectl``'s own applies the conflicts on
fields whose values the client-side ``last-applied-configuration`` annotation still holds are forced, so that
``kubectl apply --server-side`` takes over from client-side apply (lastappliedmanager.go), the annotation then
following the applied configuration (lastappliedupdater.go).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from podid.sandbox.kube.machinery.fieldpath import (
    Fields,
    MissingKey,
    compare,
    contains,
    difference,
    fields_of,
    keyed_items,
    removable,
    remove,
    union,
)
from podid.sandbox.kube.machinery.fieldtypes import Shape
from podid.sandbox.kube.machinery.managedfields import (
    APPLY,
    Entry,
    FieldManager,
    Managed,
    Scope,
    conflict_error,
    conflicts_of,
    decode_entries,
    store,
)
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_str, dig
from podid.sandbox.kube.machinery.status import bad_request, internal_error

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_KUBECTL = "kubectl"  # the only manager whose applies upgrade from client-side apply


def apply(scope: Scope, live: Obj | None, config: Obj, manager: FieldManager, force: bool, now: str) -> Obj:
    """The object ``manager``'s configuration makes of ``live`` (None: create), its managedFields updated."""
    _check(scope, config)
    base: Obj = live if live is not None else {}
    managed: Managed = decode_entries(dig(base, "metadata", "managedFields"), trusted=True) or {}
    try:
        claimed = scope.owned(fields_of(config, scope.shape), manager.subresource)
    except MissingKey as err:
        where = f"{as_str(dig(config, 'metadata', 'namespace'))}/{as_str(dig(config, 'metadata', 'name'))}"
        gvk = f"{scope.api_version}, Kind={scope.kind}"
        raise internal_error(f"failed to create typed patch object ({where}; {gvk}): {err}") from None
    applier = Entry(manager.name, APPLY, scope.api_version, None, claimed, manager.subresource)
    previous = managed.get(applier.identity)
    applier.time = previous.time if previous else None
    managed[applier.identity] = applier
    merged: Obj = merge(copy.deepcopy(base), config, scope.shape)  # pruning below changes it in place
    if previous is not None:  # what it applied before and leaves out now, unless it holds fields of others
        owned: Fields = {}
        for entry in managed.values():
            owned = union(owned, entry.fields)
        remove(merged, removable(previous.fields, owned), scope.shape)
    _settle(scope, base, merged, managed, applier, force)
    if manager.name == _KUBECTL and LAST_APPLIED in as_dict(dig(merged, "metadata", "annotations")):
        merged["metadata"]["annotations"][LAST_APPLIED] = _last_applied(config)
    if merged != base:
        applier.time = now
    store(merged, managed)
    return merged


def _check(scope: Scope, config: Obj) -> None:
    version = as_str(config.get("apiVersion"))
    if version != scope.api_version:
        raise bad_request(
            f"Incorrect version specified in apply patch. Specified patch version: {version}, "
            f"expected: {scope.api_version}"
        )
    if as_dict(config.get("metadata")).get("managedFields") is not None:
        raise bad_request("metadata.managedFields must be nil")


def _settle(scope: Scope, base: Obj, merged: Obj, managed: Managed, applier: Entry, force: bool) -> None:
    """Updater.update: conflicts, then the fields the change takes from the other managers."""
    changes = compare(base, merged, scope.shape)
    changed = scope.owned(changes.changed(), applier.subresource)
    removed = scope.owned(changes.removed, applier.subresource)
    conflicts = conflicts_of(managed, applier.identity, changed)
    if conflicts and not force and applier.manager == _KUBECTL:
        allowed = _client_side_applied(scope, base)
        conflicts = [(entry, path) for entry, path in conflicts if not contains(allowed, path)]
    if conflicts and not force:
        raise conflict_error(conflicts)
    taken = union(changed, removed)
    for identity, entry in managed.items():
        if identity != applier.identity:
            entry.fields = difference(entry.fields, taken)


def _client_side_applied(scope: Scope, live: Obj) -> Fields:
    """The fields of the last-applied-configuration annotation that still hold its values."""
    try:
        last = json.loads(as_dict(dig(live, "metadata", "annotations")).get(LAST_APPLIED) or "null")
        if not isinstance(last, dict) or last.get("apiVersion") != scope.api_version:
            return {}
        fields = fields_of(last, scope.shape)
    except (ValueError, MissingKey):
        return {}
    differ = compare(last, live, scope.shape)
    return difference(fields, union(differ.changed(), differ.removed))


def _last_applied(config: Obj) -> str:
    """buildLastApplied: the configuration without the annotation, as the unstructured JSON encoder writes it."""
    shown = copy.deepcopy(config)
    annotations = as_dict(dig(shown, "metadata", "annotations"))
    annotations.pop(LAST_APPLIED, None)
    return json.dumps(shown, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n"


# merge


def merge(live: Any, config: Any, shape: Shape) -> Any:
    """The configuration merged into the live value (neither is changed)."""
    if isinstance(live, dict) and isinstance(config, dict) and not shape.atomic:
        merged = dict(live)
        for key, value in config.items():
            if value is None:
                merged.pop(key, None)  # a null field decodes to Go's zero value: no field
            else:
                merged[key] = merge(live.get(key), value, shape.child(key))
        return merged
    if isinstance(live, list) and isinstance(config, list) and (shape.keys or shape.is_set) and not shape.atomic:
        return _merge_list(live, config, shape)
    return copy.deepcopy(config)


def _merge_list(live: list[Any], config: list[Any], shape: Shape) -> list[Any]:
    """Items of both in the configuration's order; a live-only item stays where it was among the live ones."""
    before, after, item_shape = keyed_items(live, shape), keyed_items(config, shape, strict=True), shape.item()
    left, right = list(before), list(after)
    merged, seen = [], set()
    li = ri = 0
    while li < len(left) or ri < len(right):
        if li < len(left) and left[li] in seen:
            li += 1
        elif ri < len(right) and right[ri] in seen:
            ri += 1
        else:
            if li < len(left) and (ri >= len(right) or left[li] not in after):
                element, li = left[li], li + 1
            else:
                element, ri = right[ri], ri + 1
            seen.add(element)
            if element in after:
                merged.append(merge(before.get(element), after[element], item_shape))
            else:
                merged.append(before[element])
    return merged
