"""How deeply a decoded JSON (or YAML) document nests, measured without recursion.

Python's stack holds about a thousand frames, and much of the sandbox walks documents recursively (copies,
merges, validation, encoding), so every surface refuses bodies nested deeper than its service's limit before
anything else touches them. ``json.loads`` itself raises RecursionError near that depth, which counts as too deep.
"""

from __future__ import annotations

import json
from typing import Any


class TooDeep(ValueError):
    """The document nests deeper than allowed (or than the decoder could follow)."""


def nests_deeper(value: Any, limit: int) -> bool:
    """Whether any object or array in ``value`` sits more than ``limit`` levels down (the top one is level 1)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads(text: str | bytes, limit: int, **options: Any) -> Any:
    """``json.loads`` that raises TooDeep past ``limit`` levels (other errors as json.loads raises them)."""
    try:
        value = json.loads(text, **options)
    except RecursionError:
        raise TooDeep(limit) from None
    # Cheap bound first: a document with no more brackets than the limit cannot nest deeper than it.
    if _brackets(text) > limit and nests_deeper(value, limit):
        raise TooDeep(limit)
    return value


def _brackets(text: str | bytes) -> int:
    if isinstance(text, bytes):
        return text.count(b"[") + text.count(b"{")
    return text.count("[") + text.count("{")
