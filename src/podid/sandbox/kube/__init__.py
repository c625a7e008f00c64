"""The Kubernetes API server of each sandbox cluster, in rooms; each room's ``__init__`` says what lives there.

From the bottom up: ``machinery`` (objects as JSON dicts, names, selectors, Status errors, encodings, patches,
the catalogue of kinds), ``validation`` (defaults, validation, pruning), ``storage`` (the object store, watches
and the API semantics of one cluster), ``identity`` (users, groups, service-account tokens), ``rbac``,
``events``, ``printing`` (server-side tables), ``controllers``, ``kubelet``, ``network`` (address pools) and
``apiserver`` (the HTTPS front). ``server`` wires one cluster together, ``fleet`` serves every cluster of a
sandbox, and ``api`` is the in-process contract with the rest of the sandbox. The layers are an import-linter
contract in pyproject.toml.
"""

from podid.sandbox.kube.api import (
    ClusterAccess,
    ClusterSpec,
    KubeCluster,
    KubeObject,
    NodeSpec,
    WatchCallback,
)
from podid.sandbox.kube.fleet import KubeFleet
from podid.sandbox.kube.machinery.status import KubeApiError

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
