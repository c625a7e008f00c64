"""Small helpers for Kubernetes objects held as plain JSON dicts.

Every module of the kube package works on the JSON the API returns, so these helpers read nested fields
defensively: a missing or wrongly typed field reads as ``None`` / empty instead of raising.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

Obj = dict[str, Any]
"""A Kubernetes object (or any JSON object) as decoded from the wire."""


def dig(value: Any, *path: str | int) -> Any:
    """Return the value at ``path`` inside nested dicts/lists, or None when any step is missing."""
    for step in path:
        if isinstance(step, str) and isinstance(value, dict):
            value = value.get(step)
        elif isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return None
    return value


def as_dict(value: Any) -> Obj:
    """``value`` if it is a JSON object, else an empty dict (never mutate the result of a miss)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    """``value`` if it is a string, else ''."""
    return value if isinstance(value, str) else ""


def as_int(value: Any, default: int = 0) -> int:
    """``value`` if it is a JSON integer (bools excluded), else ``default``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default


def labels_of(obj: Obj) -> dict[str, str]:
    """The object's ``metadata.labels`` (string values only)."""
    raw = as_dict(dig(obj, "metadata", "labels"))
    return {k: v for k, v in raw.items() if isinstance(v, str)}


def parse_time(value: Any) -> datetime | None:
    """Parse an RFC 3339 timestamp (``metav1.Time``/``MicroTime``) into an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
