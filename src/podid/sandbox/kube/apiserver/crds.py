"""CustomResourceDefinitions: a created CRD's group, versions and plural are served at once, as apiextensions does.

Upstream (k8s.io/apiextensions-apiserver) runs a naming controller (pkg/controller/status/naming_controller.go:
``NamesAccepted``), an establishing controller (pkg/controller/establish/establishing_controller.go:
``Established``), a finalizer controller that deletes the custom objects before the CRD goes
(pkg/controller/finalizer/crd_finalizer.go) and one REST handler per served version
(pkg/apiserver/customresource_handler.go). Here the CRD's status is written by admission on every write
(``crd_status``: names accepted or in conflict, Established at once, so ``kubectl wait --for
condition=established`` never waits), the catalogue follows every CRD change through the watch hub, and deleting
a CRD goes through the cleanup finalizer (``crd_finalizer``) before its kind stops being served (404).

A served version's ``subresources`` are served: ``status`` (the object's writes keep its status, ``/status``
writes only it) and ``scale`` (``crd_scale``). Objects are stored in the storage version and served in the
version asked for (``crd_versions``), otherwise as given except for type checks against the served version's
``openAPIV3Schema`` (``spec.x in body must be of type integer: "string"``): no pruning, defaults, formats,
enums or CEL rules.
"""

from __future__ import annotations

from typing import Any

from podid.sandbox.kube.apiserver import crd_finalizer, crd_versions
from podid.sandbox.kube.apiserver.crd_status import is_true, named_status
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.machinery.resources import (
    AAD_POD_IDENTITY_TYPES,
    ALL_VERBS,
    PrinterColumn,
    ResourceType,
    Subresource,
)
from podid.sandbox.kube.machinery.status import invalid, invalid_value
from podid.sandbox.kube.storage.cluster import Cluster
from podid.sandbox.kube.validation.pruning import Schema, type_errors

CRDS = crd_finalizer.CRDS
_KIND = "CustomResourceDefinition"
_STATIC = frozenset((t.group, t.plural) for t in AAD_POD_IDENTITY_TYPES)  # served with their pruning schemas
# customresource_discovery_controller.go: what discovery lists of each subresource
_SUBRESOURCES = (
    Subresource("status", ("get", "patch", "update")),
    Subresource("scale", ("get", "patch", "update"), "Scale", "autoscaling", "v1"),
)


def install(cluster: Cluster) -> None:
    """Serve the stored CRDs' kinds now and follow every later CRD change."""
    checked: set[str] = set()

    def refresh() -> None:
        types = [t for crd in cluster.objects.objects(CRDS) for t in custom_types(crd)]
        cluster.serve_custom(types)
        for kind in {t.kind for t in types} - checked:
            checked.add(kind)
            cluster.add_admission(kind, _check_types)
            cluster.add_admission(kind, crd_versions.to_storage)  # after the checks against the version written

    def on_event(event_type: str, obj: Obj) -> None:
        if obj.get("kind") != _KIND or obj.get("apiVersion") != "apiextensions.k8s.io/v1":
            return
        if event_type == "DELETED":
            _remove_objects(cluster, obj)
            _rename_group(cluster, obj)
        refresh()

    def crd_of(obj: Obj) -> str:
        rt = cluster.type_of(obj)
        return f"{rt.plural}.{rt.group}" if rt is not None and rt.custom else ""

    cluster.add_admission(_KIND, _admit_crd)
    cluster.hub.listen(on_event)
    cluster.hub.listen(crd_finalizer.watch_deletions(cluster, crd_of))
    refresh()


def custom_types(crd: Obj) -> list[ResourceType]:
    """One served type per served version of an established CRD (none for the add-on's built-in CRDs)."""
    spec, names = as_dict(crd.get("spec")), as_dict(dig(crd, "status", "acceptedNames"))
    group = as_str(spec.get("group"))
    if not is_true(crd, "Established") or (group, as_str(names.get("plural"))) in _STATIC:
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
            subresources=tuple(
                sub for sub in _SUBRESOURCES if isinstance(dig(version, "subresources", sub.name), dict)
            ),
        )
        for version in map(as_dict, as_list(spec.get("versions")))
        if version.get("served")
    ]


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
    """A CRD removed without its finalizer (a collection delete, an in-process client) leaves no objects behind."""
    resource = f"{dig(crd, 'spec', 'group')}/{dig(crd, 'status', 'acceptedNames', 'plural')}"
    for obj in list(cluster.objects.objects(resource)):
        cluster.objects.remove(resource, obj)


def _rename_group(cluster: Cluster, gone: Obj) -> None:
    """requeueAllOtherGroupCRDs: a removed CRD frees its names for the others of its group still waiting for them."""
    rt, group = cluster.resource_type(CRDS), dig(gone, "spec", "group")
    for crd in list(cluster.objects.objects(CRDS)):
        if dig(crd, "spec", "group") == group and dig(crd, "status", "acceptedNames") != dig(crd, "spec", "names"):
            others = [c for c in cluster.objects.objects(CRDS) if dig(c, "spec", "group") == group]
            cluster.write_status(rt, crd, named_status(crd, others, cluster.now()))


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
    group = [c for c in cluster.objects.objects(CRDS) if dig(c, "spec", "group") == spec.get("group")]
    crd["status"] = named_status(crd, group, cluster.now())


# the custom objects' type checks


def _check_types(cluster: Cluster, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
    """422 when a field has another type than the served version's openAPIV3Schema says (the validator's text);
    405 for a new object of a CRD being deleted."""
    crd = cluster.find(cluster.resource_type(CRDS), "", f"{rt.plural}.{rt.group}")
    if crd is None or not rt.custom:
        return
    if old is None and is_true(crd, "Terminating"):
        raise crd_finalizer.terminating_error(rt)
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
