"""NMI's caches (pure): fed by the cluster's ADDED/MODIFIED/DELETED events, read on every token request.

Covers: pods by IP (Pending or Running only); assignments found by pod and filtered by node label;
modifications and deletions; identities and bindings per namespace in arrival order (managed mode);
exceptions per namespace; nodes' scale sets.
"""

from __future__ import annotations

from typing import Any

from podid.sandbox.podidentity._informer import NmiInformer
from tests.podidentity.builders import VMSS_A, azure_identity, binding, node

ASSIGNED = "aadpodidentity.k8s.io/azureassignedidentities"
EXCEPTIONS = "aadpodidentity.k8s.io/azurepodidentityexceptions"
IDENTITIES = "aadpodidentity.k8s.io/azureidentities"
BINDINGS = "aadpodidentity.k8s.io/azureidentitybindings"


def assignment(name: str, pod: str, node_name: str = "node-a0", status: str = "Created") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "my-app", "labels": {"nodename": node_name}},
        "spec": {"pod": pod, "podNamespace": "my-app"},
        "status": {"status": status},
    }


def test_assignments_follow_the_events() -> None:
    informer = NmiInformer()
    informer.apply("ADDED", ASSIGNED, assignment("demo-my-app-id1", "demo"))
    informer.apply("ADDED", ASSIGNED, assignment("other-my-app-id1", "other"))
    assert [obj["metadata"]["name"] for obj in informer.assignments("my-app", "demo", "node-a0")] == ["demo-my-app-id1"]
    informer.apply("MODIFIED", ASSIGNED, assignment("demo-my-app-id1", "demo", status="Assigned"))
    (current,) = informer.assignments("my-app", "demo", "node-a0")
    assert current["status"]["status"] == "Assigned"
    assert informer.assignments("my-app", "demo", "node-b0") == []  # NMI only sees its own node's objects
    informer.apply("DELETED", ASSIGNED, assignment("demo-my-app-id1", "demo"))
    assert informer.assignments("my-app", "demo", "node-a0") == []
    assert len(informer.assignments("my-app", "other", "node-a0")) == 1


def test_an_assignment_that_changes_pod_moves() -> None:
    informer = NmiInformer()
    informer.apply("ADDED", ASSIGNED, assignment("x", "first"))
    informer.apply("MODIFIED", ASSIGNED, assignment("x", "second"))
    assert informer.assignments("my-app", "first", "node-a0") == []
    assert len(informer.assignments("my-app", "second", "node-a0")) == 1


def test_exceptions_by_namespace_and_nodes() -> None:
    informer = NmiInformer()
    exception = {"metadata": {"name": "probe", "namespace": "ops"}, "spec": {"podLabels": {"app": "p"}}}
    informer.apply("ADDED", EXCEPTIONS, exception)
    informer.apply("ADDED", "nodes", node("node-a0"))
    assert informer.exceptions("ops") == [exception] and informer.exceptions("my-app") == []
    assert informer.scale_set("node-a0") == VMSS_A and informer.scale_set("gone") is None
    informer.apply("DELETED", EXCEPTIONS, exception)
    informer.apply("DELETED", "nodes", node("node-a0"))
    assert informer.exceptions("ops") == [] and informer.scale_set("node-a0") is None


def test_identities_and_bindings_by_namespace_in_arrival_order() -> None:
    informer = NmiInformer()
    for name in ("zeta", "alpha"):
        informer.apply("ADDED", IDENTITIES, azure_identity(name))
    informer.apply("ADDED", BINDINGS, binding())
    informer.apply("MODIFIED", IDENTITIES, azure_identity("zeta", client_id="changed"))
    names = [obj["metadata"]["name"] for obj in informer.in_namespace(IDENTITIES, "my-app")]
    assert names == ["zeta", "alpha"]
    assert informer.in_namespace(IDENTITIES, "my-app")[0]["spec"]["clientID"] == "changed"
    assert informer.in_namespace(BINDINGS, "my-app") == [binding()] and informer.in_namespace(BINDINGS, "x") == []
    informer.apply("DELETED", IDENTITIES, azure_identity("zeta"))
    assert [obj["metadata"]["name"] for obj in informer.in_namespace(IDENTITIES, "my-app")] == ["alpha"]


def running(name: str, ip: str, phase: str = "Running") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "my-app"}, "status": {"phase": phase, "podIP": ip}}


def test_pods_are_found_by_ip_while_pending_or_running() -> None:
    informer = NmiInformer()
    informer.apply(
        "ADDED", "pods", {"metadata": {"name": "demo", "namespace": "my-app"}, "status": {"phase": "Pending"}}
    )
    assert informer.pod("127.244.0.9") is None  # no IP yet
    informer.apply("MODIFIED", "pods", running("demo", "127.244.0.9", "Pending"))
    informer.apply("MODIFIED", "pods", running("demo", "127.244.0.9"))
    found = informer.pod("127.244.0.9")
    assert found is not None and found["metadata"]["name"] == "demo"
    informer.apply("MODIFIED", "pods", running("demo", "127.244.0.9", "Succeeded"))
    assert informer.pod("127.244.0.9") is None
    informer.apply("MODIFIED", "pods", running("demo", "127.244.0.10"))
    informer.apply("DELETED", "pods", running("demo", "127.244.0.10"))
    assert informer.pod("127.244.0.10") is None
