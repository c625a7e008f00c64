"""Which handler serves a request on a resource: the subresources of each kind, and one table of the verbs.

A request reaches a handler by ``(method, whether it names an object, subresource)``, in the rows of its API group
(``GROUPS``) or the common ones (``VERBS``); ``ANY`` stands for any subresource of the kind without a row of its
own. Kinds that are only created, or deleted their own way, come first. A new verb or subresource is one entry here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web

from podid.sandbox.kube.apiserver import (
    crd_finalizer,
    events_api,
    eviction,
    hpa_v1,
    metrics_api,
    rest,
    reviews,
    streams,
    subresources,
)
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.status import method_not_allowed
from podid.sandbox.kube.storage.cluster import has_status
from podid.sandbox.kube.streaming import pods as pod_streams

Verb = Callable[[ApiContext, web.Request, rest.Target], Awaitable[web.StreamResponse]]
Rows = dict[tuple[str, bool, str], Verb]
ANY = "*"

# The subresources each built-in kind has besides ``status`` (has_status); a path naming any other is a 404.
SUBRESOURCES = {
    "Pod": {"log", "binding", "eviction", "exec", "portforward"},
    "ServiceAccount": {"token"},
    "Namespace": {"finalize"},
    "Deployment": {"scale"},
    "ReplicaSet": {"scale"},
    "StatefulSet": {"scale"},
    "ReplicationController": {"scale"},
}


def subresources_of(rt: ResourceType) -> set[str]:
    """What may follow an object's name in a path of this kind: its subresources (a custom kind's: those of its
    CRD version), and ``status`` when it has one."""
    custom = {sub.name for sub in rt.subresources} if rt.custom else set()
    return SUBRESOURCES.get(rt.kind, set()) | custom | ({"status"} if has_status(rt) else set())


async def _read(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    found = context.cluster.read(target.rt, target.namespace, target.name)
    return rest.object_response(context, request, target, found)


async def _finalize(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    """``PUT namespaces/<name>/finalize``: an update of the namespace itself."""
    return await rest.update(context, request, rest.Target(target.rt, target.namespace, target.name, ""))


async def _pod_stream(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    """exec and portforward: the connection is upgraded (SPDY or WebSocket) to the pod's process or port."""
    pod = context.cluster.read(target.rt, target.namespace, target.name)
    return await pod_streams.serve(request, pod, target.subresource, context.kubelet, streams.pick_container)


async def _not_allowed(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    raise method_not_allowed()


# Kinds that are only created, never stored (reviews): POST answers, every other method is refused
_CREATED: dict[str, Verb] = {
    "SelfSubjectAccessReview": reviews.self_subject_access_review,
    "SelfSubjectRulesReview": reviews.self_subject_rules_review,
    "SelfSubjectReview": reviews.self_subject_review,
}
# Kinds whose registry deletes an object its own way
_DELETED: dict[str, Verb] = {"CustomResourceDefinition": crd_finalizer.delete}
# (method, names an object, subresource) -> handler, for every other resource; ANY: any subresource of the kind
VERBS: Rows = {
    ("GET", False, ""): streams.list_or_watch,
    ("GET", True, ANY): _read,
    ("GET", True, "log"): streams.logs,
    ("GET", True, "scale"): subresources.scale,
    ("POST", False, ""): rest.create,
    ("POST", True, "binding"): subresources.binding,
    ("POST", True, "eviction"): eviction.evict,
    ("POST", True, "token"): subresources.token_request,
    ("PUT", True, ANY): rest.update,
    ("PUT", True, "finalize"): _finalize,
    ("PUT", True, "scale"): subresources.scale,
    ("PATCH", True, ANY): rest.patch,
    ("PATCH", True, "scale"): subresources.scale,
    ("DELETE", False, ""): rest.delete,
    ("DELETE", True, ANY): rest.delete,
    ("DELETE", True, "scale"): _not_allowed,
    **{(method, True, sub): _pod_stream for method in ("GET", "POST") for sub in pod_streams.SUBRESOURCES},
}


class OtherVersion(Protocol):
    """A module serving a kind stored in another version (events_api, hpa_v1): each verb converts."""

    @property
    def list_or_watch(self) -> Verb: ...
    @property
    def read(self) -> Verb: ...
    @property
    def create(self) -> Verb: ...
    @property
    def update(self) -> Verb: ...
    @property
    def patch(self) -> Verb: ...
    @property
    def delete(self) -> Verb: ...


def _other_version(served: OtherVersion) -> Rows:
    return {
        ("GET", False, ""): served.list_or_watch,
        ("GET", True, ""): served.read,
        ("POST", False, ""): served.create,
        ("PUT", True, ""): served.update,
        ("PATCH", True, ""): served.patch,
        ("DELETE", False, ""): served.delete,
        ("DELETE", True, ""): served.delete,
    }


# API groups (or group-versions) whose kinds have rows of their own instead of VERBS
GROUPS: dict[str, Rows] = {
    "events.k8s.io": _other_version(events_api),  # core/v1 Events stored, served in events.k8s.io/v1
    "autoscaling/v1": _other_version(hpa_v1),  # autoscaling/v2 HorizontalPodAutoscalers stored, served in v1 too
    # metrics-server's NodeMetrics and PodMetrics, computed at each read
    "metrics.k8s.io": {("GET", False, ""): metrics_api.list_metrics, ("GET", True, ""): metrics_api.read_metrics},
}


async def serve(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    """Serve a request on what its path names (a subresource among ``subresources_of``), or refuse it with 405."""
    method, rt = request.method, target.rt
    if method in ("POST", "DELETE") and not target.name and rt.namespaced and not target.namespace:
        raise method_not_allowed()  # namespaced kinds are created and deleted in bulk per namespace only
    return await handler(method, target)(context, request, target)


def handler(method: str, target: rest.Target) -> Verb:
    """The handler of ``method`` on what ``target`` names; a method it has none for is refused with 405."""
    rt = target.rt
    if rt.verbs == ("create",):  # reviews are created, never stored: nothing to read, change or delete
        found = _CREATED.get(rt.kind) if method == "POST" else None
    elif method == "DELETE" and target.name and not target.subresource and rt.kind in _DELETED:
        found = _DELETED[rt.kind]
    else:
        rows, key = GROUPS.get(rt.api_version, GROUPS.get(rt.group, VERBS)), (method, bool(target.name))
        found = rows.get((*key, target.subresource)) or rows.get((*key, ANY))
    if found is None:
        raise method_not_allowed()
    return found
