"""SDK models → the JSON the Azure CLI prints.

az prints a model's Python attributes (flattened, e.g. an identity's ``clientId`` at the top level, not under
``properties``) with camelCase keys, every declared attribute present (``null`` when unset), and adds
``resourceGroup`` to every object whose ``id`` is a resource inside a resource group (knack's ``todict`` and
azure-cli's ``_add_resource_group``). This works for both SDK model generations: msrest models and the
newer typespec ("hybrid") ones.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from azure.core.serialization import attribute_list, is_generated_model

_CAMEL = re.compile(r"(?!^)_([a-zA-Z])")


def camel(name: str) -> str:
    return _CAMEL.sub(lambda found: found.group(1).upper(), name)


def _plain(value: Any) -> Any:
    if is_generated_model(value):
        return {camel(name): _plain(getattr(value, name, None)) for name in attribute_list(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return value.decode()
    return value


def _resource_group(resource_id: str) -> str | None:
    parts = resource_id.split("/")
    # az's _parse_id needs parts[8]: a resource group's own id gets no resourceGroup key
    if len(parts) > 8 and parts[3].lower() == "resourcegroups":
        return parts[4]
    return None


def _add_resource_group(value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _add_resource_group(item)
    elif isinstance(value, dict):
        if "resourceGroup" not in value and isinstance(value.get("id"), str):
            group = _resource_group(value["id"])
            if group is not None:
                value["resourceGroup"] = group
        for item in list(value.values()):
            _add_resource_group(item)


def az_json(value: Any) -> Any:
    """What ``az … -o json`` shows for an SDK result (a model, a list of models, or plain data)."""
    plain = _plain(value)
    _add_resource_group(plain)
    return plain
