"""autoscaling/v1 HorizontalPodAutoscalers: the stored autoscaling/v2 objects in the older version, as the apiserver
serves one storage (v2) under both. Each function is a row of the verb table (``apiserver.verbs``); ``kubectl
autoscale`` (1.27 to 1.33) creates its autoscaler in v1 (kubectl pkg/cmd/autoscale/autoscale.go).

The conversion is k8s.io/kubernetes pkg/apis/autoscaling/v1/conversion.go's for the CPU target: v1's
``targetCPUUtilizationPercentage`` is v2's Resource metric ``cpu`` with a Utilization target (absent, v2's
defaulting makes it 80%), ``currentCPUUtilizationPercentage`` the current one. What v1 cannot hold (other metrics,
``behavior``, conditions) upstream keeps in ``autoscaling.alpha.kubernetes.io/*`` annotations; here it is left out
of the v1 view, and a v1 write keeps the stored object's other metrics and behavior.
"""

from __future__ import annotations

from aiohttp import web

from podid.sandbox.kube.apiserver import rest, streams
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, dig

V1, V2 = "autoscaling/v1", "autoscaling/v2"
_STORED = "autoscaling/horizontalpodautoscalers"  # the catalogue names the storage version (v2) first


def _is_cpu(metric: object) -> bool:
    resource = as_dict(as_dict(metric).get("resource"))
    return dig(metric, "type") == "Resource" and resource.get("name") == "cpu"


def to_v1(hpa: Obj) -> Obj:
    spec, status = as_dict(hpa.get("spec")), as_dict(hpa.get("status"))
    cpu = next((m for m in as_list(spec.get("metrics")) if _is_cpu(m)), None)
    v1_spec: Obj = {k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec}
    target = dig(cpu, "resource", "target", "averageUtilization") if cpu else None
    if target is not None:
        v1_spec["targetCPUUtilizationPercentage"] = target
    keys = ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")
    v1_status: Obj = {k: status[k] for k in keys if k in status}
    current = next((m for m in as_list(status.get("currentMetrics")) if _is_cpu(m)), None)
    utilization = dig(current, "resource", "current", "averageUtilization") if current else None
    if utilization is not None:
        v1_status["currentCPUUtilizationPercentage"] = utilization
    return {**hpa, "apiVersion": V1, "spec": v1_spec, "status": v1_status}


def to_v2(hpa: Obj, stored: Obj | None = None) -> Obj:
    """A v1 body as v2, over what is stored (its other metrics and behavior stay)."""
    spec = as_dict(hpa.get("spec"))
    old_spec = as_dict((stored or {}).get("spec"))
    v2_spec: Obj = {k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec}
    metrics = [m for m in as_list(old_spec.get("metrics")) if not _is_cpu(m)]
    if "targetCPUUtilizationPercentage" in spec:
        utilization = {"type": "Utilization", "averageUtilization": spec["targetCPUUtilizationPercentage"]}
        metrics.insert(0, {"type": "Resource", "resource": {"name": "cpu", "target": utilization}})
    if metrics:
        v2_spec["metrics"] = metrics
    if "behavior" in old_spec:
        v2_spec["behavior"] = old_spec["behavior"]
    status = as_dict((stored or {}).get("status"))
    return {**hpa, "apiVersion": V2, "spec": v2_spec, "status": status}


def _stored(context: ApiContext, target: rest.Target) -> rest.Target:
    return rest.Target(context.cluster.resource_type(_STORED), target.namespace, target.name, target.subresource)


async def list_or_watch(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    return await streams.list_or_watch(context, request, _stored(context, target), rest.View(target.rt, to_v1))


async def read(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    found = context.cluster.read(_stored(context, target).rt, target.namespace, target.name)
    return rest.object_response(context, request, target, to_v1(found))


async def create(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    body = to_v2(await rest.read_body(request, target.rt))
    stored, dry_run = _stored(context, target), rest.dry_run(request)
    created = context.cluster.create_object(stored.rt, target.namespace, body, dry_run=dry_run)
    return rest.object_response(context, request, target, to_v1(created), 201)


async def update(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    return await _store(context, request, target, await rest.read_body(request, target.rt))


async def patch(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    body = await rest.patched_view(context, request, _stored(context, target), rest.View(target.rt, to_v1))
    return await _store(context, request, target, body)


async def delete(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    return await rest.delete(context, request, _stored(context, target))


async def _store(context: ApiContext, request: web.Request, target: rest.Target, hpa: Obj) -> web.StreamResponse:
    stored, cluster = _stored(context, target), context.cluster
    current = cluster.read(stored.rt, target.namespace, target.name)
    body = to_v2(hpa, current)
    updated = cluster.update_object(stored.rt, target.namespace, target.name, body, dry_run=rest.dry_run(request))
    return rest.object_response(context, request, target, to_v1(updated))
