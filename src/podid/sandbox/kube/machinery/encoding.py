"""Request bodies decoded within the apiserver's limits, and the JSON bytes of stored objects.

Decoding: JSON and YAML nest at most ``MAX_DEPTH`` levels, and YAML aliases may not expand a document past
go-yaml's ratio (``excessive_aliasing``), so a small hostile body cannot become a huge or deep object.

Encoding: stored objects are never mutated (a write stores a new dict), so an object's identity names one
version. The cache keeps the object alongside its bytes, which keeps that identity from being reused while it is
cached; the least recently used entries go first. Encoding dominates a 1,000-pod list and a watch fan-out.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import yaml

from podid.sandbox.core import nesting
from podid.sandbox.kube.machinery.objects import Obj

DEFAULT_ENTRIES = 4096
# The apiserver's decoders stop at 10,000 levels (Go's encoding/json scanner, maxNestingDepth, "exceeded max
# depth"; k8s.io/apimachinery/pkg/util/json maxDepth; go-yaml "exceeded max depth of 10000"). Python's stack
# cannot walk that deep, and the sandbox walks objects recursively, so it stops far sooner with the same text.
MAX_DEPTH = 100
TOO_DEEP = "exceeded max depth"
EXCESSIVE_ALIASING = "yaml: document contains excessive aliasing"


class DecodeError(ValueError):
    """A body the apiserver's decoder refuses; the message is its text."""


def loads(text: str | bytes, **options: Any) -> Any:
    """``json.loads`` within ``MAX_DEPTH`` (DecodeError past it; other errors as json.loads raises them)."""
    try:
        return nesting.loads(text, MAX_DEPTH, **options)
    except nesting.TooDeep:
        raise DecodeError(_too_deep(text)) from None


def _too_deep(text: str | bytes) -> str:
    """Go's scanner error for the bracket that opens one level too many: ``invalid character '[' exceeded max
    depth`` (encoding/json scanner.go ``pushParseState``)."""
    depth, in_string, escaped = 0, False, False
    for char in text.decode(errors="replace") if isinstance(text, bytes) else text:
        if in_string:
            in_string, escaped = (escaped or char != '"'), (not escaped and char == "\\")
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"invalid character '{char}' {TOO_DEEP}"
        elif char in "]}":
            depth -= 1
    return TOO_DEEP


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` within ``MAX_DEPTH`` and go-yaml's alias budget (DecodeError, or yaml.YAMLError)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        excessive_aliasing(node)
        value = loader.construct_document(node)
    except RecursionError:
        raise DecodeError(f"yaml: {TOO_DEEP} of 10000") from None
    finally:
        loader.dispose()
    if nesting.nests_deeper(value, MAX_DEPTH):
        raise DecodeError(f"yaml: {TOO_DEEP} of 10000")
    return value


def excessive_aliasing(root: yaml.Node) -> None:
    """go-yaml v2's guard against alias bombs (CVE-2019-11253, kubernetes/kubernetes#83253): it counts every node
    decoded, and those decoded inside an alias expansion, and fails once aliases make up more than the allowed
    share (gopkg.in/yaml.v2 decode.go ``allowedAliasRatio``). PyYAML shares an anchored node instead of copying
    it, so a node met again is an alias."""
    decoded = aliased = 0
    seen = {id(root)}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, in_alias = stack.pop()
        decoded, aliased = decoded + 1, aliased + in_alias
        if aliased > 100 and decoded > 1000 and aliased / decoded > _allowed_alias_ratio(decoded):
            raise DecodeError(EXCESSIVE_ALIASING)
        for child in reversed(_children(node)):
            again = id(child) in seen
            seen.add(id(child))
            stack.append((child, in_alias or again))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _allowed_alias_ratio(decoded: int) -> float:
    """99% of the nodes up to 400,000 decodes, scaling down to 10% at 4,000,000."""
    low, high = 400_000, 4_000_000
    if decoded <= low:
        return 0.99
    if decoded >= high:
        return 0.10
    return 0.99 - 0.89 * (decoded - low) / (high - low)


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class EncodingCache:
    def __init__(self, entries: int = DEFAULT_ENTRIES) -> None:
        self._entries: OrderedDict[int, tuple[Obj, bytes]] = OrderedDict()
        self._limit = entries

    def encode(self, obj: Obj) -> bytes:
        key = id(obj)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is obj:
            self._entries.move_to_end(key)
            return entry[1]
        data = dumps(obj)
        self._entries[key] = (obj, data)
        if len(self._entries) > self._limit:
            self._entries.popitem(last=False)
        return data

    def document(self, head: Obj, items: Iterable[Obj]) -> bytes:
        """``head`` (kind, apiVersion, metadata) with ``"items": [...]`` of cached encodings appended."""
        return dumps(head)[:-1] + b',"items":[' + b",".join(self.encode(o) for o in items) + b"]}"

    def event(self, event_type: str, obj: Obj) -> bytes:
        """One watch line."""
        return b'{"type":' + dumps(event_type) + b',"object":' + self.encode(obj) + b"}\n"
