"""Strategic merge patch, applied as the apiserver applies ``application/strategic-merge-patch+json``.

A port of ``mergeMap``/``mergeSlice`` from k8s.io/apimachinery/pkg/util/strategicpatch (MergeParallelList and
IgnoreUnmatchedNulls on). The Go struct tags (``patchStrategy``/``patchMergeKey``) become the small schemas below:
lists not named there are replaced whole, objects are always merged. The order rules are Go's too, including
that an item new to a merging list goes *first* unless ``$setElementOrder`` says otherwise.

Where Go would copy a directive or a null into the object and rely on decoding into a struct to drop it, we
drop it ourselves (``_clean``), since our objects stay plain JSON.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.status import KubeApiError, bad_request, unknown_error, unprocessable

_ORDER = "$setElementOrder"
_DELETE_FROM = "$deleteFromPrimitiveList"
_RETAIN = "$retainKeys"
_PATCH = "$patch"
_BAD_ORDER = "invalid patch format of setElementOrder list"


@dataclass(frozen=True)
class Field:
    """Patch metadata of one field: whether its list merges (and by which key) and its children's metadata."""

    merge: bool = False
    merge_key: str | None = None
    child: Mapping[str, Field] = field(default_factory=dict)


Schema = Mapping[str, Field]
_PLAIN = Field()


def _obj(children: Schema) -> Field:
    return Field(child=children)


def _merging(key: str | None = None, children: Schema | None = None) -> Field:
    return Field(merge=True, merge_key=key, child=children or {})


_META = _obj({"finalizers": _merging(), "ownerReferences": _merging("uid")})
META_SCHEMA = _META  # every kind's metadata (server-side apply's field types start from these tables too)
_CONTAINER: Schema = {
    "ports": _merging("containerPort"),
    "env": _merging("name"),
    "volumeMounts": _merging("mountPath"),
    "volumeDevices": _merging("devicePath"),
}
_POD_SPEC = _obj(
    {
        "volumes": _merging("name"),
        "initContainers": _merging("name", _CONTAINER),
        "containers": _merging("name", _CONTAINER),
        "ephemeralContainers": _merging("name", _CONTAINER),
        "imagePullSecrets": _merging("name"),
        "hostAliases": _merging("ip"),
        "topologySpreadConstraints": _merging("topologyKey"),
        "resourceClaims": _merging("name"),
        "schedulingGates": _merging("name"),
    }
)
_CONDITIONS = _obj({"conditions": _merging("type")})
_TEMPLATE = _obj({"metadata": _META, "spec": _POD_SPEC})

KIND_SCHEMAS: Mapping[str, Schema] = {
    "Pod": {
        "spec": _POD_SPEC,
        "status": _obj(
            {
                "conditions": _merging("type"),
                "podIPs": _merging("ip"),
                "hostIPs": _merging("ip"),
            }
        ),
    },
    "Deployment": {"spec": _obj({"template": _TEMPLATE}), "status": _CONDITIONS},
    "ReplicaSet": {"spec": _obj({"template": _TEMPLATE}), "status": _CONDITIONS},
    "Service": {"spec": _obj({"ports": _merging("port")}), "status": _CONDITIONS},
    "Node": {
        "spec": _obj({"podCIDRs": _merging()}),
        "status": _obj(
            {
                "conditions": _merging("type"),
                "addresses": _merging("type"),
            }
        ),
    },
    "Namespace": {"status": _CONDITIONS},
    "ServiceAccount": {"secrets": _merging("name")},
}


def strategic_merge_patch(original: Obj, patch: Obj, kind: str) -> Obj:
    """Apply ``patch`` to a copy of ``original`` (a built-in object of ``kind``)."""
    schema = {"metadata": _META, **KIND_SCHEMAS.get(kind, {})}
    return _merge_map(copy.deepcopy(original), copy.deepcopy(patch), schema)


