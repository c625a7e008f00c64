"""CustomResourceDefinitions: a created CRD's group, versions and plural are served at once, as apiextensions does.

Upstream (k8s.io/apiextensions-apiserver) runs a naming controller (pkg/controller/status/naming_controller.go:
``NamesAccepted``), an establishing controller (pkg/controller/establish/establishing_controller.go:
``Established``), a finalizer controller that deletes the custom objects before the CRD goes
(pkg/controller/finalizer/crd_finalizer.go) and one REST handler per served version
(pkg/apiserver/customresource_handler.go). Here the CRD's status is written by admission on every write (so
``kubectl wait --for condition=established`` never waits), the catalogue follows every CRD change through the
watch hub, and deleting a CRD deletes its objects (watchers see them DELETED) and stops serving the kind (404).

Objects are stored as given except for type checks against the served version's ``openAPIV3Schema``
(``spec.x in body must be of type integer: "string"``); no pruning, defaults, formats, enums or CEL rules, no
``status``/``scale`` subresources and no conversion between versions (each object keeps the apiVersion it was
written with).
"""

from __future__ import annotations

from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.machinery.resources import AAD_POD_IDENTITY_TYPES, ALL_VERBS, PrinterColumn, ResourceType
from podid.sandbox.kube.machinery.status import invalid, invalid_value
from podid.sandbox.kube.storage.cluster import Cluster
from podid.sandbox.kube.validation.pruning import Schema, type_errors

CRDS = "apiextensions.k8s.io/customresourcedefinitions"
_KIND = "CustomResourceDefinition"
_STATIC = frozenset((t.group, t.plural) for t in AAD_POD_IDENTITY_TYPES)  # served with their pruning schemas


def install(cluster: Cluster) -> None:
    """Serve the stored CRDs' kinds now and follow every later CRD change."""
    checked: set[str] = set()

    def refresh() -> None:
        types = [t for crd in cluster.objects.objects(CRDS) for t in custom_types(crd)]
        cluster.serve_custom(types)
        for kind in {t.kind for t in types} - checked:
            checked.add(kind)
            cluster.add_admission(kind, _check_types)

    def on_event(event_type: str, obj: Obj) -> None:
        if obj.get("kind") != _KIND or obj.get("apiVersion") != "apiextensions.k8s.io/v1":
            return
        if event_type == "DELETED":
            _remove_objects(cluster, obj)
        refresh()

    cluster.add_admission(_KIND, _admit_crd)
    cluster.hub.listen(on_event)
    refresh()


def custom_types(crd: Obj) -> list[ResourceType]:
    """One served type per served version of an established CRD (none for the add-on's built-in CRDs)."""
    spec, names = as_dict(crd.get("spec")), as_dict(dig(crd, "status", "acceptedNames"))
    group = as_str(spec.get("group"))
    if not _established(crd) or (group, as_str(names.get("plural"))) in _STATIC:
        return []
    return [
        ResourceType(
            group,
            as_str(version.get("name")),
            as_str(names.get("plural")),
            as_str(names.get("kind")),
            spec.get("scope") == "Namespaced",
            tuple(as_list(names.get("shortNames"))),
            as_str(names.get("singular")),
            ALL_VERBS,
            as_str(names.get("listKind")),
            tuple(as_list(names.get("categories"))),
            custom=True,
            printer_columns=tuple(_column(c) for c in as_list(version.get("additionalPrinterColumns"))),
        )
        for version in map(as_dict, as_list(spec.get("versions")))
        if version.get("served")
    ]


def _established(crd: Obj) -> bool:
    conditions = as_list(dig(crd, "status", "conditions"))
    return any(dig(c, "type") == "Established" and dig(c, "status") == "True" for c in conditions)


def _column(column: Any) -> PrinterColumn:
    c = as_dict(column)
    return PrinterColumn(
        as_str(c.get("name")),
        as_str(c.get("type")),
        as_str(c.get("jsonPath")),
        as_str(c.get("description")),
        as_str(c.get("format")),
        int(c.get("priority") or 0),
    )


def _remove_objects(cluster: Cluster, crd: Obj) -> None:
    """The finalizer controller's work: every custom object of the CRD is deleted (crd_finalizer.go)."""
    resource = f"{dig(crd, 'spec', 'group')}/{dig(crd, 'spec', 'names', 'plural')}"
    for obj in cluster.objects.objects(resource):
        cluster.objects.remove(resource, obj)


# the CRD's defaults and status


def _admit_crd(cluster: Cluster, rt: ResourceType, crd: Obj, old: Obj | None) -> None:
    """Defaults (SetDefaults_CustomResourceDefinitionSpec), the name check, then the controllers' status."""
    spec = crd.setdefault("spec", {})
    names = spec.setdefault("names", {})
    names.setdefault("singular", as_str(names.get("kind")).lower())
    names.setdefault("listKind", as_str(names.get("kind")) + "List")
    spec.setdefault("conversion", {"strategy": "None"})
    name, expected = as_str(dig(crd, "metadata", "name")), f"{names.get('plural')}.{spec.get('group')}"
    if name != expected:
        detail = 'must be spec.names.plural+"."+spec.group'
        raise invalid(rt, name, [invalid_value("metadata.name", name, detail)])
    crd["status"] = _status(cluster, spec, as_dict(old.get("status")) if old else {})


def _status(cluster: Cluster, spec: Obj, old: Obj) -> Obj:
    """NamesAccepted (naming_controller.go) and Established (establishing_controller.go), both True."""
    before = {as_str(dig(c, "type")): as_dict(c) for c in as_list(old.get("conditions"))}
    now = cluster.now()

    def condition(kind: str, reason: str, message: str) -> Obj:
        since = as_str(before.get(kind, {}).get("lastTransitionTime")) or now
        return {"type": kind, "status": "True", "lastTransitionTime": since, "reason": reason, "message": message}

    stored = [as_str(v.get("name")) for v in map(as_dict, as_list(spec.get("versions"))) if v.get("storage")]
    return {
        "acceptedNames": dict(as_dict(spec.get("names"))),
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "storedVersions": list(dict.fromkeys([*as_list(old.get("storedVersions")), *stored])),
    }


# the custom objects' type checks


def _check_types(cluster: Cluster, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
    """422 when a field has another type than the served version's openAPIV3Schema says (the validator's text)."""
    crd = cluster.find(cluster.resource_type(CRDS), "", f"{rt.plural}.{rt.group}")
    if crd is None or not rt.custom:
        return
    versions = [as_dict(v) for v in as_list(dig(crd, "spec", "versions")) if dig(v, "name") == rt.version]
    schema = _schema(as_dict(dig(versions[0] if versions else {}, "schema", "openAPIV3Schema")))
    if schema is None:
        return
    errors = [
        e
        for key in ("spec", "status")
        if key in obj and key in schema.properties
        for e in type_errors(obj[key], schema.properties[key], key)
    ]
    if errors:
        raise invalid(rt, as_str(dig(obj, "metadata", "name")), errors)


def _schema(node: Obj) -> Schema | None:
    """The type skeleton of an OpenAPI schema; untyped nodes (int-or-string, preserved fields) are not checked."""
    kind = as_str(node.get("type"))
    if not kind:
        return None
    properties = {k: s for k, v in as_dict(node.get("properties")).items() if (s := _schema(as_dict(v)))}
    additional = node.get("additionalProperties")
    return Schema(
        kind,
        properties,
        additional=_schema(additional) if isinstance(additional, dict) else None,
        items=_schema(as_dict(node.get("items"))),
        nullable=node.get("nullable") is True,
    )
