"""MIC's sync cycle: desired AzureAssignedIdentities, diffed against the current ones.

As Azure/aad-pod-identity pkg/mic/mic.go does it (``Sync``, ``createDesiredAssignedIdentityList``, ``matchAssignedID``).

``plan_cycle`` is pure. From pods, bindings, identities and nodes it builds the desired assignments, one per
running pod whose ``aadpodidbinding`` label equals a binding's selector in the pod's own namespace (MIC with
``--forceNamespaced``, as the AKS add-on runs it), named ``<pod>-<podns>-<identity>``. It diffs them with the
existing objects by name (MIC's match: binding and identity name and resourceVersion, pod, namespace, node)
and groups the work per scale set, with the identity ids to attach and the ones to detach: only Assigned,
type-0, not immutable and not in use by another pod on the same scale set.

``apply_cycle`` does MIC's per-scale-set steps: write the objects (status Created), change the scale set's
identities once, then move them to Assigned (or, for deletions, Unassigned and delete). A failed scale-set
change leaves created objects in Created unless their identity is on the scale set anyway; the next cycle
retries them.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from podid.sandbox.arm.errors import ArmError
from podid.sandbox.kube.api import KubeCluster, KubeObject
from podid.sandbox.podidentity import _crd

log = logging.getLogger(__name__)

_RESOURCE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.managedidentity/userassignedidentities/[^/]+$",
    re.IGNORECASE,
)
_ACTIVE_PHASES = ("Pending", "Running")


@dataclass
class ScaleSetWork:
    """One scale set's share of a cycle (``vmss`` None: the pods' node is gone or not a scale set)."""

    vmss: str | None
    create: list[KubeObject] = field(default_factory=list)
    update: list[KubeObject] = field(default_factory=list)  # new versions, keeping the stored metadata
    retry: list[KubeObject] = field(default_factory=list)  # still Created: only the cloud step is redone
    delete: list[KubeObject] = field(default_factory=list)
    attach: list[str] = field(default_factory=list)
    detach: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.create or self.update or self.retry or self.delete)


@dataclass(frozen=True)
class ClusterView:
    """What one cycle reads from the cluster."""

    pods: list[KubeObject]
    identities: list[KubeObject]
    bindings: list[KubeObject]
    assigned: list[KubeObject]
    node_scale_sets: dict[str, str | None]  # node name -> scale set id (None: not a scale set)


def read_cluster(cluster: KubeCluster) -> ClusterView:
    return ClusterView(
        pods=cluster.list(_crd.PODS, None, _crd.BINDING_LABEL),
        identities=cluster.list(_crd.IDENTITIES),
        bindings=cluster.list(_crd.BINDINGS),
        assigned=cluster.list(_crd.ASSIGNED_IDENTITIES),
        node_scale_sets={_crd.name_of(node): _crd.scale_set_of(node) for node in cluster.list(_crd.NODES)},
    )


# desired state


def assigned_name(pod: KubeObject, identity: KubeObject) -> str:
    return f"{_crd.name_of(pod)}-{_crd.namespace_of(pod)}-{_crd.name_of(identity)}"


def desired_assignments(view: ClusterView) -> dict[str, KubeObject]:
    """The AzureAssignedIdentities the pods ask for, by name (the first of colliding names wins, as in MIC)."""
    identities = {
        (_crd.namespace_of(item), _crd.name_of(item)): item for item in view.identities if _valid_identity(item)
    }
    bindings = sorted(view.bindings, key=lambda item: (_crd.namespace_of(item), _crd.name_of(item)))
    desired: dict[str, KubeObject] = {}
    for pod in view.pods:
        selector = _crd.labels_of(pod).get(_crd.BINDING_LABEL, "")
        node = _crd.text(pod, "spec", "nodeName")
        if not selector or not node or _crd.text(pod, "status", "phase") not in _ACTIVE_PHASES:
            continue
        namespace = _crd.namespace_of(pod)
        for binding in bindings:
            if _crd.namespace_of(binding) != namespace or _crd.text(binding, "spec", "selector") != selector:
                continue
            identity = identities.get((namespace, _crd.text(binding, "spec", "azureIdentity")))
            if identity is not None:
                desired.setdefault(assigned_name(pod, identity), _assignment(pod, node, identity, binding))
    return desired


def _valid_identity(identity: KubeObject) -> bool:
    """MIC ignores a type-0 identity whose resourceID is not a user-assigned identity id."""
    kind = _crd.field(identity, "spec", "type")
    return kind != _crd.USER_ASSIGNED_MSI or bool(_RESOURCE_ID.match(_crd.text(identity, "spec", "resourceID")))


def _assignment(pod: KubeObject, node: str, identity: KubeObject, binding: KubeObject) -> KubeObject:
    obj = _crd.new_object(
        _crd.ASSIGNED_IDENTITIES,
        _crd.namespace_of(identity),
        assigned_name(pod, identity),
        {
            "azureIdentityRef": copy.deepcopy(identity),
            "azureBindingRef": copy.deepcopy(binding),
            "pod": _crd.name_of(pod),
            "podNamespace": _crd.namespace_of(pod),
            "nodename": node,
        },
        {_crd.NODENAME_LABEL: node},
    )
    obj["metadata"]["finalizers"] = [_crd.ASSIGNED_FINALIZER]
    obj["status"] = {"status": _crd.CREATED, "availableReplicas": 1}
    return obj


# diff


def _match_key(obj: KubeObject) -> tuple[str, ...]:
    spec = obj.get("spec") or {}
    binding, identity = spec.get("azureBindingRef") or {}, spec.get("azureIdentityRef") or {}
    return (
        _crd.name_of(binding),
        _crd.resource_version(binding),
        _crd.name_of(identity),
        _crd.resource_version(identity),
        _crd.text(obj, "spec", "pod"),
        _crd.text(obj, "spec", "podNamespace"),
        _crd.text(obj, "spec", "nodename"),
    )


def status_of(obj: KubeObject) -> str:
    return _crd.text(obj, "status", "status")


def identity_id(obj: KubeObject) -> str | None:
    """The resourceID an assignment puts on the scale set, or None for a non-MSI identity."""
    ref = _crd.field(obj, "spec", "azureIdentityRef") or {}
    if _crd.field(ref, "spec", "type") != _crd.USER_ASSIGNED_MSI:
        return None
    return _crd.text(ref, "spec", "resourceID").lower() or None


def plan_cycle(view: ClusterView, immutable: Iterable[str] = ()) -> list[ScaleSetWork]:
    """The cycle's work per scale set; scale sets with nothing to do are left out."""
    desired = desired_assignments(view)
    current = {_crd.name_of(obj): obj for obj in view.assigned}
    work: dict[str | None, ScaleSetWork] = {}

    def for_node(obj: KubeObject) -> ScaleSetWork:
        vmss = view.node_scale_sets.get(_crd.text(obj, "spec", "nodename"))
        return work.setdefault(vmss, ScaleSetWork(vmss))

    removed: list[tuple[ScaleSetWork, KubeObject]] = []
    for name, wanted in desired.items():
        existing = current.get(name)
        if existing is None:
            for_node(wanted).create.append(wanted)
        elif _match_key(existing) != _match_key(wanted):
            for_node(wanted).update.append({**wanted, "metadata": {**existing["metadata"], **_labels(wanted)}})
            removed.append((for_node(existing), existing))
        elif status_of(existing) == _crd.CREATED:
            for_node(existing).retry.append(existing)
    for name, existing in current.items():
        if name not in desired:
            for_node(existing).delete.append(existing)
            removed.append((for_node(existing), existing))
    _identity_changes(work.values(), removed, desired.values(), view, {item.lower() for item in immutable})
    return [item for item in work.values() if item]


