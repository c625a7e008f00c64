"""metrics.k8s.io/v1beta1, as metrics-server (which every AKS cluster runs in kube-system) serves it through the
aggregator: NodeMetrics and PodMetrics, read and listed, never stored. Each function is a row of the verb table
(``apiserver.verbs``).

As kubernetes-sigs/metrics-server ``pkg/api`` (pod.go, node.go) and ``pkg/storage`` write them: a Running pod's
running containers, each with its ``usage`` (CPU in nanocores, memory in bytes, as quantities), the pod's name,
namespace and labels and a ``creationTimestamp`` of now; a node's usage (here the sum of its pods'); lists by
the pods' or nodes' label and field selectors, sorted by namespace and name, with empty list metadata. A pod or
node that exists without metrics is ``podmetrics.metrics.k8s.io "<ns>/<name>" not found`` (``nodemetrics…``);
one that does not exist, the pod's or node's own NotFound.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from podid.sandbox.kube.apiserver import rest
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.kubelet.usage import Usage
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig, labels_of
from podid.sandbox.kube.machinery.status import method_not_allowed, not_found

_NODE, _POD = "NodeMetrics", "PodMetrics"


async def list_metrics(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    if rest.flag(request, "watch"):
        raise method_not_allowed()  # metrics-server's resources are get and list only
    plural = "nodes" if target.rt.kind == _NODE else "pods"
    found = context.cluster.list_objects(
        context.cluster.resource_type(plural),
        target.namespace or None,
        request.query.get("labelSelector", ""),
        request.query.get("fieldSelector", ""),
    )
    items = [item for obj in found if (item := _metrics(context, target.rt.kind, obj)) is not None]
    body = {"kind": f"{target.rt.kind}List", "apiVersion": target.rt.api_version, "metadata": {}, "items": items}
    return rest.json_response(body)


async def read_metrics(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    plural = "nodes" if target.rt.kind == _NODE else "pods"
    obj = context.cluster.read(context.cluster.resource_type(plural), target.namespace, target.name)
    item = _metrics(context, target.rt.kind, obj)
    if item is None:
        name = f"{target.namespace}/{target.name}" if target.namespace else target.name
        raise not_found(replace(target.rt, plural=target.rt.kind.lower()), name)  # install.go: "podmetrics"
    return rest.json_response(item)


def _metrics(context: ApiContext, kind: str, obj: Obj) -> Obj | None:
    return _node_metrics(context, obj) if kind == _NODE else _pod_metrics(context, obj)


def _pod_usages(context: ApiContext, pod: Obj) -> list[tuple[str, Usage]]:
    """The running containers of a Running pod, with their usage."""
    if dig(pod, "status", "phase") != "Running":
        return []
    usages = []
    for spec in as_list(dig(pod, "spec", "containers")):
        found = context.kubelet.container(pod, as_str(as_dict(spec).get("name")))
        if found is not None and found[1].running:
            usages.append((found[1].name, context.kubelet.usage.container(found[1])))
    return usages


def _pod_metrics(context: ApiContext, pod: Obj) -> Obj | None:
    usages = _pod_usages(context, pod)
    if not usages:
        return None
    meta = as_dict(pod.get("metadata"))
    containers = [{"name": name, "usage": _usage(usage)} for name, usage in usages]
    head = _head(context, _POD, {"name": meta.get("name"), "namespace": meta.get("namespace")}, pod)
    return {**head, **_window(max(u.window_seconds for _, u in usages)), "containers": containers}


def _node_metrics(context: ApiContext, node: Obj) -> Obj:
    name = as_str(dig(node, "metadata", "name"))
    pods = context.cluster.list_objects(context.cluster.resource_type("pods"), None, "", f"spec.nodeName={name}")
    usages = [usage for pod in pods for _, usage in _pod_usages(context, pod)]
    total = Usage(sum(u.cpu_nanocores for u in usages), sum(u.memory_bytes for u in usages), 0.0)
    window = max((u.window_seconds for u in usages), default=0.0)
    return {**_head(context, _NODE, {"name": name}, node), **_window(window), "usage": _usage(total)}


def _head(context: ApiContext, kind: str, meta: Obj, source: Obj) -> Obj:
    now = context.cluster.clock.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    labels = labels_of(source)
    metadata = {**meta, "creationTimestamp": now, **({"labels": labels} if labels else {})}
    return {"kind": kind, "apiVersion": "metrics.k8s.io/v1beta1", "metadata": metadata, "timestamp": now}


def _window(seconds: float) -> Obj:
    return {"window": go_duration(round(seconds * 1000) * 1_000_000)}


def _usage(usage: Usage) -> dict[str, str]:
    """resource.NewScaledQuantity(nanocores, -9) and resource.NewQuantity(bytes, BinarySI), canonical."""
    return {"cpu": decimal_quantity(usage.cpu_nanocores), "memory": binary_quantity(usage.memory_bytes)}


def decimal_quantity(nanos: int) -> str:
    """A count of billionths written as Quantity.String() does: the largest of ``""``, m, u, n that is exact."""
    for suffix, unit in (("", 1_000_000_000), ("m", 1_000_000), ("u", 1_000), ("n", 1)):
        if nanos % unit == 0:
            return f"{nanos // unit}{suffix}"
    raise AssertionError("unreachable: every integer is a whole number of n")


def binary_quantity(count: int) -> str:
    """Bytes written as a BinarySI Quantity: the largest power-of-1024 suffix that is exact."""
    suffixes = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
    step = 0
    while count and count % 1024 == 0 and step < len(suffixes) - 1:
        count, step = count // 1024, step + 1
    return f"{count}{suffixes[step]}"


def go_duration(nanos: int) -> str:
    """time.Duration.String(): ``15.021s``, ``1m5s``, ``1h0m0.5s``, ``500ms``."""
    if nanos == 0:
        return "0s"
    if nanos < 1_000_000_000:
        for suffix, unit in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if nanos >= unit:
                return _fraction(nanos, unit) + suffix
    hours, rest = divmod(nanos, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = _fraction(rest, 1_000_000_000) + "s"
    return (f"{hours}h{minutes}m" if hours else f"{minutes}m" if minutes else "") + text


def _fraction(value: int, unit: int) -> str:
    whole, part = divmod(value, unit)
    digits = str(part).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)
