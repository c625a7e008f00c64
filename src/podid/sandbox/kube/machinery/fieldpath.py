"""Field sets, as sigs.k8s.io/structured-merge-diff/v4's ``fieldpath`` and ``typed`` packages keep them.

A set is held as its FieldsV1 tree (fieldpath/serialize.go), the form ``managedFields`` stores: a dict of path
elements, ``f:<field>``, ``k:<keys as compact JSON>`` (an item of a list keyed by ``x-kubernetes-list-map-keys``),
``v:<JSON value>`` (an item of a set) and ``i:<index>``, each to its node: ``{}`` for a member without children,
``{".": {}, …children}`` for a member with some, ``{…children}`` for a path that only leads to members. The
operations never change their operands (results may share their nodes); ``encode`` writes a fresh, sorted tree.
The walkers read an object with its ``Shape`` (``machinery.fieldtypes``):

* ``fields_of`` is ``TypedValue.ToFieldSet`` (typed/tofieldset.go): every scalar, atomic value, list item and
  empty or null field is a member; a struct with fields is not, its fields are.
* ``compare`` is ``TypedValue.Compare`` (typed/compare.go): the paths added, modified and removed between two
  objects, a whole subtree when a field appears or disappears.
* ``remove`` is ``TypedValue.RemoveItems`` (typed/remove.go): each member is removed with its subtree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from podid.sandbox.kube.machinery.fieldtypes import Shape
from podid.sandbox.kube.machinery.objects import Obj

Fields = dict[str, Any]  # one level of a FieldsV1 tree: element → node
Path = tuple[str, ...]
_SELF = "."


class MissingKey(ValueError):
    """A keyed list's item without one of its keys (and no default for it)."""


# nodes


def is_member(node: Fields) -> bool:
    return not node or _SELF in node


def children(node: Fields) -> Fields:
    return {k: v for k, v in node.items() if k != _SELF} if _SELF in node else node


def _node(member: bool, kids: Fields) -> Fields | None:
    """A node, or None for a path that is neither a member nor leads to one."""
    if not kids:
        return {} if member else None
    return {_SELF: {}, **kids} if member else kids


# set operations (on levels: the root, or a node's children)


def union(a: Fields, b: Fields) -> Fields:
    if not a or not b:
        return a or b
    out = dict(a)
    for element, node in b.items():
        mine = out.get(element)
        if mine is None:
            out[element] = node
        elif mine is not node:
            both = _node(is_member(mine) or is_member(node), union(children(mine), children(node)))
            out[element] = both if both is not None else {}
    return out


def difference(a: Fields, b: Fields) -> Fields:
    """``a`` without the members of ``b``; ``a`` itself when they share none."""
    out = None
    for element, other in b.items():
        node = a.get(element)
        if node is None:
            continue
        kids = children(node)
        rest_kids, member = difference(kids, children(other)), is_member(node) and not is_member(other)
        if rest_kids is kids and member == is_member(node):
            continue
        out = dict(a) if out is None else out
        rest = _node(member, rest_kids)
        if rest is None:
            del out[element]
        else:
            out[element] = rest
    return a if out is None else out


def intersection(a: Fields, b: Fields) -> Fields:
    out = {}
    for element, node in a.items():
        other = b.get(element)
        if other is not None:
            both = _node(is_member(node) and is_member(other), intersection(children(node), children(other)))
            if both is not None:
                out[element] = both
    return out


def removable(previous: Fields, kept: Fields) -> Fields:
    """The members of ``previous`` that ``kept`` neither holds nor holds anything below."""
    out = {}
    for element, node in previous.items():
        other = kept.get(element)
        if other is None:
            out[element] = node
        elif (rest := _node(False, removable(children(node), children(other)))) is not None:
            out[element] = rest
    return out


def contains(fields: Fields, path: Path) -> bool:
    node: Fields | None = {_SELF: {}, **fields}
    for element in path:
        node = children(node).get(element) if node is not None else None
    return node is not None and is_member(node)


# path elements


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


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def keyed_items(value: list[Any], shape: Shape, strict: bool = False) -> dict[str, Any]:
    """A keyed list or set's items by path element (a later duplicate wins)."""
    return dict(zip(_elements(value, shape, strict), value, strict=True))


def _elements(value: list[Any], shape: Shape, strict: bool = False) -> list[str]:
    """Each item's path element. A stored object's item without its key goes by its index; an applied
    configuration's is an error (``strict``)."""
    elements = []
    for index, item in enumerate(value):
        try:
            elements.append(item_element(item, shape))
        except MissingKey:
            if strict:
                raise
            elements.append(f"i:{index}")
    return elements


def _children_of(value: Any, shape: Shape, strict: bool = False) -> dict[str, tuple[Any, Shape]] | None:
    """A granular value's children by path element with their shapes; None for a leaf (scalar or atomic)."""
    if shape.atomic:
        return None
    if isinstance(value, dict):
        return {"f:" + key: (child, shape.child(key)) for key, child in value.items()}
    if isinstance(value, list) and (shape.keys or shape.is_set):
        item = shape.item()
        return {element: (child, item) for element, child in keyed_items(value, shape, strict).items()}
    return None


# ToFieldSet


def fields_of(value: Any, shape: Shape) -> Fields:
    """The paths ``value`` sets (the fields an applied configuration claims); MissingKey for a keyless item."""
    node = _claimed(value, shape, item=False)
    return children(node) if node else {}