def _labels(obj: KubeObject) -> dict[str, object]:
    return {"labels": dict(_crd.labels_of(obj))}


def _identity_changes(
    work: Iterable[ScaleSetWork],
    removed: list[tuple[ScaleSetWork, KubeObject]],
    desired: Iterable[KubeObject],
    view: ClusterView,
    immutable: set[str],
) -> None:
    """Fill each scale set's attach list, and its detach list with what is safe to take away."""
    in_use: dict[tuple[str | None, str], set[tuple[str, str]]] = {}
    for obj in desired:
        vmss = view.node_scale_sets.get(_crd.text(obj, "spec", "nodename"))
        in_use.setdefault((vmss, _client_id(obj)), set()).add(_pod_of(obj))
    for item in work:
        ids = (identity_id(obj) for obj in item.create + item.update + item.retry)
        item.attach = list(dict.fromkeys(found for found in ids if found))
    for item, obj in removed:
        found = identity_id(obj)
        if found is None or found in immutable or found in item.attach or found in item.detach:
            continue
        used_by_others = in_use.get((item.vmss, _client_id(obj)), set()) - {_pod_of(obj)}
        if status_of(obj) in (_crd.ASSIGNED, "") and not used_by_others:
            item.detach.append(found)


def _client_id(obj: KubeObject) -> str:
    return _crd.text(obj, "spec", "azureIdentityRef", "spec", "clientID").lower()


