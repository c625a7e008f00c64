"""Table column definitions and the cell formats every printer shares (names, ages, ``<none>``).

Ages are ``duration.HumanDuration`` of k8s.io/apimachinery, so they read exactly like kubectl's AGE column.
Time is always a parameter (``now``): nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig, parse_time
from podid.sandbox.kube.machinery.selectors import SelectorError, selector_from_map, selector_from_object

NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some resources may "
    "allow a client to request the generation of an appropriate name automatically. Name is primarily intended "
    "for creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATED_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
    "It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. "
    "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)


@dataclass(frozen=True)
class Column:
    """A TableColumnDefinition."""

    name: str
    type: str = "string"
    description: str = ""
    format: str = ""
    priority: int = 0

    def definition(self) -> Obj:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


NAME = Column("Name", format="name", description=NAME_DESCRIPTION)
AGE = Column("Age", description=CREATED_DESCRIPTION)


def wide(name: str, description: str) -> Column:
    """A priority-1 column: sent always, shown by kubectl only with ``-o wide``."""
    return Column(name, description=description, priority=1)


@dataclass(frozen=True)
class Printer:
    """The columns of one kind and the function computing a row's cells."""

    columns: tuple[Column, ...]
    row: Callable[[Obj, datetime], list[Any]]


def human_duration(seconds: float) -> str:
    """duration.HumanDuration: ``5s``, ``3m2s``, ``15m``, ``4h``, ``9h``, ``2d``, ``3d4h``, ``2y``."""
    if int(seconds) < -1:
        return "<invalid>"
    if seconds < 120:
        return f"{max(int(seconds), 0)}s"
    minutes, hours = int(seconds // 60), int(seconds // 3600)
    if minutes < 10:
        return _pair(minutes, "m", int(seconds) % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return _pair(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _pair(hours // 24, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        return _pair(hours // 24 // 365, "y", (hours // 24) % 365, "d")
    return f"{hours // 24 // 365}y"


def _pair(major: int, major_unit: str, minor: int, minor_unit: str) -> str:
    return f"{major}{major_unit}" if minor == 0 else f"{major}{major_unit}{minor}{minor_unit}"


def age(timestamp: Any, now: datetime) -> str:
    """translateTimestampSince: ``<unknown>`` for a missing timestamp."""
    when = timestamp if isinstance(timestamp, datetime) else parse_time(timestamp)
    if when is None:
        return "<unknown>"
    return human_duration((now - when).total_seconds())


def created(obj: Obj, now: datetime) -> str:
    """The Age cell: time since ``metadata.creationTimestamp``."""
    return age(dig(obj, "metadata", "creationTimestamp"), now)


def name_of(obj: Obj) -> str:
    return as_str(dig(obj, "metadata", "name"))


def or_none(text: str) -> str:
    return text or "<none>"


def first_three(items: list[str], total: int) -> str:
    """The first three of ``total`` items, then `` + N more...`` (printers.go's lists of hosts and addresses)."""
    shown = ",".join(items[:3])
    return f"{shown} + {total - 3} more..." if total > 3 else shown


def template_cells(spec: Obj, set_based: bool = True) -> list[str]:
    """Containers, Images and Selector, the wide cells of workloads (a ReplicationController's selector is a map)."""
    containers = [as_dict(c) for c in as_list(dig(spec, "template", "spec", "containers"))]
    try:
        raw = spec.get("selector")
        selector = str(selector_from_object(raw) if set_based else selector_from_map(as_dict(raw)))
    except SelectorError:
        selector = "<invalid>"
    names = ",".join(as_str(c.get("name")) for c in containers)
    return [names, ",".join(as_str(c.get("image")) for c in containers), selector]


TEMPLATE_COLUMNS = (
    wide("Containers", "Names of each container in the template."),
    wide("Images", "Images referenced by each container in the template."),
)
