"""The AKS pod identity add-on in managed mode: what AKS keeps in the cluster for a podIdentityProfile.

For each ``userAssignedIdentities[i]`` AKS keeps, in the pod identity's namespace, an AzureIdentity ``<name>``
(type 0, resourceID, clientID) and an AzureIdentityBinding ``<name>-binding`` whose selector is
``bindingSelector`` or else the name; for each exception an AzurePodIdentityException; and always
``kube-system/aks-addon-exception`` for pods labelled ``kubernetes.azure.com/managedby: aks``
(https://learn.microsoft.com/azure/aks/use-azure-ad-pod-identity). All carry that label too, which is how the
add-on finds what it owns: objects a user created are never touched. A disabled add-on owns nothing.

AKS also attaches every profile identity to the cluster's scale sets and detaches the ones it attached that
left the profile; the kubelet identity is never detached.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from podid.sandbox.kube.api import KubeCluster, KubeObject
from podid.sandbox.podidentity import _crd
from podid.sandbox.podidentity.profile import Profile, is_enabled

ADDON_EXCEPTION = ("kube-system", "aks-addon-exception")
OWNED = (_crd.IDENTITIES, _crd.BINDINGS, _crd.EXCEPTIONS)
_AKS_LABELS = {_crd.MANAGED_BY: _crd.MANAGED_BY_AKS}

Key = tuple[str, str, str]  # (resource, namespace, name)


@dataclass
class ObjectChanges:
    create: list[tuple[str, KubeObject]] = field(default_factory=list)
    replace: list[tuple[str, KubeObject]] = field(default_factory=list)
    delete: list[Key] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.create or self.replace or self.delete)


def desired_objects(profile: Profile | None) -> dict[Key, KubeObject]:
    """The objects the add-on keeps for ``profile`` (none when it is disabled)."""
    if not is_enabled(profile):
        return {}
    assert profile is not None
    wanted: dict[Key, KubeObject] = {}

    def add(resource: str, namespace: str, name: str, spec: dict[str, Any]) -> None:
        wanted[(resource, namespace, name)] = _crd.new_object(resource, namespace, name, spec, _AKS_LABELS)

    for item in profile.get("userAssignedIdentities") or []:
        name, namespace, identity = item["name"], item["namespace"], item["identity"]
        add(
            _crd.IDENTITIES,
            namespace,
            name,
            {"type": _crd.USER_ASSIGNED_MSI, "resourceID": identity["resourceId"], "clientID": identity["clientId"]},
        )
        selector = item.get("bindingSelector") or name
        add(_crd.BINDINGS, namespace, f"{name}-binding", {"azureIdentity": name, "selector": selector})
    for item in profile.get("userAssignedIdentityExceptions") or []:
        add(_crd.EXCEPTIONS, item["namespace"], item["name"], {"podLabels": dict(item["podLabels"])})
    add(_crd.EXCEPTIONS, *ADDON_EXCEPTION, {"podLabels": dict(_AKS_LABELS)})
    return wanted


def diff_objects(desired: dict[Key, KubeObject], owned: Iterable[tuple[str, KubeObject]]) -> ObjectChanges:
    """Creates, replacements (the spec differs; the stored metadata is kept) and deletions."""
    changes = ObjectChanges()
    seen: set[Key] = set()
    for resource, current in owned:
        key = (resource, _crd.namespace_of(current), _crd.name_of(current))
        seen.add(key)
        wanted = desired.get(key)
        if wanted is None:
            changes.delete.append(key)
        elif current.get("spec") != wanted["spec"]:
            changes.replace.append((resource, {**wanted, "metadata": current["metadata"]}))
    changes.create = [(key[0], obj) for key, obj in desired.items() if key not in seen]
    return changes


def owned_objects(cluster: KubeCluster) -> list[tuple[str, KubeObject]]:
    selector = f"{_crd.MANAGED_BY}={_crd.MANAGED_BY_AKS}"
    return [(resource, obj) for resource in OWNED for obj in cluster.list(resource, None, selector)]


def apply_objects(cluster: KubeCluster, changes: ObjectChanges) -> None:
    for resource, namespace, name in changes.delete:
        cluster.delete(resource, namespace, name)
    for resource, obj in changes.replace:
        cluster.replace(resource, obj)
    for resource, obj in changes.create:
        _ensure_namespace(cluster, _crd.namespace_of(obj))
        cluster.create(resource, obj)


def _ensure_namespace(cluster: KubeCluster, namespace: str) -> None:
    """AKS creates a pod identity's namespace if needed, so the tutorial's `my-app` needs no kubectl step."""
    if cluster.get(_crd.NAMESPACES, None, namespace) is None:
        cluster.create(_crd.NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})


def reconcile_objects(cluster: KubeCluster, profile: Profile | None) -> ObjectChanges:
    changes = diff_objects(desired_objects(profile), owned_objects(cluster))
    apply_objects(cluster, changes)
    return changes


# scale-set identities


def profile_identity_ids(profile: Profile | None) -> list[str]:
    if not is_enabled(profile):
        return []
    assert profile is not None
    return [item["identity"]["resourceId"] for item in profile.get("userAssignedIdentities") or []]


def scale_sets(cluster: KubeCluster) -> list[str]:
    """The scale sets behind the cluster's nodes, in node order."""
    found = (_crd.scale_set_of(node) for node in cluster.list(_crd.NODES))
    return list(dict.fromkeys(vmss for vmss in found if vmss))


def identities_to_detach(attached_before: Iterable[str], wanted: Iterable[str], kubelet: str | None) -> list[str]:
    """What the add-on attached earlier and no longer wants; never the kubelet identity."""
    keep = {item.lower() for item in wanted} | ({kubelet.lower()} if kubelet else set())
    return [item for item in attached_before if item.lower() not in keep]
