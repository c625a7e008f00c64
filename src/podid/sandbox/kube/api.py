"""The in-process contract between the sandbox's Kubernetes clusters and the rest of the sandbox.

AKS (``arm/containerservice``) creates and deletes clusters through ``KubeFleet``; the pod identity add-on
(``podidentity``) and NMI read and write cluster objects through ``KubeCluster`` with the same semantics as the
REST API (validation, resourceVersion, watch events), because on AKS those components are cluster clients too.

Resources are named ``"<plural>"`` for the core group and ``"<group>/<plural>"`` otherwise, e.g. ``"pods"``,
``"apps/deployments"``, ``"aadpodidentity.k8s.io/azureidentities"``. Objects are plain dicts as on the wire.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

KubeObject = dict[str, Any]
# (event type "ADDED" | "MODIFIED" | "DELETED", resource name, object)
WatchCallback = Callable[[str, str, KubeObject], None]


@dataclass(frozen=True)
class NodeSpec:
    name: str  # aks-nodepool1-12345678-vmss000000
    provider_id: str  # azure:///subscriptions/…/virtualMachineScaleSets/<vmss>/virtualMachines/0
    zone: str  # "westus2-1"
    internal_ip: str
    vm_size: str = "Standard_DS2_v2"


@dataclass(frozen=True)
class ClusterSpec:
    cluster_id: str  # the managedCluster ARM id (any casing; compared lower-cased)
    name: str
    location: str
    kubernetes_version: str
    network_plugin: str
    nodes: tuple[NodeSpec, ...]
    oidc_issuer_url: str | None = None
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterAccess:
    server_url: str  # https://127.0.0.1:<port>
    admin_token: str
    user_token: str


class KubeCluster(Protocol):
    """One cluster's object store, used in-process by sandbox components that are cluster clients on AKS."""

    cluster_id: str

    def get(self, resource: str, namespace: str | None, name: str) -> KubeObject | None: ...

    def list(
        self, resource: str, namespace: str | None = None, label_selector: str | None = None
    ) -> list[KubeObject]: ...

    def create(self, resource: str, obj: KubeObject) -> KubeObject: ...

    def replace(self, resource: str, obj: KubeObject) -> KubeObject: ...

    def delete(self, resource: str, namespace: str | None, name: str) -> KubeObject | None: ...

    def subscribe(self, callback: WatchCallback) -> Callable[[], None]:
        """Call ``callback`` for every change in this cluster; returns the unsubscribe function."""
        ...


class KubeFleet(Protocol):
    """All clusters of the sandbox (``cloud.kube``)."""

    def ensure_cluster(self, spec: ClusterSpec) -> ClusterAccess: ...

    def delete_cluster(self, cluster_id: str) -> None: ...

    def cluster(self, cluster_id: str) -> KubeCluster | None: ...

    def pod_by_ip(self, ip: str) -> tuple[KubeCluster, KubeObject] | None:
        """The Pending or Running pod that owns this pod IP, in any cluster (NMI identifies callers by it)."""
        ...
