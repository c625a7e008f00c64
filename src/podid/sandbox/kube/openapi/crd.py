"""A CustomResourceDefinition's schemas in its group-version's document, as apiextensions-apiserver builds them.

k8s.io/apiextensions-apiserver pkg/controller/openapi/builder/builder.go (BuildOpenAPIV3): the served version's
structural schema (pkg/apiserver/schema: NewStructural keeps what ToKubeOpenAPI writes back, Unfold spells out
``x-kubernetes-int-or-string``) with ``apiVersion``, ``kind`` and ``metadata`` set on it (buildKubeNative, and
addEmbeddedProperties under ``x-kubernetes-embedded-resource``), its ``<Kind>List`` (buildListSchema), both named
by the reversed group (gvkToModelName: ``com.example.stable.v1.CronTab``), and the meta types their operations
use. A reference with siblings is wrapped in ``allOf`` (kube-openapi pkg/builder3/util WrapRefs).
"""

from __future__ import annotations

import json
import re
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.openapi import builtin
from podid.sandbox.kube.openapi.crd_paths import SCALE_MODEL
from podid.sandbox.kube.openapi.paths import Names

_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_REF = "#/components/schemas/"
# the request and response bodies of a custom resource's operations (list, create, get, put, patch, delete)
_OPERATION_TYPES = tuple(_META + n for n in ("DeleteOptions", "ListMeta", "ObjectMeta", "Patch", "Status"))
# metav1.PartialObjectMetadata{}.SwaggerDoc() and PartialObjectMetadataList's (apimachinery
# pkg/apis/meta/v1/types_swagger_doc_generated.go)
_CONVENTIONS = "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"
_OBJECT_METADATA = (
    "Standard object's metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
_LIST_METADATA = (
    "Standard list metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)
_EMBEDDED_API_VERSION = (
    "apiVersion defines the versioned schema of this representation of an object. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"
)
_EMBEDDED_KIND = (
    "kind is a string value representing the type of this object. In CamelCase. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)
# what structuralschema.NewStructural does not carry
_NOT_STRUCTURAL = frozenset(
    {"id", "$schema", "$ref", "definitions", "dependencies", "patternProperties", "additionalItems"}
)
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]
_REFERENCE = re.compile(r'"\$ref":"#/components/schemas/([^"]+)"')


def group_version(crd: Obj, version: str) -> str:
    return f"apis/{dig(crd, 'spec', 'group')}/{version}"


def served_versions(crd: Obj) -> list[str]:
    """The versions an established CRD serves (none before it is established)."""
    conditions = as_list(dig(crd, "status", "conditions"))
    if not any(dig(c, "type") == "Established" and dig(c, "status") == "True" for c in conditions):
        return []
    return [as_str(v.get("name")) for v in map(as_dict, as_list(dig(crd, "spec", "versions"))) if v.get("served")]


def names(crd: Obj, version: str) -> Names:
    """The CRD's names in ``version``: its accepted names, its kind's and list's schema names."""
    group, accepted = as_str(dig(crd, "spec", "group")), as_dict(dig(crd, "status", "acceptedNames"))
    kind, list_kind = as_str(accepted.get("kind")), as_str(accepted.get("listKind"))
    plural = as_str(accepted.get("plural"))
    model, list_model = _model_name(group, version, kind), _model_name(group, version, list_kind)
    return Names(group, version, kind, plural, model, list_model)


def namespaced(crd: Obj) -> bool:
    return bool(dig(crd, "spec", "scope") == "Namespaced")


def subresources(crd: Obj, version: str) -> tuple[str, ...]:
    """The subresources ``version`` enables (GetSubresourcesForVersion): ``status``, ``scale``."""
    found = [as_dict(v) for v in as_list(dig(crd, "spec", "versions")) if dig(v, "name") == version]
    enabled = as_dict(dig(found[0] if found else {}, "subresources"))
    return tuple(name for name in ("status", "scale") if isinstance(enabled.get(name), dict))


def schemas(crd: Obj, version: str, release: str) -> dict[str, str]:
    """Name → schema (JSON text) of the CRD's kind and list in ``version``, with the meta types they use."""
    named = names(crd, version)
    type_meta = as_dict(builtin.schema(release, _META + "Status").get("properties"))
    found = [as_dict(v) for v in as_list(dig(crd, "spec", "versions")) if dig(v, "name") == version]
    openapi = dig(found[0] if found else {}, "schema", "openAPIV3Schema")
    custom: Obj = _kube_native(openapi, type_meta) if isinstance(openapi, dict) else {"type": "object"}
    custom["x-kubernetes-group-version-kind"] = [{"group": named.group, "kind": named.kind, "version": version}]
    list_kind = named.list_model.rsplit(".", 1)[1]
    listed = _list_schema(named, list_kind, type_meta)
    listed["x-kubernetes-group-version-kind"] = [{"group": named.group, "kind": list_kind, "version": version}]
    scale = _scale_types(release) if "scale" in subresources(crd, version) else {}
    return {**_meta_types(release), **scale, named.model: _dumps(custom), named.list_model: _dumps(listed)}


def _scale_types(release: str) -> dict[str, str]:
    """autoscaling/v1 Scale and its parts, for the scale operations (as the release's apps/v1 document has them)."""
    known = builtin.schemas(release, "apis/apps/v1")
    return {name: known[name] for name in (SCALE_MODEL, SCALE_MODEL + "Spec", SCALE_MODEL + "Status") if name in known}


def _model_name(group: str, version: str, kind: str) -> str:
    return ".".join([*reversed(group.split(".")), version, kind])


def _kube_native(openapi: Obj, type_meta: Obj) -> Obj:
    schema = as_dict(_structural(openapi))
    properties = schema.setdefault("properties", {})
    properties["metadata"] = _wrapped_ref(_META + "ObjectMeta", _OBJECT_METADATA)
    properties["apiVersion"], properties["kind"] = type_meta["apiVersion"], type_meta["kind"]
    return schema


def _structural(node: Any) -> Any:
    """The schema as the structural schema writes it back, with embedded resources' type and object meta."""
    if not isinstance(node, dict):
        return node
    schema = {key: value for key, value in node.items() if key not in _NOT_STRUCTURAL}
    if isinstance(schema.get("properties"), dict):
        schema["properties"] = {k: _structural(v) for k, v in schema["properties"].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            schema[key] = _structural(schema[key])
    if schema.get("x-kubernetes-int-or-string") is True:
        _unfold_int_or_string(schema)
    if schema.get("x-kubernetes-embedded-resource") is True:
        _embed(schema)
    return schema


def _unfold_int_or_string(schema: Obj) -> None:
    """Unfold (pkg/apiserver/schema/unfold.go): anyOf integer or string, unless the schema already says so."""
    first_all_of = as_dict(as_list(schema.get("allOf"))[0]) if as_list(schema.get("allOf")) else {}
    if schema.get("anyOf") == _INT_OR_STRING or first_all_of.get("anyOf") == _INT_OR_STRING:
        return
    if "anyOf" not in schema:
        schema["anyOf"] = list(_INT_OR_STRING)
    else:
        schema["allOf"] = [{"anyOf": list(_INT_OR_STRING)}, *as_list(schema.get("allOf"))]


def _embed(schema: Obj) -> None:
    """addEmbeddedProperties: an embedded object gets apiVersion, kind and metadata, and requires the first two."""
    properties = schema.setdefault("properties", {})
    properties["apiVersion"] = {"description": _EMBEDDED_API_VERSION, "type": "string"}
    properties["kind"] = {"description": _EMBEDDED_KIND, "type": "string"}
    properties["metadata"] = _wrapped_ref(_META + "ObjectMeta", _OBJECT_METADATA)
    required = as_list(schema.get("required"))
    schema["required"] = [*required, *(k for k in ("kind", "apiVersion") if k not in required)]


def _list_schema(named: Names, list_kind: str, type_meta: Obj) -> Obj:
    items_doc = f"List of {named.plural}. More info: {_CONVENTIONS}"
    return {
        "description": f"{list_kind} is a list of {named.kind}",
        "properties": {
            "apiVersion": type_meta["apiVersion"],
            "items": {"description": items_doc, "items": {"$ref": _REF + named.model}, "type": "array"},
            "kind": type_meta["kind"],
            "metadata": _wrapped_ref(_META + "ListMeta", _LIST_METADATA),
        },
        "required": ["items"],
        "type": "object",
    }


def _wrapped_ref(name: str, description: str) -> Obj:
    return {"allOf": [{"$ref": _REF + name}], "description": description}


def _meta_types(release: str) -> dict[str, str]:
    """The meta types the operations use, and every type they refer to, from the release's api/v1 document."""
    known = builtin.schemas(release, "api/v1")
    kept: dict[str, str] = {}
    pending = list(_OPERATION_TYPES)
    while pending:
        name = pending.pop()
        if name not in kept and name in known:
            kept[name] = known[name]
            pending.extend(_REFERENCE.findall(known[name]))
    return kept


def _dumps(schema: Obj) -> str:
    return json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