def _claimed(value: Any, shape: Shape, item: bool) -> Fields | None:
    found = None if value is None else _children_of(value, shape, strict=True)
    if found is None:
        return {}
    in_list = not isinstance(value, dict)
    kids = {e: n for e, (child, s) in found.items() if (n := _claimed(child, s, in_list)) is not None}
    return _node(item or value == {}, kids)


# Compare


@dataclass
class Changes:
    """Paths added, modified and removed from one object to the next."""

    added: Fields = field(default_factory=dict)
    modified: Fields = field(default_factory=dict)
    removed: Fields = field(default_factory=dict)

    def changed(self) -> Fields:
        return union(self.added, self.modified)


def compare(old: Any, new: Any, shape: Shape) -> Changes:
    changes = Changes()
    _compare_children(old, new, shape, changes)
    return changes


def _compare_children(old: Any, new: Any, shape: Shape, changes: Changes) -> bool:
    """Compare two granular values of the same kind child by child; False when they are not such a pair."""
    if shape.atomic:
        return False
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old.keys() | new.keys():
            _compare("f:" + key, old.get(key), new.get(key), shape.child(key), changes)
        return True
    if isinstance(old, list) and isinstance(new, list) and (shape.keys or shape.is_set):
        before, after, item = keyed_items(old, shape), keyed_items(new, shape), shape.item()
        for element in before.keys() | after.keys():
            _compare(element, before.get(element), after.get(element), item, changes)
        return True
    return False


def _compare(element: str, old: Any, new: Any, shape: Shape, changes: Changes) -> None:
    if old == new:  # also both None; equal subtrees are skipped at C speed
        return
    if old is None or new is None:
        target = changes.added if old is None else changes.removed
        target[element] = _everything(new if old is None else old, shape)
        return
    below = Changes()
    if _compare_children(old, new, shape, below):
        for mine, theirs in ((changes.added, below.added), (changes.modified, below.modified)):
            if theirs:
                mine[element] = theirs
        if below.removed:
            changes.removed[element] = below.removed
    elif old != new:
        changes.modified[element] = {}


def _everything(value: Any, shape: Shape) -> Fields:
    """A member node with every path below ``value`` (null fields read as absent, as zero values do)."""
    if shape.atomic:
        return {}
    if isinstance(value, dict):
        kids = {"f:" + k: _everything(v, shape.child(k)) for k, v in value.items() if v is not None}
    elif isinstance(value, list) and (shape.keys or shape.is_set):
        item = shape.item()
        kids = {e: _everything(v, item) for e, v in keyed_items(value, shape).items() if v is not None}
    else:
        return {}
    return {_SELF: {}, **kids} if kids else {}


# FieldsV1


def encode(fields: Fields, written: Obj | None = None) -> Obj:
    """The FieldsV1 tree of ``fields``, elements in PathElement order: fresh, except for the nodes it still shares
    with ``written`` (the tree it was read from, written as is)."""
    if fields is written:
        return written
    before = written or {}
    return {element: _encode(fields[element], before.get(element)) for element in _sorted(fields)}


def _sorted(fields: Fields) -> list[str]:
    """Elements in PathElement order. A map's level holds fields only, whose names sort as strings."""
    if all(element.startswith("f:") for element in fields):
        return sorted(fields)
    return sorted(fields, key=_element_order)


def _encode(node: Fields, written: Obj | None) -> Obj:
    if node is written:
        return node
    kids = children(node)
    return {_SELF: {}, **encode(kids, written)} if kids and _SELF in node else encode(kids, written)


def decode(raw: Any, trusted: bool = False) -> Fields:
    """The set a FieldsV1 tree holds: the tree itself when it is well formed (operations never change it; a
    ``trusted`` one was written here), else a copy without its malformed parts."""
    if not isinstance(raw, dict):
        return {}
    return raw if trusted or _well_formed(raw) else _cleaned(raw)


def _well_formed(level: Obj) -> bool:
    return all(isinstance(node, dict) and _well_formed(node) for node in level.values())


def _cleaned(raw: Obj) -> Fields:
    level = {}
    for element, node in raw.items():
        if element != _SELF and isinstance(node, dict):
            cleaned = _node(is_member(node), _cleaned(node))
            if cleaned is not None:
                level[element] = cleaned
    return level


@lru_cache(maxsize=4096)
def _element_order(element: str) -> tuple[int, Any]:
    """PathElement.Compare: fields, then keys, then values, then indexes; numbers compare as numbers."""
    prefix, rest = element[:2], element[2:]
    rank = "f:k:v:i:".find(prefix) // 2
    if prefix == "i:":
        return rank, (int(rest) if rest.isdigit() else 0)
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


def iterate(fields: Fields, path: Path = ()) -> list[Path]:
    """Set.Iterate's order: a level's members first, then each child's paths, elements in PathElement order."""
    elements = _sorted(fields)
    found = [(*path, e) for e in elements if is_member(fields[e])]
    for element in elements:
        found += iterate(children(fields[element]), (*path, element))
    return found


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


def remove(obj: Any, fields: Fields, shape: Shape) -> bool:
    """Remove each member (with what is below it) from ``obj`` in place; maps and lists it empties go too. True
    when ``obj`` itself was emptied so."""
    found = _children_of(obj, shape)
    if not found or not fields:
        return False
    gone = set()
    for element, node in fields.items():
        if element in found:
            child, child_shape = found[element]
            if is_member(node) or remove(child, node, child_shape):
                gone.add(element)
    if not gone:
        return False
    if isinstance(obj, dict):
        for element in gone:
            del obj[element[2:]]
    else:
        elements = _elements(obj, shape)
        obj[:] = [item for item, element in zip(obj, elements, strict=True) if element not in gone]
    return not obj
