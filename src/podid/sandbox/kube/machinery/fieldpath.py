"""Field sets, as sigs.k8s.io/structured-merge-diff/v4's ``fieldpath`` and ``typed`` packages keep them.

A path is a tuple of path elements written as ``managedFields`` writes them (FieldsV1): ``f:<field>``, ``k:<keys
as compact JSON>`` (an item of a list keyed by ``x-kubernetes-list-map-keys``), ``v:<JSON value>`` (an item of a
set) and ``i:<index>``. A set of paths is a Python set; the walkers below read an object with its ``Shape``
(``machinery.fieldtypes``):

* ``fields_of`` is ``TypedValue.ToFieldSet`` (typed/tofieldset.go): every scalar, atomic value, list item and
  empty or null field is a member; a struct with fields is not, its fields are.
* ``compare`` is ``TypedValue.Compare`` (typed/compare.go): the paths added, modified and removed between two
  objects, a whole subtree when a field appears or disappears.
* ``encode``/``decode`` are FieldsV1 (fieldpath/serialize.go): members as ``{}``, a member that has children
  marks itself with ``"."``, elements in PathElement order.
* ``remove`` is ``TypedValue.RemoveItems`` (typed/remove.go): each member is removed with its subtree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from podid.sandbox.kube.machinery.fieldtypes import Shape
from podid.sandbox.kube.machinery.objects import Obj

Path = tuple[str, ...]
FieldSet = set[Path]
_SELF = "."


class MissingKey(ValueError):
    """A keyed list's item without one of its keys (and no default for it)."""


def item_element(item: Any, shape: Shape) -> str:
    """The path element of one item of a keyed list (``k:``) or a set (``v:``)."""
    if not shape.keys:
        return "v:" + _compact(item)
    keys = {}
    for key in shape.keys:
        value = item.get(key, shape.defaults.get(key)) if isinstance(item, dict) else None
        if value is None:
            raise MissingKey(f'associative list with keys has an element that omits key field "{key}"')
        keys[key] = value
    return "k:" + _compact(dict(sorted(keys.items())))


def _element_or_none(item: Any, shape: Shape) -> str | None:
    try:
        return item_element(item, shape)
    except MissingKey:
        return None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _granular_list(value: Any, shape: Shape) -> bool:
    return isinstance(value, list) and (bool(shape.keys) or shape.is_set)


def keyed_items(value: list[Any], shape: Shape, strict: bool = False) -> dict[str, Any]:
    """A keyed list or set's items by path element (a later duplicate wins). A stored object's item without its
    key goes by its index; an applied configuration's is an error (``strict``)."""
    found = {}
    for index, item in enumerate(value):
        try:
            found[item_element(item, shape)] = item
        except MissingKey:
            if strict:
                raise
            found[f"i:{index}"] = item
    return found


# ToFieldSet


def fields_of(value: Any, shape: Shape, prefix: Path = ()) -> FieldSet:
    """The paths ``value`` sets (the fields an applied configuration claims)."""
    found: FieldSet = set()
    _collect(value, shape, prefix, found)
    return found


def _collect(value: Any, shape: Shape, path: Path, found: FieldSet) -> None:
    if isinstance(value, dict) and not shape.atomic:
        for key, child in value.items():
            child_path, child_shape = (*path, "f:" + key), shape.child(key)
            if child is None or child == {} or _leaf(child, child_shape):
                found.add(child_path)
            _collect(child, child_shape, child_path, found)
    elif _granular_list(value, shape) and not shape.atomic:
        item_shape = shape.item()
        for element, item in keyed_items(value, shape, strict=True).items():
            found.add((*path, element))
            if shape.keys:
                _collect(item, item_shape, (*path, element), found)


def _leaf(value: Any, shape: Shape) -> bool:
    """Scalars and atomic values; an empty keyed list or set is neither a leaf nor a member."""
    if shape.atomic:
        return True
    return not isinstance(value, dict) and not _granular_list(value, shape)


# Compare


class Changes:
    """Paths added, modified and removed from one object to the next."""

    def __init__(self) -> None:
        self.added: FieldSet = set()
        self.modified: FieldSet = set()
        self.removed: FieldSet = set()

    def changed(self) -> FieldSet:
        return self.added | self.modified


def compare(old: Any, new: Any, shape: Shape) -> Changes:
    changes = Changes()
    _compare(old, new, shape, (), changes)
    return changes


def _compare(old: Any, new: Any, shape: Shape, path: Path, changes: Changes) -> None:
    if old is None and new is None:
        return
    if old is None or new is None:
        side, target = (new, changes.added) if old is None else (old, changes.removed)
        target.add(path)
        _subtree(side, shape, path, target)
        return
    if isinstance(old, dict) and isinstance(new, dict) and not shape.atomic:
        for key in {**old, **new}:
            _compare(old.get(key), new.get(key), shape.child(key), (*path, "f:" + key), changes)
    elif _granular_list(old, shape) and _granular_list(new, shape) and not shape.atomic:
        before, after, item_shape = keyed_items(old, shape), keyed_items(new, shape), shape.item()
        for element in {**before, **after}:
            _compare(before.get(element), after.get(element), item_shape, (*path, element), changes)
    elif old != new:
        changes.modified.add(path)


