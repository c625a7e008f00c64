"""Subresources with their own body kinds: ``pods/binding``, ``serviceaccounts/token`` and ``*/scale``.

* Binding (POST) places a pod on a node, as a custom scheduler does; a bound pod answers 409.
* TokenRequest (POST) mints a bound service-account token (``kubectl create token``), optionally bound to a
  pod; at least ten minutes long.
* Scale (GET/PUT/PATCH, ``autoscaling/v1``) reads and writes a Deployment's, ReplicaSet's or
  ReplicationController's replicas (``kubectl scale``, ``patch_namespaced_deployment_scale``), and a custom
  kind's at the paths its CRD names (``crd_scale``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from podid.sandbox.kube.apiserver import crd_scale, fieldmanager, rest
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.controllers.scheduler import bind_pod
from podid.sandbox.kube.identity.tokens import Binding
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig
from podid.sandbox.kube.machinery.patching import apply_patch
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.selectors import SelectorError, selector_from_map, selector_from_object
from podid.sandbox.kube.machinery.status import conflict, invalid, invalid_value, method_not_allowed

MIN_TOKEN_SECONDS = 600
_TOKEN_REQUEST = ResourceType("authentication.k8s.io", "v1", "tokenrequests", "TokenRequest", True)
_SCALE = ResourceType("autoscaling", "v1", "scale", "Scale", True)
_SCALE_METADATA = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")


async def binding(context: ApiContext, request: web.Request, target: rest.Target) -> web.Response:
    body = await rest.read_body(request)
    cluster = context.cluster
    pod = cluster.read(target.rt, target.namespace, target.name)
    assigned = as_str(dig(pod, "spec", "nodeName"))
    if assigned:
        raise conflict(target.rt, target.name, f"pod {target.name} is already assigned to node {assigned}")
    bind_pod(cluster, pod, as_str(dig(body, "target", "name")))
    success = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    return rest.json_response(success, 201)


async def token_request(context: ApiContext, request: web.Request, target: rest.Target) -> web.Response:
    body = await rest.read_body(request)
    account = context.cluster.read(target.rt, target.namespace, target.name)
    spec = as_dict(body.get("spec"))
    seconds = as_int(spec.get("expirationSeconds"), 3600)
    if seconds < MIN_TOKEN_SECONDS:
        error = invalid_value("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes")
        raise invalid(_TOKEN_REQUEST, target.name, [error])
    audiences = [as_str(a) for a in as_list(spec.get("audiences"))] or [context.signer.issuer]
    pod = _bound_pod(context, target.namespace, as_dict(spec.get("boundObjectRef")))
    bound = Binding(target.namespace, target.name, as_str(dig(account, "metadata", "uid")), pod)
    token, _, expires = context.signer.mint(bound, audiences, seconds)
    expiry = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": target.name, "namespace": target.namespace, "creationTimestamp": None},
        "spec": {**spec, "audiences": audiences, "expirationSeconds": seconds},
        "status": {"token": token, "expirationTimestamp": expiry},
    }
    return rest.json_response(response, 201)


def _bound_pod(context: ApiContext, namespace: str, ref: Obj) -> Obj | None:
    if ref.get("kind") != "Pod":
        return None
    pods = context.cluster.resource_type("pods")
    pod = context.cluster.read(pods, namespace, as_str(ref.get("name")))
    if ref.get("uid") and ref["uid"] != dig(pod, "metadata", "uid"):
        raise conflict(pods, as_str(ref.get("name")), "the UID in the bound object reference does not match")
    return pod


def _scale_of(obj: Obj) -> Obj:
    meta = as_dict(obj.get("metadata"))
    raw = dig(obj, "spec", "selector")
    try:  # a ReplicationController's selector is a label map
        selector = str(
            selector_from_map(as_dict(raw)) if obj.get("kind") == "ReplicationController" else selector_from_object(raw)
        )
    except SelectorError:
        selector = ""
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta
        },
        "spec": {"replicas": as_int(dig(obj, "spec", "replicas"))},
        "status": {"replicas": as_int(dig(obj, "status", "replicas")), "selector": selector},
    }


def _with_replicas(obj: Obj, replicas: int) -> Obj:
    return {**obj, "spec": {**as_dict(obj.get("spec")), "replicas": replicas}}


def _scale_accessors(context: ApiContext, rt: ResourceType) -> crd_scale.Accessors:
    """A built-in kind's Scale is its spec.replicas; a custom kind's is at the paths its CRD names."""
    if rt.custom:
        return crd_scale.accessors(crd_scale.scale_paths(context.cluster, rt))
    return _scale_of, _with_replicas


async def scale(context: ApiContext, request: web.Request, target: rest.Target) -> web.Response:
    cluster = context.cluster
    current = cluster.read(target.rt, target.namespace, target.name)
    to_scale, with_replicas = _scale_accessors(context, target.rt)
    if request.method == "GET":
        return rest.json_response(to_scale(current))
    if request.method == "PUT":
        wanted = await rest.read_body(request)
    elif request.method == "PATCH":
        body = await request.read()
        wanted = apply_patch(to_scale(current), body, request.headers.get("Content-Type"), target.rt)
    else:
        raise method_not_allowed()
    sent_version = dig(wanted, "metadata", "resourceVersion")
    if sent_version and sent_version != dig(current, "metadata", "resourceVersion"):
        raise conflict(target.rt, target.name)
    replicas = dig(wanted, "spec", "replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise invalid(
            _SCALE, target.name, [invalid_value("spec.replicas", replicas, "must be greater than or equal to 0")]
        )
    written = cluster.write(target.rt, with_replicas(current, replicas), fieldmanager.manager_of(request, "scale"))
    return rest.json_response(to_scale(written))
