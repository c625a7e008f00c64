"""metrics.k8s.io/v1beta1 (metrics-server on every AKS cluster), through the kubernetes client's metrics
utilities and CustomObjectsApi, and ``kubectl top``.

Covers: a Running pod's containers have usage (a workload's process measured: memory in Ki, CPU in n/u/m/cores;
an image that runs nothing uses "0"), with the pod's labels, a window and a timestamp; the client's
``get_pods_metrics`` filters by label; every node has metrics; a pod that is not Running has none
(``podmetrics.metrics.k8s.io "<ns>/<name>" not found``) and a missing pod is the pod's NotFound; discovery lists
NodeMetrics and PodMetrics with get and list only, and a watch is refused; ``kubectl top pod`` and ``kubectl top
node`` print them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import utils
from kubernetes.client.rest import ApiException

from tests.kube.conftest import Kubectl, eventually, pod_dict

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
DEMO_IMAGE = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"


def running(core: k8s.CoreV1Api, namespace: str, name: str) -> bool:
    return core.read_namespaced_pod(name, namespace).status.phase == "Running"


@pytest.fixture
def pods(core: k8s.CoreV1Api, namespace: str) -> str:
    """A pod whose container is a workload process (the demo) and one whose image runs nothing."""
    demo = pod_dict("demo", DEMO_IMAGE, app="demo")
    demo["spec"]["containers"][0]["args"] = ["--retry-wait-time=3600"]
    core.create_namespaced_pod(namespace, demo)
    core.create_namespaced_pod(namespace, pod_dict("idle", "nginx:1.25", app="idle"))
    for name in ("demo", "idle"):
        eventually(lambda name=name: running(core, namespace, name), f"{name} Running")
    return namespace


def demo_measured(api_client: k8s.ApiClient, namespace: str) -> dict[str, Any] | None:
    """The pods' metrics once the demo's process is measured: a container counts as started before the zygote
    has forked it (a second on a busy machine), and until then it has no process to read."""
    found: dict[str, Any] = utils.get_pods_metrics(api_client, namespace)
    demo = [item for item in found["items"] if item["metadata"]["name"] == "demo"]
    return found if demo and demo[0]["containers"][0]["usage"]["memory"] != "0" else None


def test_running_pods_have_their_containers_usage(api_client: k8s.ApiClient, pods: str) -> None:
    found: dict[str, Any] = eventually(lambda: demo_measured(api_client, pods), "the demo's process measured")
    assert (found["kind"], found["apiVersion"], found["metadata"]) == ("PodMetricsList", f"{GROUP}/{VERSION}", {})
    by_name = {item["metadata"]["name"]: item for item in found["items"]}
    assert sorted(by_name) == ["demo", "idle"]
    demo = by_name["demo"]
    assert demo["metadata"]["namespace"] == pods and demo["metadata"]["labels"] == {"app": "demo"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", demo["timestamp"])
    assert re.fullmatch(r"(\d+m)?[\d.]+(ms|s)", demo["window"])
    [container] = demo["containers"]
    assert container["name"] == "main"
    assert re.fullmatch(r"[1-9]\d*(Ki|Mi)", container["usage"]["memory"])  # the process's resident pages
    assert re.fullmatch(r"\d+[num]?", container["usage"]["cpu"])
    assert by_name["idle"]["containers"] == [{"name": "main", "usage": {"cpu": "0", "memory": "0"}}]
    selected = utils.get_pods_metrics(api_client, pods, "app=demo")
    assert [item["metadata"]["name"] for item in selected["items"]] == ["demo"]


def test_every_node_has_metrics(api_client: k8s.ApiClient, core: k8s.CoreV1Api) -> None:
    nodes = {node.metadata.name: node for node in core.list_node().items}
    found = utils.get_nodes_metrics(api_client)
    assert found["kind"] == "NodeMetricsList" and sorted(i["metadata"]["name"] for i in found["items"]) == sorted(nodes)
    for item in found["items"]:
        assert item["metadata"]["labels"] == nodes[item["metadata"]["name"]].metadata.labels
        assert set(item["usage"]) == {"cpu", "memory"}


def test_pods_without_metrics_are_not_found(custom: k8s.CustomObjectsApi, core: k8s.CoreV1Api, namespace: str) -> None:
    pending = pod_dict("pending")
    pending["spec"]["nodeSelector"] = {"no-such-label": "x"}  # never scheduled, never Running
    core.create_namespaced_pod(namespace, pending)
    with pytest.raises(ApiException) as missing:
        custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "pods", "pending")
    status = json.loads(missing.value.body)
    assert (missing.value.status, status["reason"]) == (404, "NotFound")
    assert status["message"] == f'podmetrics.metrics.k8s.io "{namespace}/pending" not found'
    assert status["details"] == {"name": f"{namespace}/pending", "group": GROUP, "kind": "podmetrics"}
    with pytest.raises(ApiException) as absent:
        custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "pods", "absent")
    assert json.loads(absent.value.body)["message"] == 'pods "absent" not found'
    assert custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "pods")["items"] == []


def test_discovery_lists_get_and_list_only(custom: k8s.CustomObjectsApi) -> None:
    resources = custom.get_api_resources(GROUP, VERSION).resources
    served = {r.name: (r.kind, r.namespaced, r.verbs) for r in resources}
    assert served == {"nodes": ("NodeMetrics", False, ["get", "list"]), "pods": ("PodMetrics", True, ["get", "list"])}
    with pytest.raises(ApiException) as refused:
        custom.list_cluster_custom_object(GROUP, VERSION, "pods", watch=True)
    assert refused.value.status == 405


def test_kubectl_top(kubectl: Kubectl, pods: str, core: k8s.CoreV1Api) -> None:
    top_pods = kubectl("top", "pod", "-n", pods).splitlines()
    assert top_pods[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert sorted(line.split()[0] for line in top_pods[1:]) == ["demo", "idle"]
    top_nodes = kubectl("top", "node").splitlines()
    assert top_nodes[0].split()[:2] == ["NAME", "CPU(cores)"]  # then CPU% (CPU(%) from 1.32), MEMORY…
    assert len(top_nodes) == 1 + len(core.list_node().items)