def _subtree(value: Any, shape: Shape, path: Path, target: FieldSet) -> None:
    """Every path below a field that appeared or disappeared (null fields read as absent, as zero values do)."""
    if isinstance(value, dict) and not shape.atomic:
        for key, child in value.items():
            if child is not None:
                child_path = (*path, "f:" + key)
                target.add(child_path)
                _subtree(child, shape.child(key), child_path, target)
    elif _granular_list(value, shape) and not shape.atomic:
        item_shape = shape.item()
        for element, item in keyed_items(value, shape).items():
            target.add((*path, element))
            _subtree(item, item_shape, (*path, element), target)


# FieldsV1


def encode(fields: Iterable[Path]) -> Obj:
    """FieldsV1 JSON of a set of paths."""
    tree: Obj = {}
    members: set[Path] = set(fields)
    for path in members:
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    return _sorted_tree(tree, (), members)


def _sorted_tree(node: Obj, path: Path, members: set[Path]) -> Obj:
    out: Obj = {_SELF: {}} if node and path in members and path else {}
    for element in sorted(node, key=_element_order):
        out[element] = _sorted_tree(node[element], (*path, element), members)
    return out


def _element_order(element: str) -> tuple[int, Any]:
    """PathElement.Compare: fields, then keys, then values, then indexes; numbers compare as numbers."""
    prefix, rest = element[:2], element[2:]
    rank = "f:k:v:i:".find(prefix) // 2
    if prefix == "i:":
        return rank, int(rest)
    if prefix in ("k:", "v:"):
        return rank, _value_order(json.loads(rest))
    return rank, rest


def _value_order(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple((k, _value_order(v)) for k, v in sorted(value.items()))
    if isinstance(value, bool) or value is None:
        return (0, str(value))
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value))


def iterate(fields: Iterable[Path]) -> list[Path]:
    """Set.Iterate's order: a level's members first, then each child's paths, elements in PathElement order."""
    members = set(fields)
    found: list[Path] = []
    _iterate(encode(members), (), members, found)
    return found


def _iterate(node: Obj, path: Path, members: set[Path], found: list[Path]) -> None:
    elements = [e for e in node if e != _SELF]
    found += [(*path, e) for e in elements if (*path, e) in members]
    for element in elements:
        if node[element]:
            _iterate(node[element], (*path, element), members, found)


def decode(fields: Any) -> FieldSet:
    """The set of paths in FieldsV1 JSON (anything malformed reads as empty)."""
    found: FieldSet = set()
    if isinstance(fields, dict):
        _decode(fields, (), found)
    return found


def _decode(node: Obj, path: Path, found: FieldSet) -> None:
    for element, child in node.items():
        if element == _SELF:
            found.add(path)
        elif isinstance(child, dict):
            if not child:
                found.add((*path, element))
            _decode(child, (*path, element), found)


def path_string(path: Path) -> str:
    """fieldpath.Path.String: ``.spec.replicas``, ``.spec.containers[name="web"].image``, ``[="a"]``, ``[0]``."""
    parts = []
    for element in path:
        prefix, rest = element[:2], element[2:]
        if prefix == "f:":
            parts.append("." + rest)
        elif prefix == "k:":
            pairs = json.loads(rest).items()
            parts.append("[" + ",".join(f"{k}={_compact(v)}" for k, v in pairs) + "]")
        elif prefix == "v:":
            parts.append(f"[={rest}]")
        else:
            parts.append(f"[{rest}]")
    return "".join(parts)


# RemoveItems


def remove(obj: Obj, paths: Iterable[Path], shape: Shape) -> None:
    """Remove each path (with what is below it) from ``obj`` in place; maps and lists it empties go too. A path
    goes before the paths below it, which an item's key may be among."""
    for path in sorted(paths, key=len):
        _remove(obj, path, shape)


def prefixes(paths: Iterable[Path]) -> FieldSet:
    """Every path that has a path of ``paths`` below it."""
    return {path[:end] for path in paths for end in range(1, len(path))}


def _remove(node: Any, path: Path, shape: Shape) -> bool:
    """Remove ``path`` below ``node``; True when ``node`` is left empty by it."""
    element, rest = path[0], path[1:]
    if isinstance(node, dict) and element.startswith("f:"):
        key = element[2:]
        if key not in node or (rest and not _remove(node[key], rest, shape.child(key))):
            return False
        del node[key]
        return not node
    if _granular_list(node, shape):
        for index, item in enumerate(node):
            if _element_or_none(item, shape) == element:
                if rest and not _remove(item, rest, shape.item()):
                    return False
                del node[index]
                return not node
    return False
