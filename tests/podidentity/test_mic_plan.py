"""MIC's planner (pure): which AzureAssignedIdentities a cycle creates, updates, retries and deletes, and which
identities it attaches to or detaches from each scale set.

Covers: naming `<pod>-<podns>-<identity>`, labels, finalizer, Created status and embedded refs; selector and
namespace matching (forceNamespaced), pods without label, node or not running; invalid resource ids; collisions
(first wins); no work when in sync; retry of Created; update on a binding edit; deletion when the pod goes;
detach rules (Assigned only, immutable ids, in use by another pod on the same scale set, per scale set).
"""

from __future__ import annotations

from typing import Any

from podid.sandbox.podidentity import _crd, mic
from podid.sandbox.podidentity.mic import ClusterView
from tests.podidentity.builders import VMSS_A, VMSS_B, azure_identity, binding, identity_id, node, pod

NODES = {"node-a0": VMSS_A, "node-a1": VMSS_A, "node-b0": VMSS_B}


def view(
    pods: list[Any],
    assigned: list[Any] | None = None,
    identities: list[Any] | None = None,
    bindings: list[Any] | None = None,
) -> ClusterView:
    return ClusterView(
        pods=pods,
        identities=[azure_identity()] if identities is None else identities,
        bindings=[binding()] if bindings is None else bindings,
        assigned=assigned or [],
        node_scale_sets=dict(NODES),
    )


def as_assigned(obj: dict[str, Any], status: str = "Assigned") -> dict[str, Any]:
    return {
        **obj,
        "metadata": {**obj["metadata"], "resourceVersion": "9"},
        "status": {"status": status, "availableReplicas": 1},
    }


def test_a_bound_running_pod_gets_an_assignment_as_mic_names_it() -> None:
    desired = mic.desired_assignments(view([pod("demo")]))
    assert list(desired) == ["demo-my-app-id1"]
    obj = desired["demo-my-app-id1"]
    assert obj["kind"] == "AzureAssignedIdentity" and obj["apiVersion"] == "aadpodidentity.k8s.io/v1"
    assert obj["metadata"]["namespace"] == "my-app"
    assert obj["metadata"]["labels"] == {"nodename": "node-a0"}
    assert obj["metadata"]["finalizers"] == ["azureassignedidentity.finalizers.aadpodidentity.k8s.io"]
    assert obj["status"] == {"status": "Created", "availableReplicas": 1}
    spec = obj["spec"]
    assert (spec["pod"], spec["podNamespace"], spec["nodename"]) == ("demo", "my-app", "node-a0")
    assert spec["azureIdentityRef"] == azure_identity() and spec["azureBindingRef"] == binding()


def test_pods_that_do_not_qualify() -> None:
    pods = [
        pod("unlabelled", label=None),
        pod("empty", label=""),
        pod("other-selector", label="nope"),
        pod("other-namespace", namespace="default"),  # the binding is in my-app: forceNamespaced
        pod("unscheduled", node=""),
        pod("finished", phase="Succeeded"),
    ]
    assert mic.desired_assignments(view(pods)) == {}


def test_pending_pods_on_a_node_qualify() -> None:
    assert list(mic.desired_assignments(view([pod("starting", phase="Pending")]))) == ["starting-my-app-id1"]


def test_identities_with_an_invalid_resource_id_are_ignored() -> None:
    broken = azure_identity()
    broken["spec"]["resourceID"] = ""  # e.g. written as ResourceID and pruned
    assert mic.desired_assignments(view([pod("demo")], identities=[broken])) == {}


def test_a_binding_naming_a_missing_identity_is_skipped() -> None:
    assert mic.desired_assignments(view([pod("demo")], bindings=[binding(identity="nope")])) == {}


def test_two_bindings_to_two_identities_give_two_assignments() -> None:
    identities = [azure_identity("id1"), azure_identity("id2", client_id="c2")]
    bindings = [binding("b1", identity="id1"), binding("b2", identity="id2")]
    assert sorted(mic.desired_assignments(view([pod("demo")], identities=identities, bindings=bindings))) == [
        "demo-my-app-id1",
        "demo-my-app-id2",
    ]


