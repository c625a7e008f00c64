"""How server-side apply sees a kind's fields: which values are atomic, which lists are keyed maps or sets.

kube-apiserver builds this from the OpenAPI schemas (``x-kubernetes-list-type``, ``x-kubernetes-list-map-keys``,
``x-kubernetes-map-type``; k8s.io/apimachinery pkg/util/managedfields typeconverter.go). For the built-in kinds it
is derived here from the strategic-merge patch metadata (``machinery.strategic``): a list merging by a key is a
keyed map, a merging list without one a set, any other list atomic. Where the list map keys differ from the
patch merge key (``ports``: ``containerPort`` and ``protocol``), and for the atomic structs and maps
(``+structType=atomic``/``+mapType=atomic`` in k8s.io/api: label selectors, ``nodeSelector``, ``roleRef``, the
``valueFrom`` references), the table below says so. Custom resources follow their CRD's structural schema (the
same extensions; a list without ``x-kubernetes-list-type`` is atomic), objects without one are granular.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.machinery.strategic import KIND_SCHEMAS, META_SCHEMA, Field

# x-kubernetes-list-map-keys where a list has more than its patch merge key, with the keys' OpenAPI defaults
_LIST_MAP_KEYS = {
    "containerPort": ("containerPort", "protocol"),
    "port": ("port", "protocol"),
    "topologyKey": ("topologyKey", "whenUnsatisfiable"),
}
_KEY_DEFAULTS = {"protocol": "TCP"}
# atomic structs and maps of the built-in kinds, by field name (k8s.io/api's +structType/+mapType=atomic)
_ATOMIC_FIELDS = frozenset(
    {
        "selector",  # LabelSelector; a Service's and a ReplicationController's selector map
        "podSelector",
        "namespaceSelector",
        "labelSelector",
        "nodeSelector",
        "roleRef",
        "configMapKeyRef",
        "secretKeyRef",
        "fieldRef",
        "resourceFieldRef",
        "involvedObject",
        "related",
        "regarding",
    }
)
_ATOMIC_ITEMS = frozenset({"imagePullSecrets", "secrets"})  # LocalObjectReference, ObjectReference items
# kinds whose pod template is a Deployment's (the strategic metadata names Deployments and ReplicaSets)
_TEMPLATE_KINDS = ("DaemonSet", "Job", "ReplicationController")


@dataclass(frozen=True)
class Shape:
    """One field's type as far as ownership goes. A list is a keyed map (``keys``), a set, or atomic."""

    atomic: bool = False
    keys: tuple[str, ...] = ()
    is_set: bool = False
    fields: Mapping[str, Shape] = field(default_factory=dict)  # a struct's fields
    items: Shape | None = None  # a keyed list's items
    values: Shape | None = None  # a map's values (additionalProperties)
    builtin: bool = False  # unknown fields follow the built-in kinds' rules (atomic by name)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # the list map keys' defaults

    def child(self, name: str) -> Shape:
        found = self.fields.get(name) or self.values
        if found is not None:
            return found
        if self.builtin:
            return _ATOMIC if name in _ATOMIC_FIELDS else _BUILTIN
        return _CUSTOM

    def item(self) -> Shape:
        return self.items or (_BUILTIN if self.builtin else _CUSTOM)


_ATOMIC = Shape(atomic=True)
_BUILTIN = Shape(builtin=True)
_CUSTOM = Shape()


def _from_strategic(spec: Field, name: str) -> Shape:
    children = {key: _from_strategic(child, key) for key, child in spec.child.items()}
    if spec.merge and spec.merge_key:
        keys = _LIST_MAP_KEYS.get(spec.merge_key, (spec.merge_key,))
        item = _ATOMIC if name in _ATOMIC_ITEMS else Shape(fields=children, builtin=True)
        return Shape(keys=keys, items=item, builtin=True, defaults=_KEY_DEFAULTS)
    if spec.merge:
        return Shape(is_set=True, builtin=True)
    if name in _ATOMIC_FIELDS:
        return _ATOMIC
    return Shape(fields=children, builtin=True)


@cache
def shape_of(kind: str, custom: bool = False) -> Shape:
    """The shape of a whole object of ``kind``."""
    if custom:
        return _CUSTOM
    schema = KIND_SCHEMAS.get("Deployment" if kind in _TEMPLATE_KINDS else kind, {})
    fields = {key: _from_strategic(spec, key) for key, spec in {"metadata": META_SCHEMA, **schema}.items()}
    return Shape(fields=fields, builtin=True)


def custom_shape(crd: Obj, version: str) -> Shape:
    """The shape of a custom resource of ``version`` of ``crd`` (its served openAPIV3Schema)."""
    for served in as_list(dig(crd, "spec", "versions")):
        if dig(served, "name") == version:
            return _from_openapi(as_dict(dig(served, "schema", "openAPIV3Schema")))
    return _CUSTOM


def _from_openapi(schema: Obj) -> Shape:
    if schema.get("type") == "array":
        items = as_dict(schema.get("items"))
        if schema.get("x-kubernetes-list-type") == "set":
            return Shape(is_set=True)
        if schema.get("x-kubernetes-list-type") != "map":
            return _ATOMIC
        keys = tuple(as_str(k) for k in as_list(schema.get("x-kubernetes-list-map-keys")))
        properties = as_dict(items.get("properties"))
        defaults = {k: dig(properties, k, "default") for k in keys if dig(properties, k, "default") is not None}
        return Shape(keys=keys, items=_from_openapi(items), defaults=defaults)
    if schema.get("x-kubernetes-map-type") == "atomic":
        return _ATOMIC
    fields = {key: _from_openapi(as_dict(child)) for key, child in as_dict(schema.get("properties")).items()}
    additional = schema.get("additionalProperties")
    return Shape(fields=fields, values=_from_openapi(additional) if isinstance(additional, dict) else None)
