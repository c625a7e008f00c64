"""What NMI reads on every token request, kept from a cluster's change stream as NMI's informers keep it.

Reading pods and AzureAssignedIdentities from the API on each request costs a copy of every object (an
assignment embeds its identity and binding); NMI instead answers from caches fed by watches (aad-pod-identity
pkg/k8s/client.go, pkg/crd/crd.go). So does this: seeded with one list, then updated by every
ADDED/MODIFIED/DELETED event of the cluster. Pods are indexed by IP while Pending or Running, the phases in which
NMI matches a caller. Standard mode reads the AzureAssignedIdentities, managed mode the AzureIdentities and
AzureIdentityBindings (kept in the order they arrived, as NMI walks its cache).
"""

from __future__ import annotations

from podid.sandbox.kube.api import KubeCluster, KubeObject
from podid.sandbox.podidentity import _crd

Key = tuple[str, str]  # (namespace, name)
_ACTIVE_PHASES = ("Pending", "Running")
_NAMESPACED = (_crd.IDENTITIES, _crd.BINDINGS, _crd.EXCEPTIONS)


class NmiInformer:
    """Pods by IP, AzureAssignedIdentities by pod, AzureIdentities, AzureIdentityBindings and
    AzurePodIdentityExceptions by namespace, nodes' scale sets."""

    def __init__(self) -> None:
        self._pods: dict[str, KubeObject] = {}
        self._pod_ips: dict[Key, str] = {}
        self._assigned: dict[Key, KubeObject] = {}
        self._by_pod: dict[Key, dict[Key, KubeObject]] = {}
        self._namespaced: dict[str, dict[str, dict[str, KubeObject]]] = {kind: {} for kind in _NAMESPACED}
        self._scale_sets: dict[str, str | None] = {}

    def seed(self, cluster: KubeCluster) -> None:
        for resource in (_crd.PODS, _crd.ASSIGNED_IDENTITIES, *_NAMESPACED, _crd.NODES):
            for obj in cluster.list(resource):
                self.apply("ADDED", resource, obj)

    def apply(self, event_type: str, resource: str, obj: KubeObject) -> None:
        gone = event_type == "DELETED"
        if resource == _crd.PODS:
            self._pod(obj, gone)
        elif resource == _crd.ASSIGNED_IDENTITIES:
            self._assignment(obj, gone)
        elif resource in self._namespaced:
            in_namespace = self._namespaced[resource].setdefault(_crd.namespace_of(obj), {})
            if gone:
                in_namespace.pop(_crd.name_of(obj), None)
            else:
                in_namespace[_crd.name_of(obj)] = obj
        elif resource == _crd.NODES:
            if gone:
                self._scale_sets.pop(_crd.name_of(obj), None)
            else:
                self._scale_sets[_crd.name_of(obj)] = _crd.scale_set_of(obj)

    def _pod(self, obj: KubeObject, gone: bool) -> None:
        key = (_crd.namespace_of(obj), _crd.name_of(obj))
        previous = self._pod_ips.pop(key, None)
        if previous is not None:
            self._pods.pop(previous, None)
        ip = _crd.text(obj, "status", "podIP")
        if not gone and ip and _crd.text(obj, "status", "phase") in _ACTIVE_PHASES:
            self._pods[ip], self._pod_ips[key] = obj, ip

    def _assignment(self, obj: KubeObject, gone: bool) -> None:
        key = (_crd.namespace_of(obj), _crd.name_of(obj))
        previous = self._assigned.pop(key, None)
        if previous is not None:
            self._by_pod.get(_pod_of(previous), {}).pop(key, None)
        if not gone:
            self._assigned[key] = obj
            self._by_pod.setdefault(_pod_of(obj), {})[key] = obj

    def pod(self, ip: str) -> KubeObject | None:
        return self._pods.get(ip)

    def assignments(self, namespace: str, pod: str, node: str) -> list[KubeObject]:
        """The pod's assignments on its node (NMI only sees objects labelled with its own node)."""
        found = self._by_pod.get((namespace, pod), {}).values()
        return [obj for obj in found if _crd.labels_of(obj).get(_crd.NODENAME_LABEL) == node]

    def exceptions(self, namespace: str) -> list[KubeObject]:
        return self.in_namespace(_crd.EXCEPTIONS, namespace)

    def in_namespace(self, resource: str, namespace: str) -> list[KubeObject]:
        """The cached AzureIdentities, AzureIdentityBindings or AzurePodIdentityExceptions of a namespace."""
        return list(self._namespaced[resource].get(namespace, {}).values())

    def scale_set(self, node: str) -> str | None:
        return self._scale_sets.get(node)


def _pod_of(obj: KubeObject) -> Key:
    return (_crd.text(obj, "spec", "podNamespace"), _crd.text(obj, "spec", "pod"))