def test_first_binding_wins_a_name_collision() -> None:
    bindings = [binding("b2", rv="2"), binding("b1", rv="1")]
    desired = mic.desired_assignments(view([pod("demo")], bindings=bindings))
    assert desired["demo-my-app-id1"]["spec"]["azureBindingRef"]["metadata"]["name"] == "b1"


def test_new_assignment_is_created_and_its_identity_attached() -> None:
    (work,) = mic.plan_cycle(view([pod("demo")]))
    assert work.vmss == VMSS_A
    assert [obj["metadata"]["name"] for obj in work.create] == ["demo-my-app-id1"]
    assert work.attach == [identity_id("id1").lower()] and work.detach == []


def test_nothing_to_do_when_in_sync() -> None:
    current = as_assigned(mic.desired_assignments(view([pod("demo")]))["demo-my-app-id1"])
    assert mic.plan_cycle(view([pod("demo")], [current])) == []


def test_created_assignments_are_retried_without_a_new_object() -> None:
    current = as_assigned(mic.desired_assignments(view([pod("demo")]))["demo-my-app-id1"], "Created")
    (work,) = mic.plan_cycle(view([pod("demo")], [current]))
    assert work.create == [] and work.retry == [current] and work.attach == [identity_id("id1").lower()]


def test_a_binding_edit_updates_the_assignment_in_place() -> None:
    current = as_assigned(mic.desired_assignments(view([pod("demo")]))["demo-my-app-id1"])
    (work,) = mic.plan_cycle(view([pod("demo")], [current], bindings=[binding(rv="2")]))
    assert work.create == [] and work.delete == []
    (updated,) = work.update
    assert updated["metadata"]["resourceVersion"] == "9"  # the stored object's metadata
    assert updated["spec"]["azureBindingRef"]["metadata"]["resourceVersion"] == "2"
    assert work.detach == []  # the same identity stays wanted


def test_a_deleted_pod_loses_its_assignment_and_the_identity_is_detached() -> None:
    current = as_assigned(mic.desired_assignments(view([pod("demo")]))["demo-my-app-id1"])
    (work,) = mic.plan_cycle(view([], [current]))
    assert work.delete == [current] and work.detach == [identity_id("id1").lower()]


def test_detach_keeps_identities_another_pod_on_the_scale_set_uses() -> None:
    both = mic.desired_assignments(view([pod("a", node="node-a0"), pod("b", node="node-a1")]))
    current = [as_assigned(obj) for obj in both.values()]
    (work,) = mic.plan_cycle(view([pod("b", node="node-a1")], current))
    assert [obj["spec"]["pod"] for obj in work.delete] == ["a"] and work.detach == []


def test_detach_happens_per_scale_set() -> None:
    both = mic.desired_assignments(view([pod("a", node="node-a0"), pod("b", node="node-b0")]))
    current = [as_assigned(obj) for obj in both.values()]
    (work,) = mic.plan_cycle(view([pod("b", node="node-b0")], current))
    assert work.vmss == VMSS_A and work.detach == [identity_id("id1").lower()]


def test_immutable_and_unassigned_identities_are_never_detached() -> None:
    assignment = mic.desired_assignments(view([pod("demo")]))["demo-my-app-id1"]
    (work,) = mic.plan_cycle(view([], [as_assigned(assignment)]), immutable=[identity_id("id1")])
    assert work.delete and work.detach == []
    (work,) = mic.plan_cycle(view([], [as_assigned(assignment, "Created")]))
    assert work.delete and work.detach == []


def test_a_gone_node_needs_no_cloud_call() -> None:
    (work,) = mic.plan_cycle(view([pod("demo", node="node-gone")]))
    assert work.vmss is None and len(work.create) == 1


def test_nodes_map_to_their_scale_sets() -> None:
    vm = "azure:///subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm0"
    assert _crd.scale_set_of(node("n", VMSS_B, 3)) == VMSS_B
    assert _crd.scale_set_of({"spec": {"providerID": vm}}) is None
