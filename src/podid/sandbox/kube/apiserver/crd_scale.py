"""The ``scale`` subresource of a custom kind: an autoscaling/v1 Scale read from and written to the paths its CRD
version names (``subresources.scale``: specReplicasPath, statusReplicasPath, labelSelectorPath).

k8s.io/apiextensions-apiserver pkg/registry/customresource/etcd.go (scaleFromCustomResource, ScaleREST.Update):
a missing replicas field reads as 0, a missing selector path as ""; an update sets the spec replicas path
(creating the objects on the way) and stores the object through the custom kind's own strategy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.storage.cluster import Cluster, clone

CRDS = "apiextensions.k8s.io/customresourcedefinitions"
_SCALE_METADATA = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
# (object → its Scale, (object, replicas) → the object with those replicas)
Accessors = tuple[Callable[[Obj], Obj], Callable[[Obj, int], Obj]]


@dataclass(frozen=True)
class ScalePaths:
    spec_replicas: tuple[str, ...]
    status_replicas: tuple[str, ...]
    label_selector: tuple[str, ...]


def scale_paths(cluster: Cluster, rt: ResourceType) -> ScalePaths:
    """The paths of the served version's ``subresources.scale`` (splitReplicasPath: leading period dropped)."""
    crd = cluster.objects.get(CRDS, "", f"{rt.plural}.{rt.group}") or {}
    versions = [as_dict(v) for v in as_list(dig(crd, "spec", "versions")) if dig(v, "name") == rt.version]
    scale = as_dict(dig(versions[0] if versions else {}, "subresources", "scale"))

    def split(key: str) -> tuple[str, ...]:
        path = as_str(scale.get(key))
        return tuple(path.removeprefix(".").split(".")) if path else ()

    return ScalePaths(split("specReplicasPath"), split("statusReplicasPath"), split("labelSelectorPath"))


def accessors(paths: ScalePaths) -> Accessors:
    """A custom kind's Scale and replicas writer."""

    def to_scale(obj: Obj) -> Obj:
        meta = as_dict(obj.get("metadata"))
        selector = dig(obj, *paths.label_selector) if paths.label_selector else ""
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in _SCALE_METADATA if k in meta},
            "spec": {"replicas": _integer(dig(obj, *paths.spec_replicas))},
            "status": {"replicas": _integer(dig(obj, *paths.status_replicas)), "selector": as_str(selector)},
        }

    def with_replicas(obj: Obj, replicas: int) -> Obj:
        updated = clone(obj)
        node = updated
        for key in paths.spec_replicas[:-1]:
            node = node.setdefault(key, {})
        node[paths.spec_replicas[-1]] = replicas
        return updated

    return to_scale, with_replicas


def _integer(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
