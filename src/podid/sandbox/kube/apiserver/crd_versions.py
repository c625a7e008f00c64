"""A custom kind's versions: objects are stored in the CRD's storage version and served in the version asked for.

k8s.io/apiextensions-apiserver pkg/apiserver/conversion: with ``spec.conversion.strategy: None`` (nopConverter)
converting an object only rewrites its apiVersion; with ``Webhook`` every conversion between two versions is a
ConversionReview POSTed to the webhook, which no sandbox workload serves, so each one fails as the apiserver's
webhook converter does when it cannot reach it (webhook_converter.go: ``conversion webhook for <gvk> failed:
Post "<url>?timeout=30s": <cause>``, a plain error: 500 without a reason). An object already in the version asked
for is not converted. Objects written before the storage version changed stay in their version until rewritten
(as without the storage version migrator); a watch sees only those in the current storage version.
"""

from __future__ import annotations

import dataclasses

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.status import KubeApiError, unknown_error
from podid.sandbox.kube.storage.cluster import Cluster

CRDS = "apiextensions.k8s.io/customresourcedefinitions"


def _crd(cluster: Cluster, rt: ResourceType) -> Obj | None:
    return cluster.objects.get(CRDS, "", f"{rt.plural}.{rt.group}") if rt.custom else None


def _storage_version(crd: Obj) -> str:
    versions = map(as_dict, as_list(dig(crd, "spec", "versions")))
    return next((as_str(v.get("name")) for v in versions if v.get("storage")), "")


def storage_type(cluster: Cluster, rt: ResourceType) -> ResourceType | None:
    """The type objects of ``rt`` are stored as, when it is another version than ``rt``'s (None otherwise)."""
    crd = _crd(cluster, rt)
    storage = _storage_version(crd) if crd is not None else ""
    if not storage or storage == rt.version:
        return None
    return dataclasses.replace(rt, version=storage)


def served(cluster: Cluster, rt: ResourceType, obj: Obj) -> Obj:
    """``obj`` in ``rt``'s version."""
    if not rt.custom or obj.get("apiVersion") == rt.api_version:
        return obj
    crd = _crd(cluster, rt)
    return _converted(cluster, crd, obj, rt.api_version) if crd is not None else obj


def to_storage(cluster: Cluster, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
    """Admission of a custom object: converted in place into the storage version before it is stored."""
    crd = _crd(cluster, rt)
    storage = _storage_version(crd) if crd is not None else ""
    if crd is not None and storage:
        obj.update(_converted(cluster, crd, obj, f"{rt.group}/{storage}"))


def _converted(cluster: Cluster, crd: Obj, obj: Obj, api_version: str) -> Obj:
    if obj.get("apiVersion") == api_version:
        return obj
    conversion = as_dict(dig(crd, "spec", "conversion"))
    if conversion.get("strategy") == "Webhook":
        raise _unreachable_webhook(cluster, conversion, obj)
    return {**obj, "apiVersion": api_version}


def _unreachable_webhook(cluster: Cluster, conversion: Obj, obj: Obj) -> KubeApiError:
    """The webhook converter's error: the webhook's Service has no pods answering (or no such Service)."""
    config = as_dict(dig(conversion, "webhook", "clientConfig"))
    service = as_dict(config.get("service"))
    group, _, version = as_str(obj.get("apiVersion")).rpartition("/")
    gvk = f"{group}/{version}, Kind={obj.get('kind')}"  # schema.GroupVersionKind.String()
    if service:
        name, namespace = as_str(service.get("name")), as_str(service.get("namespace"))
        url = f"https://{name}.{namespace}.svc:{service.get('port') or 443}{as_str(service.get('path'))}"
        known = cluster.find(cluster.resource_type("services"), namespace, name) is not None
        cause = f'no endpoints available for service "{name}"' if known else f'service "{name}" not found'
    else:
        url = as_str(config.get("url"))
        cause = f"dial tcp: lookup {url.split('://', 1)[-1].split('/', 1)[0].split(':', 1)[0]}: no such host"
    return unknown_error(f'conversion webhook for {gvk} failed: Post "{url}?timeout=30s": {cause}')
