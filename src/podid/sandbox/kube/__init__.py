"""The Kubernetes API server of each sandbox cluster, in rooms; each room's ``__init__`` says what lives there.

From the bottom up: ``machinery`` (objects as JSON dicts, names, selectors, Status errors, encodings, patches,
the catalogue of kinds) and ``network`` (address pools), ``validation`` (defaults, validation, pruning),
``storage`` (the object store, watches and the API semantics of one cluster), ``identity`` (users, groups,
service-account tokens), ``rbac``, ``events``, ``printing`` (server-side tables) and ``controllers``,
``kubelet``, ``streaming`` (the exec and port-forward protocols) and ``openapi`` (the OpenAPI v3 documents),
and ``apiserver`` (the HTTPS front). ``server`` wires one cluster together, ``fleet`` serves every cluster of a
sandbox, and ``api`` is the in-process contract with the rest of the sandbox. The layers are an import-linter
contract in pyproject.toml. Importing the package loads the contract only (tests/architecture/test_light_imports.py).

Where a change lands: a new verb or subresource is a row of ``apiserver.verbs`` (its handler in
``apiserver.rest``, ``apiserver.subresources`` or a module of its own); a new built-in kind is an entry of the
catalogue (``machinery.resources``), with its checks in ``validation.kinds``, its defaults in
``validation.defaults``, its ``kubectl get`` row in ``printing.printers`` and, when something acts on it, a
controller in ``controllers``.
"""

import importlib
import typing

from podid.sandbox.kube.api import (
    ClusterAccess,
    ClusterSpec,
    KubeCluster,
    KubeObject,
    NodeSpec,
    WatchCallback,
)

if typing.TYPE_CHECKING:
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

# The fleet pulls in the API server, the kubelet and the controllers, and KubeApiError the catalogue of kinds: they
# load when first asked for, so that a component speaking only the contract (``api``) imports the contract alone.
_LAZY = {"KubeFleet": "podid.sandbox.kube.fleet", "KubeApiError": "podid.sandbox.kube.machinery.status"}


def __getattr__(name: str) -> typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # once loaded, an attribute like the others
    return value
