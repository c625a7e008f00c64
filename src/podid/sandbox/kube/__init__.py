"""The Kubernetes API server of each sandbox cluster.

The building blocks are private modules working on plain JSON dicts, without I/O: the served kinds and discovery
(``_resources``), selectors (``_selectors``), patches (``_patching``, ``_strategic``), validation and pruning
(``_validation``, ``_pruning``), Status errors (``_status``), Table output (``_tables``, ``_printers``) and watch
fan-out (``_watch``). ``api`` is the in-process contract with the rest of the sandbox.

On top of them: the object store (``_objectstore``) and API semantics (``_cluster``), the HTTP front
(``_http``, ``_rest``, ``_streams``, ``_auth``), the controllers (``_workloads``, ``_scheduler``, ``_services``,
``_lifecycle``), the kubelet (``_kubelet``, ``_containers``, ``_podfiles``, ``_podenv``) and ``fleet``, the
sandbox service that serves every cluster.
"""

from podid.sandbox.kube._status import KubeApiError
from podid.sandbox.kube.api import (
    ClusterAccess,
    ClusterSpec,
    KubeCluster,
    KubeObject,
    NodeSpec,
    WatchCallback,
)
from podid.sandbox.kube.fleet import KubeFleet

__all__ = [
    "ClusterAccess",
    "ClusterSpec",
    "KubeApiError",
    "KubeCluster",
    "KubeFleet",
    "KubeObject",
    "NodeSpec",
    "WatchCallback",
]
