"""Server-side ``meta.k8s.io/v1`` Table documents, the answer to ``Accept: application/json;as=Table;...``.

Without them kubectl 1.20 prints only NAME/AGE (the Table format:
https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables). Three sources of
columns, as in the apiserver:

* built-in kinds with a printer (``printers``): pods, services, deployments, nodes, events...;
* custom resources: Name plus the CRD's ``additionalPrinterColumns`` (an ``Age`` column when it declares none);
* any other kind (e.g. CustomResourceDefinition): the default convertor's Name and ``Created At``.

Each row carries the object per ``includeObject``: ``Metadata`` (the default, a PartialObjectMetadata),
``Object`` (the full object) or ``None``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, dig, parse_time
from podid.sandbox.kube.machinery.resources import PrinterColumn, ResourceType
from podid.sandbox.kube.machinery.status import bad_request, not_supported
from podid.sandbox.kube.printing.columns import CREATED_DESCRIPTION, NAME, Column, age, name_of
from podid.sandbox.kube.printing.controllers import BEFORE_1_30
from podid.sandbox.kube.printing.pods import pod_conditions
from podid.sandbox.kube.printing.printers import PRINTERS

INCLUDE_OBJECT = ("Metadata", "None", "Object")
_CRD_AGE = PrinterColumn("Age", "date", ".metadata.creationTimestamp", CREATED_DESCRIPTION)


def render_table(
    rt: ResourceType,
    objects: Iterable[Obj],
    *,
    now: datetime,
    resource_version: str = "",
    continue_token: str = "",
    include_object: str = "",
    kubernetes_version: str = "",
) -> Obj:
    """The Table for a list (or for one object, passed as a one-item list), as a cluster of ``kubernetes_version``
    (``1.29.4``; the newest release when empty) prints it."""
    include = include_object or "Metadata"
    if include not in INCLUDE_OBJECT:
        raise bad_request(str(not_supported("includeObject", include_object, INCLUDE_OBJECT)))
    columns, cells = _layout(rt, kubernetes_version)
    rows = [_row(obj, cells(obj, now), include, rt.kind == "Pod") for obj in objects]
    metadata: Obj = {"resourceVersion": resource_version} if resource_version else {}
    if continue_token:
        metadata["continue"] = continue_token
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": [c.definition() for c in columns],
        "rows": rows,
    }


def _row(obj: Obj, cells: list[Any], include: str, is_pod: bool) -> Obj:
    row: Obj = {"cells": cells}
    conditions = pod_conditions(obj) if is_pod else []
    if conditions:
        row["conditions"] = conditions
    if include == "Object":
        row["object"] = obj
    elif include == "Metadata":
        metadata = as_dict(obj.get("metadata"))
        row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}
    return row


def _layout(rt: ResourceType, version: str) -> tuple[tuple[Column, ...], Callable[[Obj, datetime], list[Any]]]:
    if rt.custom:
        printer_columns = rt.printer_columns or (_CRD_AGE,)
        columns = (NAME, *(_crd_column(c) for c in printer_columns))
        return columns, lambda obj, now: [name_of(obj), *(_crd_cell(obj, c, now) for c in printer_columns)]
    printer = (BEFORE_1_30.get(rt.kind) if _before_1_30(version) else None) or PRINTERS.get(rt.kind)
    if printer is not None:
        return printer.columns, printer.row
    created_at = Column("Created At", "date", CREATED_DESCRIPTION)
    return (NAME, created_at), lambda obj, _now: [name_of(obj), _rfc3339(dig(obj, "metadata", "creationTimestamp"))]


def _before_1_30(version: str) -> bool:
    major, _, rest = version.partition(".")
    minor = rest.partition(".")[0]
    return major == "1" and minor.isdigit() and int(minor) < 30


def _rfc3339(value: Any) -> str:
    """The default convertor's ``Created At`` (Go's zero time when unset)."""
    when = parse_time(value)
    return (when or datetime(1, 1, 1, tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _crd_column(column: PrinterColumn) -> Column:
    description = column.description or f"Custom resource definition column (in JSONPath format): {column.json_path}"
    return Column(column.name, column.type, description, column.format, column.priority)


def _crd_cell(obj: Obj, column: PrinterColumn, now: datetime) -> Any:
    """A printer-column cell: strings printed as jsonpath prints them, dates as ages, other types as JSON."""
    value = dig(obj, *column.json_path.lstrip(".").split("."))
    if value is None:
        return None
    if column.type == "date":
        return age(value, now) if parse_time(value) else "<invalid>"
    if column.type == "string":
        return _jsonpath_text(value)
    if column.type == "integer":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if column.type == "number":
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if column.type == "boolean":
        return value if isinstance(value, bool) else None
    return value


def _jsonpath_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))
