"""JSON bytes of stored objects, encoded once per object version and shared by lists and every watcher.

Stored objects are never mutated (a write stores a new dict), so an object's identity names one version. The
cache keeps the object alongside its bytes, which keeps that identity from being reused while it is cached;
the least recently used entries go first. Encoding dominates a 1,000-pod list and a watch fan-out.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable

from podid.sandbox.kube._objects import Obj

DEFAULT_ENTRIES = 4096


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