def go_format(value: Any) -> str:
    """Go's ``%v`` of decoded JSON, for error texts such as ``map[image:nginx]``."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_format(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _no_merge_key(item: Any, key: str) -> KubeApiError:
    return unknown_error(f"map: {go_format(item)} does not contain declared merge key: {key}")


def _clean(value: Any) -> Any:
    """Drop directives and nulls from a value taken over from the patch as is."""
    if isinstance(value, dict):
        return _clean_map(value)
    if isinstance(value, list):
        return [_clean(v) for v in value if not (isinstance(v, dict) and _PATCH in v)]
    return value


def _clean_map(value: Obj) -> Obj:
    return {k: _clean(v) for k, v in value.items() if not k.startswith("$") and v is not None}


def _merge_map(original: Obj, patch: Obj, schema: Schema) -> Obj:
    if _PATCH in patch:
        return _map_directive(patch)
    _apply_retain_keys(original, patch)
    _apply_element_orders(original, patch, schema)
    for key, value in patch.items():
        if key.startswith(_DELETE_FROM):
            _delete_from_list(original, key, value)
        elif key.startswith("$"):
            continue
        elif value is None:
            original.pop(key, None)
        elif key not in original:
            original[key] = _clean(value)
        else:
            original[key] = _merge_value(original[key], value, schema.get(key, _PLAIN))
    return original


def _merge_value(original: Any, patch: Any, spec: Field) -> Any:
    if isinstance(original, dict) and isinstance(patch, dict):
        return _merge_map(original, patch, spec.child)
    if isinstance(original, list) and isinstance(patch, list) and spec.merge:
        return _merge_list(original, patch, spec)
    return _clean(patch)


def _map_directive(patch: Obj) -> Obj:
    directive = patch[_PATCH]
    if directive == "replace":
        return _clean_map(patch)
    if directive == "delete":
        return {}
    raise unknown_error(f"unknown patch type: {go_format(directive)} in map: {go_format(patch)}")


def _apply_retain_keys(original: Obj, patch: Obj) -> None:
    if _RETAIN not in patch:
        return
    retained = patch.pop(_RETAIN)
    if not isinstance(retained, list):
        raise bad_request("invalid patch format of retainKeys")
    for key, value in patch.items():
        directive = key.startswith((_DELETE_FROM, _ORDER))
        if value is not None and not directive and key not in retained:
            raise bad_request("invalid patch format of retainKeys")
    for key in [k for k in original if k not in retained]:
        del original[key]


def _directive_target(key: str, prefix: str, error: str) -> str:
    head, _, target = key.partition("/")
    if head != prefix or not target:
        raise bad_request(error)
    return target


def _delete_from_list(original: Obj, key: str, values: Any) -> None:
    name = _directive_target(key, _DELETE_FROM, "invalid patch format of primitive list")
    current = original.get(name)
    if isinstance(current, list) and isinstance(values, list):
        original[name] = [v for v in current if v not in values]


def _apply_element_orders(original: Obj, patch: Obj, schema: Schema) -> None:
    """Process ``$setElementOrder/<list>`` together with ``<list>``, removing both from the patch."""
    for key in [k for k in patch if k.startswith(_ORDER)]:
        order = patch.pop(key)
        name = _directive_target(key, _ORDER, _BAD_ORDER)
        if not isinstance(order, list) or not isinstance(patch.get(name, []), list):
            raise bad_request(_BAD_ORDER)
        spec = schema.get(name, _PLAIN)
        # Only merging lists take an order; other lists are patched as usual.
        if spec.merge and (name in original or name in patch):
            _order_list(original, name, patch.pop(name, None), order, spec)


def _order_list(original: Obj, name: str, incoming: list[Any] | None, order: list[Any], spec: Field) -> None:
    current = original.get(name)
    _validate_order(incoming or [], order, spec.merge_key)
    if not isinstance(current, list):
        if incoming is None:
            return
        merged, current = _clean(incoming), []
    elif incoming is None:
        merged = current
    else:
        merged = _merge_list(current, incoming, spec)
    ordered, server_only = _partition(merged, order, spec.merge_key)
    original[name] = _normalize(ordered, server_only, order, current, spec.merge_key)


def _validate_order(items: list[Any], order: list[Any], key: str | None) -> None:
    """The patch list must follow the order list (deletions aside), as validatePatchWithSetOrderList checks."""
    if not items or not order:
        return
    kept = [i for i in items if not (key and isinstance(i, dict) and i.get(_PATCH) == "delete")]
    pi = si = 0
    while pi < len(kept) and si < len(order):
        if isinstance(kept[pi], dict) and _PATCH in kept[pi]:
            pi += 1
            continue
        if _key_of(kept[pi], key) == _key_of(order[si], key):
            pi += 1
        si += 1
    if pi < len(kept):
        raise unknown_error(
            f"The order in patch list:\n{go_format(items)}\n doesn't match {_ORDER} list:\n{go_format(order)}\n"
        )


def _key_of(item: Any, key: str | None) -> Any:
    if key is None:
        return item
    if not isinstance(item, dict) or key not in item:
        raise _no_merge_key(item, key)
    return item[key]


def _merge_list(original: list[Any], patch: list[Any], spec: Field) -> list[Any]:
    if not original and not patch:
        return []
    items = original + patch
    if any(isinstance(i, list) for i in items):
        raise unprocessable()  # lists of lists are not supported
    if not all(isinstance(i, dict) for i in items):
        if any(isinstance(i, dict) for i in items):
            raise unknown_error(f"list element types are not identical: {go_format([original, patch])}")
        ordered, server_only = _partition(list(dict.fromkeys(items)), patch, None)
        return _normalize(ordered, server_only, patch, original, None)
    if spec.merge_key is None:
        raise unknown_error("cannot merge lists without merge key for type map")
    return _merge_object_list(original, patch, spec)


def _merge_object_list(original: list[Any], patch: list[Any], spec: Field) -> list[Any]:
    key = spec.merge_key
    assert key is not None
    current, plain = list(original), []
    for item in patch:
        directive = item.get(_PATCH)
        if _PATCH not in item:
            plain.append(item)
        elif directive == "delete":
            value = _key_of(item, key)
            current = [c for c in current if not (key in c and c[key] == value)]
        elif directive == "replace":
            return [_clean(i) for i in patch if _PATCH not in i]
        elif directive == "merge":
            raise unknown_error("merging lists cannot yet be specified in the patch")
        else:
            raise unknown_error(f"unknown patch type: {go_format(directive)} in map: {go_format(item)}")
    merged = list(current)
    for item in plain:
        value = _key_of(item, key)
        index = next((i for i, c in enumerate(merged) if key in c and c[key] == value), None)
        if index is None:
            merged.append(_clean(item))
        else:
            merged[index] = _merge_map(merged[index], item, spec.child)
    ordered, server_only = _partition(merged, plain, key)
    return _normalize(ordered, server_only, plain, current, key)


def _index(items: list[Any], item: Any, key: str | None) -> int:
    wanted = item.get(key) if key and isinstance(item, dict) else item
    for i, candidate in enumerate(items):
        value = candidate.get(key) if key and isinstance(candidate, dict) else candidate
        if value == wanted:
            return i
    return -1


def _partition(merged: list[Any], by: list[Any], key: str | None) -> tuple[list[Any], list[Any]]:
    """Split ``merged`` into items named in ``by`` and server-only items, keeping their order."""
    wanted = [_key_of(i, key) for i in by] if key else by
    inside = [m for m in merged if _key_of(m, key) in wanted]
    return inside, [m for m in merged if _key_of(m, key) not in wanted]


def _normalize(
    ordered: list[Any], server_only: list[Any], order: list[Any], server_order: list[Any], key: str | None
) -> list[Any]:
    """normalizeElementOrder: sort each part by its own order list, then interleave by the live order."""
    if key:
        for item in ordered + server_only + order + server_order:
            _key_of(item, key)  # every item of a merging list needs its merge key
    ordered = _sorted_by(ordered, order, key)
    server_only = _sorted_by(server_only, server_order, key)
    return _merge_sorted(server_only, ordered, server_order, key)


def _sorted_by(items: list[Any], order: list[Any], key: str | None) -> list[Any]:
    def position(item: Any) -> int:
        found = _index(order, item, key)
        return found if found >= 0 else len(order)

    return sorted(items, key=position)


def _merge_sorted(left: list[Any], right: list[Any], server_order: list[Any], key: str | None) -> list[Any]:
    """mergeSortedSlice: a left (server-only) item goes first only if the live order puts it first."""
    merged: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            merged.append(left[i])
            i += 1
            continue
        if i < len(left):
            li, ri = _index(server_order, left[i], key), _index(server_order, right[j], key)
            if li >= 0 and ri >= 0 and li < ri:
                merged.append(left[i])
                i += 1
                continue
        merged.append(right[j])
        j += 1
    return merged
