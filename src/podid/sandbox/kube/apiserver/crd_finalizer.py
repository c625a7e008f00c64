"""Deleting a CustomResourceDefinition: the ``customresourcecleanup.apiextensions.k8s.io`` finalizer.

The first DELETE of a CRD (k8s.io/apiextensions-apiserver pkg/registry/customresourcedefinition/etcd.go,
REST.Delete) stamps its deletionTimestamp, adds the finalizer and sets ``Terminating=True``
(``InstanceDeletionPending``); the object is answered as it then is. The finalizer controller
(pkg/controller/finalizer/crd_finalizer.go, sync) then marks ``InstanceDeletionInProgress``, deletes every custom
object of the CRD (those with finalizers of their own stay until their controllers let them go), and once none
is left sets ``InstanceDeletionCompleted`` and removes the finalizer, which ends the CRD: its kind stops being
served (404). Meanwhile the kind is still served, but creating an object is refused
(pkg/apiserver/customresource_handler.go: ``create not allowed while custom resource definition is terminating``).

The controller runs on the event loop right after the change that calls for it, and again when one of the CRD's
objects goes. Upstream gives up waiting after a minute (``InstanceDeletionCheck``) and retries; here the CRD simply
waits for its last object.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from podid.sandbox.kube.apiserver import rest
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.apiserver.crd_status import condition, is_true, set_condition
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.status import KubeApiError, method_not_allowed
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions, clone

CRDS = "apiextensions.k8s.io/customresourcedefinitions"
FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


async def delete(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    """DELETE of one CRD: marked for the finalizer on the first request, then the generic delete (which keeps it)."""
    cluster = context.cluster
    crd = cluster.read(target.rt, "", target.name)
    if not dig(crd, "metadata", "deletionTimestamp") and not rest.dry_run(request):
        cluster.commit(target.rt, crd, _marked(cluster, crd))
    return await rest.delete(context, request, target)


def _marked(cluster: Cluster, crd: Obj) -> Obj:
    marked = clone(crd)
    meta = marked["metadata"]
    meta["deletionTimestamp"] = cluster.now()
    meta["deletionGracePeriodSeconds"] = 0
    meta["finalizers"] = [*as_list(meta.get("finalizers")), FINALIZER]
    pending = "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon"
    status = marked.setdefault("status", {})
    set_condition(status, condition("Terminating", "True", "InstanceDeletionPending", pending), cluster.now())
    return marked


def terminating_error(rt: ResourceType) -> KubeApiError:
    """405 MethodNotSupported with the handler's own message."""
    error = method_not_allowed(rt, "create")
    error.status["message"] = "create not allowed while custom resource definition is terminating"
    return error


def watch_deletions(cluster: Cluster, custom_resource: Callable[[Obj], str]) -> Callable[[str, Obj], None]:
    """The listener that runs the finalizer controller: for a CRD marked for deletion, and for each object of a
    terminating CRD that goes. ``custom_resource`` names an object's CRD ("" for objects of other kinds)."""

    def on_event(event_type: str, obj: Obj) -> None:
        if obj.get("kind") == "CustomResourceDefinition" and event_type == "MODIFIED":
            name = as_str(dig(obj, "metadata", "name"))
        elif event_type == "DELETED":
            name = custom_resource(obj)
        else:
            return
        if name and _finalizing(cluster.objects.get(CRDS, "", name)):
            _soon(lambda: finalize(cluster, name))

    return on_event


def _finalizing(crd: Obj | None) -> bool:
    return crd is not None and bool(dig(crd, "metadata", "deletionTimestamp")) and FINALIZER in _finalizers(crd)


def _finalizers(crd: Obj) -> list[str]:
    return [as_str(f) for f in as_list(dig(crd, "metadata", "finalizers"))]


def _soon(work: Callable[[], None]) -> None:
    """After the write being published, as a controller's next sync would (at once without an event loop)."""
    try:
        asyncio.get_running_loop().call_soon(work)
    except RuntimeError:
        work()


def finalize(cluster: Cluster, name: str) -> None:
    """crd_finalizer.go sync: delete the CRD's objects; when none is left, let the CRD go."""
    rt = cluster.resource_type(CRDS)
    crd = cluster.objects.get(CRDS, "", name)
    if crd is None or not _finalizing(crd):
        return
    in_progress = condition(
        "Terminating", "True", "InstanceDeletionInProgress", "CustomResource deletion is in progress"
    )
    if is_true(crd, "Established"):
        crd = _with_condition(cluster, rt, crd, in_progress)
        if delete_instances(cluster, crd):
            return  # objects held by their own finalizers: synced again when each goes
        done = condition("Terminating", "False", "InstanceDeletionCompleted", "removed all instances")
    else:
        done = condition("Terminating", "False", "NeverEstablished", "resource was never established")
    crd = _with_condition(cluster, rt, crd, done)
    released = clone(crd)
    released["metadata"]["finalizers"] = [f for f in _finalizers(crd) if f != FINALIZER]
    cluster.write(rt, released)


def _with_condition(cluster: Cluster, rt: ResourceType, crd: Obj, wanted: Obj) -> Obj:
    status = clone(as_dict(crd.get("status")))
    set_condition(status, wanted, cluster.now())
    return cluster.write_status(rt, crd, status)


def delete_instances(cluster: Cluster, crd: Obj) -> int:
    """deleteInstances: every object of the CRD's served kind is deleted; the number still there afterwards."""
    resource = f"{dig(crd, 'spec', 'group')}/{dig(crd, 'status', 'acceptedNames', 'plural')}"
    try:
        rt = cluster.resource_type(resource)
    except KeyError:  # never served: nothing was stored under it
        return 0
    for obj in list(cluster.objects.objects(resource)):
        meta = as_dict(obj.get("metadata"))
        if not meta.get("deletionTimestamp"):
            cluster.delete_object(rt, as_str(meta.get("namespace")), as_str(meta.get("name")), DeleteOptions())
    return len(cluster.objects.objects(resource))