def _pod_of(obj: KubeObject) -> tuple[str, str]:
    return (_crd.text(obj, "spec", "podNamespace"), _crd.text(obj, "spec", "pod"))


# apply

ScaleSetChanger = Callable[[str, list[str], list[str]], object]  # (vmss, attach, detach)
ScaleSetReader = Callable[[str], list[str]]  # vmss -> attached identity ids


def apply_cycle(
    cluster: KubeCluster, work: Iterable[ScaleSetWork], change: ScaleSetChanger, read: ScaleSetReader
) -> None:
    for item in work:
        _apply_scale_set(cluster, item, change, read)


def _apply_scale_set(cluster: KubeCluster, item: ScaleSetWork, change: ScaleSetChanger, read: ScaleSetReader) -> None:
    written = [cluster.create(_crd.ASSIGNED_IDENTITIES, obj) for obj in item.create]
    written += [cluster.replace(_crd.ASSIGNED_IDENTITIES, obj) for obj in item.update]
    written += item.retry
    try:
        if item.vmss is not None and (item.attach or item.detach):
            change(item.vmss, item.attach, item.detach)
    except ArmError as error:
        log.warning("failed to update user-assigned identities on %s: %s", item.vmss, error.message)
        attached = {key.lower() for key in read(item.vmss)} if item.vmss else set()
        written = [obj for obj in written if identity_id(obj) in attached or identity_id(obj) is None]
        for obj in item.delete:
            _remove(cluster, obj, unassign=False)
    else:
        for obj in item.delete:
            _remove(cluster, obj, unassign=True)
    for obj in written:
        _set_status(cluster, obj, _crd.ASSIGNED)


def _set_status(cluster: KubeCluster, obj: KubeObject, status: str) -> KubeObject:
    current = cluster.get(_crd.ASSIGNED_IDENTITIES, _crd.namespace_of(obj), _crd.name_of(obj)) or obj
    return cluster.replace(
        _crd.ASSIGNED_IDENTITIES, {**current, "status": {**(current.get("status") or {}), "status": status}}
    )


def _remove(cluster: KubeCluster, obj: KubeObject, *, unassign: bool) -> None:
    """Unassign (after a successful detach), delete, and drop MIC's finalizer if the object lingers."""
    namespace, name = _crd.namespace_of(obj), _crd.name_of(obj)
    if unassign:
        _set_status(cluster, obj, _crd.UNASSIGNED)
    cluster.delete(_crd.ASSIGNED_IDENTITIES, namespace, name)
    lingering = cluster.get(_crd.ASSIGNED_IDENTITIES, namespace, name)
    if lingering is not None:
        metadata = {
            **lingering["metadata"],
            "finalizers": [
                item for item in lingering["metadata"].get("finalizers", []) if item != _crd.ASSIGNED_FINALIZER
            ],
        }
        cluster.replace(_crd.ASSIGNED_IDENTITIES, {**lingering, "metadata": metadata})
