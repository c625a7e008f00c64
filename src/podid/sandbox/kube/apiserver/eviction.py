"""``POST pods/<name>/eviction`` (policy/v1 Eviction): a pod deleted only as far as its PodDisruptionBudget allows.

As k8s.io/kubernetes pkg/registry/core/pod/storage/eviction.go: a pod that is not running (Pending, Succeeded,
Failed) or is already being deleted goes at once; a pod under more than one budget is a 500; one under a budget
goes only while, without it, at least the budget's desired number of pods stays healthy, else 429 TooManyRequests
with a ``DisruptionBudget`` cause. The budget's arithmetic is the disruption controller's (minAvailable as a number
or a percentage of the pods it selects, rounded up; maxUnavailable likewise), computed when the eviction comes
instead of read from a status a controller keeps. A granted eviction is a graceful delete with the Eviction's
deleteOptions, answered 201 with a Success Status. ``kubectl drain`` evicts through it when discovery lists
``pods/eviction`` (kubectl pkg/drain/drain.go CheckEvictionSupport).
"""

from __future__ import annotations

import math

from aiohttp import web

from podid.sandbox.kube.apiserver import rest
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.controllers.workloads import pod_ready
from podid.sandbox.kube.machinery.objects import Obj, as_dict, dig, labels_of
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.selectors import SelectorError, selector_from_object
from podid.sandbox.kube.machinery.status import KubeApiError, internal_error
from podid.sandbox.kube.storage.cluster import DeleteOptions

EVICTION = ResourceType("policy", "v1", "evictions", "Eviction", True)
_PDBS = "policy/poddisruptionbudgets"
_VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget."


async def evict(context: ApiContext, request: web.Request, target: rest.Target) -> web.Response:
    body = await rest.read_body(request, EVICTION)
    cluster = context.cluster
    pod = cluster.read(target.rt, target.namespace, target.name)
    if _disruptable(pod):
        budgets = [b for b in cluster.list_objects(cluster.resource_type(_PDBS), target.namespace) if _covers(b, pod)]
        if len(budgets) > 1:
            raise internal_error(
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
            )
        if budgets:
            _check_budget(context, budgets[0])
    options = DeleteOptions.from_body(as_dict(body.get("deleteOptions")))
    cluster.delete_object(target.rt, target.namespace, target.name, options)
    success = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    return rest.status_response(request, success, 201)


def _disruptable(pod: Obj) -> bool:
    """eviction.go: only a running pod not yet being deleted is checked against a budget."""
    return dig(pod, "status", "phase") == "Running" and not dig(pod, "metadata", "deletionTimestamp")


def _covers(budget: Obj, pod: Obj) -> bool:
    try:
        selector = selector_from_object(dig(budget, "spec", "selector"))
    except SelectorError:
        return False
    return selector.matches(labels_of(pod))  # policy/v1: an empty selector selects every pod of the namespace


def _check_budget(context: ApiContext, budget: Obj) -> None:
    cluster, spec = context.cluster, as_dict(budget.get("spec"))
    namespace = str(dig(budget, "metadata", "namespace"))
    pods = [p for p in cluster.list_objects(cluster.resource_type("pods"), namespace) if _covers(budget, p)]
    healthy = sum(1 for p in pods if pod_ready(p) and not dig(p, "metadata", "deletionTimestamp"))
    if "maxUnavailable" in spec:
        desired = max(0, len(pods) - _scaled(spec["maxUnavailable"], len(pods)))
    else:
        desired = _scaled(spec.get("minAvailable", 1), len(pods))
    if healthy - 1 < desired:
        name = str(dig(budget, "metadata", "name"))
        cause = {
            "reason": "DisruptionBudget",
            "message": f"The disruption budget {name} needs {desired} healthy pods and has {healthy} currently",
        }
        details = {"causes": [cause]}
        raise KubeApiError(
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": _VIOLATES,
             "reason": "TooManyRequests", "details": details, "code": 429}
        )  # fmt: skip


def _scaled(value: object, expected: int) -> int:
    """An IntOrString of the budget: a number, or a percentage of the expected pods rounded up
    (intstr.GetScaledValueFromIntOrPercent with roundUp)."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * expected / 100)
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0
