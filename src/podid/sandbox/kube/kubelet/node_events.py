"""The events a node's start reports, as a kubelet registering its node and the node lifecycle controller do.

When a Node object is created (a cluster's nodes come up, a node pool scales out) its kubelet reports
``Starting`` ("Starting kubelet.", pkg/kubelet/kubelet.go), the conditions it sets as it registers
(``NodeHasSufficientMemory``, ``NodeHasNoDiskPressure``, ``NodeHasSufficientPID``, then ``NodeReady``: "Node <name>
status is now: <reason>", pkg/kubelet/kubelet_node_status.go ``recordNodeStatusEvent`` called from
pkg/kubelet/nodestatus/setters.go) and ``NodeAllocatableEnforced`` ("Updated Node Allocatable limit across pods",
pkg/kubelet/cm/node_container_manager_linux.go); the node lifecycle controller reports ``RegisteredNode`` ("Node
<name> event: Registered Node <name> in Controller") and, when a node goes, ``RemovingNode``
(pkg/controller/nodelifecycle/node_lifecycle_controller.go, pkg/controller/util/node ``RecordNodeEvent``).

The kubelet's reference to its node has no apiVersion and the node's *name* as its uid (kubelet.go ``nodeRef``);
the controller's has ``apiVersion: v1`` and the node's uid. Events about a node are in ``default``. The recorder
writes them once the components go quiet, off the path that creates the nodes.
"""

from __future__ import annotations

from podid.sandbox.kube.events.recorder import NORMAL, EventRecorder, Source
from podid.sandbox.kube.machinery.objects import Obj, as_str, dig

_CONDITIONS = ("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID")
_NODE_CONTROLLER = Source("node-controller")


class NodeEvents:
    """Hears the watch hub: a Node ADDED is a node that started and registered, a Node DELETED one removed."""

    def __init__(self, recorder: EventRecorder) -> None:
        self._recorder = recorder

    def on_event(self, event_type: str, obj: Obj) -> None:
        if obj.get("kind") != "Node" or obj.get("apiVersion") != "v1":
            return
        if event_type == "ADDED":
            self._kubelet_started(obj)
            self._controller(obj, "RegisteredNode", "Registered Node {} in Controller")
        elif event_type == "DELETED":
            self._controller(obj, "RemovingNode", "Removing Node {} from Controller")

    def _kubelet_started(self, node: Obj) -> None:
        name = as_str(dig(node, "metadata", "name"))
        reference: Obj = {"kind": "Node", "metadata": {"name": name, "uid": name}}
        source = Source("kubelet", name)
        record = self._recorder.record
        record(reference, NORMAL, "Starting", "Starting kubelet.", source)
        for reason in _CONDITIONS:
            record(reference, NORMAL, reason, f"Node {name} status is now: {reason}", source)
        record(reference, NORMAL, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods", source)
        record(reference, NORMAL, "NodeReady", f"Node {name} status is now: NodeReady", source)

    def _controller(self, node: Obj, reason: str, what: str) -> None:
        name = as_str(dig(node, "metadata", "name"))
        uid = as_str(dig(node, "metadata", "uid"))
        reference: Obj = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": uid}}
        message = f"Node {name} event: {what.format(name)}"
        self._recorder.record(reference, NORMAL, reason, message, _NODE_CONTROLLER)
