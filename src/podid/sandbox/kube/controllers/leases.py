"""The coordination.k8s.io/v1 Leases a cluster's components hold: one per node, renewed by its kubelet, and the
leader-election Leases of kube-controller-manager and kube-scheduler in ``kube-system``.

A kubelet's lease controller (k8s.io/component-helpers apimachinery/lease/controller.go ``newLease``, started by
pkg/kubelet/kubelet.go with the kube-node-lease namespace) creates a Lease named after its node in
``kube-node-lease``: holderIdentity the node name, leaseDurationSeconds 40 (the kubelet's
nodeLeaseDurationSeconds), renewTime now, no acquireTime, and the Node as owner (pkg/kubelet/util/nodelease.go
``SetNodeOwnerFunc``), so the garbage collector removes it with its node. It renews every 40 * 0.25 = 10 s
(nodeLeaseRenewIntervalFraction). Leader election (k8s.io/client-go tools/leaderelection, LeaseLock) writes
holderIdentity ``<hostname>_<uuid>``, leaseDurationSeconds 15 (--leader-elect-lease-duration), acquireTime and
renewTime, leaseTransitions 0.

Renewals are the system's own writes (``Cluster.commit``: no client write, no admission), all of a cluster's in
one batch of the work queue every 10 s: one SQLite commit, and a MODIFIED event a watcher sees as on AKS.
"""

from __future__ import annotations

import hashlib
import uuid

from podid.sandbox.kube.events.recorder import micro_time
from podid.sandbox.kube.machinery.objects import Obj, as_str, dig
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster, clone

LEASES = "coordination.k8s.io/leases"
NODE_LEASE_NAMESPACE = "kube-node-lease"
NODE_LEASE_SECONDS = 40
RENEW_SECONDS = NODE_LEASE_SECONDS * 0.25
LEADER_NAMESPACE = "kube-system"
LEADER_LEASE_SECONDS = 15
LEADERS = ("kube-controller-manager", "kube-scheduler")
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # utilrand.String's, as pod names use it


class LeaseHolders:
    """Hears the watch hub: a Node or a system namespace ADDED is a holder that may lack its Lease; every 10 s
    the holders still there renew theirs (a removed node's Lease is the garbage collector's)."""

    def __init__(self, cluster: Cluster, queue: WorkQueue) -> None:
        self._cluster, self._queue = cluster, queue
        self._leases = cluster.resource_type(LEASES)
        self._renewing = False

    def on_event(self, event_type: str, obj: Obj) -> None:
        if event_type == "ADDED" and obj.get("apiVersion") == "v1" and obj.get("kind") in ("Node", "Namespace"):
            self._queue.add(self._hold, False)
            if not self._renewing:
                self._renewing = True
                self._queue.add_after(RENEW_SECONDS, self._renew, None)

    def _renew(self, _: None) -> None:
        self._hold(True)
        self._queue.add_after(RENEW_SECONDS, self._renew, None)

    def _hold(self, renew: bool) -> None:
        """Create the Leases missing (a kubelet, a leader that starts); with ``renew``, renew those there."""
        now = micro_time(self._cluster.clock.now())
        for namespace, name, spec in self._holders(now):
            lease = self._cluster.find(self._leases, namespace, name)
            if lease is None:
                metadata: Obj = {"name": name, "namespace": namespace}
                if namespace == NODE_LEASE_NAMESPACE:
                    metadata["ownerReferences"] = [self._node_owner(name)]
                body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": spec}
                self._cluster.create_object(self._leases, namespace, body)
            elif renew and not dig(lease, "metadata", "deletionTimestamp"):
                renewed = clone(lease)
                renewed.setdefault("spec", {})["renewTime"] = now
                self._cluster.commit(self._leases, lease, renewed)

    def _holders(self, now: str) -> list[tuple[str, str, Obj]]:
        """(namespace, name, the spec a new Lease gets) of each holder whose namespace is there."""
        namespaces = self._cluster.resource_type("namespaces")
        holders: list[tuple[str, str, Obj]] = []
        if self._cluster.find(namespaces, "", NODE_LEASE_NAMESPACE) is not None:
            for node in self._cluster.list_objects(self._cluster.resource_type("nodes"), None):
                name = as_str(dig(node, "metadata", "name"))
                spec = {"holderIdentity": name, "leaseDurationSeconds": NODE_LEASE_SECONDS, "renewTime": now}
                holders.append((NODE_LEASE_NAMESPACE, name, spec))
        if self._cluster.find(namespaces, "", LEADER_NAMESPACE) is not None:
            for component in LEADERS:
                spec = {
                    "holderIdentity": self._leader_identity(component),
                    "leaseDurationSeconds": LEADER_LEASE_SECONDS,
                    "acquireTime": now,
                    "renewTime": now,
                    "leaseTransitions": 0,
                }
                holders.append((LEADER_NAMESPACE, component, spec))
        return holders

    def _node_owner(self, name: str) -> Obj:
        node = self._cluster.read(self._cluster.resource_type("nodes"), "", name)
        return {"apiVersion": "v1", "kind": "Node", "name": name, "uid": node["metadata"]["uid"]}

    def _leader_identity(self, component: str) -> str:
        """``<hostname>_<uuid>`` (leaderelection's identity): the component's pod, a Deployment's
        ``<name>-<hash>-<suffix>``, and a UUID; stable per cluster and component."""
        digest = hashlib.sha256(f"{self._cluster.cluster_id}/{component}".encode()).digest()
        pod_hash = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[16:26])
        suffix = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[26:31])
        return f"{component}-{pod_hash}-{suffix}_{uuid.UUID(bytes=digest[:16], version=4)}"
