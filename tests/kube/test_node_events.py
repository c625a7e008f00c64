"""A cluster's nodes report their start as a kubelet and the node lifecycle controller do, through the real clients.

Each node of a new cluster gets, in ``default``: the kubelet's ``Starting`` ("Starting kubelet."), its three
pressure conditions, ``NodeAllocatableEnforced`` and ``NodeReady`` (source ``kubelet`` on the node, a reference
whose uid is the node's name), and the node-controller's ``RegisteredNode`` (the node's uid). ``kubectl describe
node`` (which looks for both references) and ``kubectl get events`` show them; a node pool scaled out reports its
new node, one scaled in its ``RemovingNode``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from podid.sandbox import Endpoints, Sandbox
from podid.sandbox.kube import ClusterSpec
from tests.kube.conftest import KubeCluster, Kubectl, cluster_client, eventually, new_cluster, node_specs

KUBELET_REASONS = [
    "Starting",
    "NodeHasSufficientMemory",
    "NodeHasNoDiskPressure",
    "NodeHasSufficientPID",
    "NodeAllocatableEnforced",
    "NodeReady",
]


@pytest.fixture(scope="module")
def nodes_cluster(sandbox: Sandbox, endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> KubeCluster:
    return new_cluster(sandbox, endpoints, tmp_path_factory.mktemp("nodeevents"), "nodeevents", "1.33.3", nodes=2)


@pytest.fixture(scope="module")
def core(nodes_cluster: KubeCluster) -> Iterator[k8s.CoreV1Api]:
    with cluster_client(nodes_cluster) as api_client:
        yield k8s.CoreV1Api(api_client)


def _node_events(core: k8s.CoreV1Api, node: str, count: int) -> list[Any] | None:
    events = core.list_namespaced_event("default", field_selector=f"involvedObject.name={node}").items
    return sorted(events, key=lambda e: e.metadata.name) if len(events) >= count else None


def test_each_node_reports_its_start(nodes_cluster: KubeCluster, core: k8s.CoreV1Api) -> None:
    for node in core.list_node().items:
        name, uid = node.metadata.name, node.metadata.uid
        events = eventually(lambda name=name: _node_events(core, name, 7), f"the events of {name}")
        kubelet = [e for e in events if e.source.component == "kubelet"]
        assert [e.reason for e in kubelet] == KUBELET_REASONS
        assert [e.message for e in kubelet] == [
            "Starting kubelet.",
            f"Node {name} status is now: NodeHasSufficientMemory",
            f"Node {name} status is now: NodeHasNoDiskPressure",
            f"Node {name} status is now: NodeHasSufficientPID",
            "Updated Node Allocatable limit across pods",
            f"Node {name} status is now: NodeReady",
        ]
        for event in kubelet:
            assert (event.type, event.count, event.source.host) == ("Normal", 1, name)
            assert event.involved_object.to_dict() == {**_reference(name, name), "api_version": None}
            assert (event.reporting_component, event.reporting_instance) == ("kubelet", name)
        [registered] = [e for e in events if e.source.component == "node-controller"]
        assert (registered.reason, registered.type, registered.source.host) == ("RegisteredNode", "Normal", None)
        assert registered.message == f"Node {name} event: Registered Node {name} in Controller"
        assert registered.involved_object.to_dict() == {**_reference(name, uid), "api_version": "v1"}
        assert registered.metadata.namespace == "default"


def _reference(name: str, uid: str) -> dict[str, Any]:
    return {
        "kind": "Node",
        "name": name,
        "uid": uid,
        "namespace": None,
        "field_path": None,
        "resource_version": None,
    }


def test_kubectl_describe_node_and_get_events(nodes_cluster: KubeCluster, core: k8s.CoreV1Api, tmp_path: Path) -> None:
    name = nodes_cluster.spec.nodes[0].name
    eventually(lambda: _node_events(core, name, 7), f"the events of {name}")
    kubectl = Kubectl(nodes_cluster.kubeconfig, tmp_path / "cache")
    described = kubectl("describe", "node", name)
    events = described.split("\nEvents:\n", 1)[1].splitlines()
    assert events[0].split() == ["Type", "Reason", "Age", "From", "Message"]
    # both queries' events, sorted by lastTimestamp (one second here, so in no fixed order)
    rows = {(row[0], row[1], row[3], row[4]) for row in (line.split(None, 4) for line in events[2:])}
    assert rows == {
        ("Normal", "Starting", "kubelet", "Starting kubelet."),
        *(("Normal", r, "kubelet", f"Node {name} status is now: {r}") for r in KUBELET_REASONS[1:4]),
        ("Normal", "NodeAllocatableEnforced", "kubelet", "Updated Node Allocatable limit across pods"),
        ("Normal", "NodeReady", "kubelet", f"Node {name} status is now: NodeReady"),
        ("Normal", "RegisteredNode", "node-controller", f"Node {name} event: Registered Node {name} in Controller"),
    }

    listed = kubectl("get", "events", "-n", "default", f"--field-selector=involvedObject.name={name}")
    lines = listed.splitlines()
    assert lines[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert {tuple(line.split()[1:4]) for line in lines[1:]} == {
        ("Normal", reason, f"node/{name}") for reason in [*KUBELET_REASONS, "RegisteredNode"]
    }


def test_a_scaled_node_pool_reports_its_nodes(
    sandbox: Sandbox, nodes_cluster: KubeCluster, core: k8s.CoreV1Api
) -> None:
    assert sandbox.cloud is not None
    spec: ClusterSpec = nodes_cluster.spec
    subscription = spec.cluster_id.split("/")[2]
    three = node_specs(subscription, "MC_rg-nodeevents_nodeevents_westus2", count=3)
    sandbox.cloud.kube.ensure_cluster(replace(spec, nodes=three))
    added = three[2].name
    events = eventually(lambda: _node_events(core, added, 7), f"the events of {added}")
    assert sorted(e.reason for e in events) == sorted([*KUBELET_REASONS, "RegisteredNode"])

    uid = core.read_node(added).metadata.uid
    sandbox.cloud.kube.ensure_cluster(spec)

    def removing() -> Any:
        found = [e for e in core.list_namespaced_event("default").items if e.reason == "RemovingNode"]
        return found[0] if found else None

    event = eventually(removing, "RemovingNode")
    assert event.message == f"Node {added} event: Removing Node {added} from Controller"
    assert (event.involved_object.name, event.involved_object.uid) == (added, uid)
    assert event.source.component == "node-controller"
