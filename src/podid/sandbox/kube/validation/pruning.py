"""Structural schemas of the aad-pod-identity v1 CRDs: pruning of unknown fields and type checks.

The CRDs have structural schemas without ``x-kubernetes-preserve-unknown-fields``, so the apiserver silently
drops every field the schema does not name, including keys with the wrong case (``ResourceID``, ``ClientID``,
``AzureIdentity``...; Azure/aad-pod-identity charts/aad-pod-identity/crds/crd.yaml and the README's "v1.6.0
Breaking Change"). MIC then sees an empty ``resourceID`` and logs ``invalid resource id: ""``, which is the
behaviour users hit after v1.6.0 and the sandbox must reproduce.

Pruning follows apiextensions' algorithm: ``apiVersion``/``kind``/``metadata`` survive at the root and in
embedded resources (``azureIdentityRef``, ``azureBindingRef``); an object with neither ``properties`` nor
``additionalProperties`` (the odd ``spec.metadata: {type: object}`` of these CRDs) keeps no fields at all.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.status import FieldError, invalid_value


@dataclass(frozen=True)
class Schema:
    """The structural-schema keywords these CRDs use."""

    type: str
    properties: Mapping[str, Schema] = field(default_factory=dict)
    additional: Schema | None = None
    items: Schema | None = None
    nullable: bool = False
    embedded: bool = False  # x-kubernetes-embedded-resource


def _object(embedded: bool = False, **properties: Schema) -> Schema:
    return Schema("object", properties, embedded=embedded)


_STRING = Schema("string")
_INTEGER = Schema("integer")
_OPAQUE = Schema("object")  # `metadata: {type: object}` inside spec/status: everything in it is pruned
_RESOURCE_META = {"apiVersion": _STRING, "kind": _STRING, "metadata": Schema("object")}
_REPLICAS_STATUS = _object(metadata=_OPAQUE, availableReplicas=_INTEGER)

_IDENTITY_SPEC = _object(
    metadata=_OPAQUE,
    type=_INTEGER,
    resourceID=_STRING,
    clientID=_STRING,
    clientPassword=_object(name=_STRING, namespace=_STRING),
    tenantID=_STRING,
    auxiliaryTenantIDs=Schema("array", items=_STRING, nullable=True),
    adResourceID=_STRING,
    adEndpoint=_STRING,
    replicas=Schema("integer", nullable=True),
)
_BINDING_SPEC = _object(metadata=_OPAQUE, azureIdentity=_STRING, selector=_STRING, weight=_INTEGER)


def _resource(spec: Schema, status: Schema, embedded: bool = False) -> Schema:
    return _object(embedded, **_RESOURCE_META, spec=spec, status=status)


_IDENTITY = _resource(_IDENTITY_SPEC, _REPLICAS_STATUS, embedded=True)
_BINDING = _resource(_BINDING_SPEC, _REPLICAS_STATUS, embedded=True)

SCHEMAS: Mapping[str, Schema] = {
    "AzureIdentity": _IDENTITY,
    "AzureIdentityBinding": _BINDING,
    "AzureAssignedIdentity": _resource(
        _object(
            metadata=_OPAQUE,
            azureIdentityRef=_IDENTITY,
            azureBindingRef=_BINDING,
            pod=_STRING,
            podNamespace=_STRING,
            nodename=_STRING,
            replicas=Schema("integer", nullable=True),
        ),
        _object(metadata=_OPAQUE, availableReplicas=_INTEGER, status=_STRING),
    ),
    "AzurePodIdentityException": _resource(
        _object(metadata=_OPAQUE, podLabels=Schema("object", additional=_STRING)),
        _object(metadata=_OPAQUE, status=_STRING),
    ),
}


def prune(obj: Obj, kind: str) -> Obj:
    """A copy of the custom resource ``obj`` without the fields its schema does not declare."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        return copy.deepcopy(obj)
    pruned: Obj = _prune(obj, schema, resource_root=True)
    return pruned


def _prune(value: Any, schema: Schema, resource_root: bool = False) -> Any:
    if isinstance(value, list):
        return [_prune(v, schema.items) if schema.items else copy.deepcopy(v) for v in value]
    if not isinstance(value, dict):
        return value
    kept: Obj = {}
    for key, child in value.items():
        if (resource_root or schema.embedded) and _is_resource_meta(key, child):
            kept[key] = copy.deepcopy(child)
        elif key in schema.properties:
            kept[key] = _prune(child, schema.properties[key])
        elif schema.additional is not None:
            kept[key] = _prune(child, schema.additional)
    return kept


def _is_resource_meta(key: str, value: Any) -> bool:
    return (key in ("apiVersion", "kind") and isinstance(value, str)) or (key == "metadata" and isinstance(value, dict))


def schema_errors(obj: Obj, kind: str) -> list[FieldError]:
    """Type errors of a (pruned) custom resource, as ``<path> in body must be of type <type>: "<actual>"``."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        return []
    return [e for key in ("spec", "status") if key in obj for e in type_errors(obj[key], schema.properties[key], key)]


def type_errors(value: Any, schema: Schema, path: str) -> list[FieldError]:
    """The type errors of ``value`` against ``schema``, with field paths below ``path``."""
    actual = _json_type(value)
    if actual == "null" and schema.nullable:
        return []
    if not _conforms(actual, value, schema.type):
        detail = f"{path} in body must be of type {schema.type}: {json.dumps(actual)}"
        return [invalid_value(path, actual, detail)]
    if isinstance(value, list) and schema.items is not None:
        return [e for i, v in enumerate(value) for e in type_errors(v, schema.items, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [e for key, v in value.items() for e in _child_errors(key, v, schema, path)]
    return []


def _child_errors(key: str, value: Any, schema: Schema, path: str) -> list[FieldError]:
    child = schema.properties.get(key, schema.additional)
    if child is None or (schema.embedded and key in _RESOURCE_META):
        return []
    return type_errors(value, child, f"{path}.{key}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _conforms(actual: str, value: Any, expected: str) -> bool:
    if expected == "integer" and actual == "number":
        return float(value).is_integer()  # JSON 1.0 is an integer to the apiserver
    if expected == "number":
        return actual in ("integer", "number")
    return actual == expected
