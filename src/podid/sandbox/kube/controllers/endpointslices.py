"""EndpointSlices (discovery.k8s.io/v1): one slice per selector Service, kept in line with its Endpoints.

What k8s.io/kubernetes pkg/controller/endpointslice writes for a Service with a selector (reconciler.go,
utils.go ``newEndpointSlice``/``podToEndpoint``): a slice named ``<service>-<5 random>`` (generateName), labelled
with the Service's labels plus ``kubernetes.io/service-name`` and ``endpointslice.kubernetes.io/managed-by``,
controlled by the Service, ``addressType: IPv4``, an endpoint per pod with an IP (``ready`` and ``serving`` for a
ready pod, ``terminating`` false, its node and a reference to it) and the ports the Endpoints resolved (their name,
"" when unnamed). Upstream computes them from the pods as the endpoints controller does; here they are read from
the Endpoints that controller keeps, so both always agree. kubectl 1.32+ ``describe service`` reads the slices.
Slices are not split at 100 endpoints.
"""

from __future__ import annotations

import copy

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig, labels_of
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions

SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"

Key = tuple[str, str]


def _key(obj: Obj) -> Key:
    return as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))


class EndpointSliceController:
    def __init__(self, cluster: Cluster, queue: WorkQueue) -> None:
        self._cluster, self._queue = cluster, queue
        self._services = cluster.resource_type("services")
        self._endpoints = cluster.resource_type("endpoints")
        self._slices = cluster.resource_type("discovery.k8s.io/endpointslices")

    def on_event(self, event_type: str, obj: Obj) -> None:
        if obj.get("kind") in ("Service", "Endpoints"):
            self._queue.add(self.sync, _key(obj))

    def sync(self, key: Key) -> None:
        service = self._cluster.find(self._services, *key)
        endpoints = self._cluster.find(self._endpoints, *key)
        owned = self._cluster.list_objects(self._slices, key[0], f"{SERVICE_NAME}={key[1]},{MANAGED_BY}={CONTROLLER}")
        if service is None or endpoints is None or not as_dict(dig(service, "spec", "selector")):
            for stale in owned:
                self._cluster.delete_object(
                    self._slices, key[0], as_str(dig(stale, "metadata", "name")), DeleteOptions()
                )
            return
        wanted = _slice(service, endpoints)
        if not owned:
            self._cluster.create_object(self._slices, key[0], wanted)
            return
        current = owned[0]
        changed = copy.deepcopy(current)
        changed["metadata"]["labels"] = wanted["metadata"]["labels"]
        changed["endpoints"], changed["ports"] = wanted["endpoints"], wanted["ports"]
        if changed != current:
            self._cluster.write(self._slices, changed)


def _slice(service: Obj, endpoints: Obj) -> Obj:
    namespace, name = _key(service)
    owner = {
        "apiVersion": "v1",
        "kind": "Service",
        "name": name,
        "uid": dig(service, "metadata", "uid"),
        "controller": True,
        "blockOwnerDeletion": True,
    }
    labels = {**labels_of(service), SERVICE_NAME: name, MANAGED_BY: CONTROLLER}
    meta: Obj = {"generateName": f"{name}-", "namespace": namespace, "labels": labels, "ownerReferences": [owner]}
    subsets = [as_dict(s) for s in as_list(endpoints.get("subsets"))]
    found = [
        _endpoint(as_dict(address), ready)
        for subset in subsets
        for key, ready in (("addresses", True), ("notReadyAddresses", False))
        for address in as_list(subset.get(key))
    ]
    ports = [{"name": "", **as_dict(port)} for subset in subsets[:1] for port in as_list(subset.get("ports"))]
    slice_: Obj = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta}
    return {**slice_, "addressType": "IPv4", "endpoints": found, "ports": ports}


def _endpoint(address: Obj, ready: bool) -> Obj:
    endpoint: Obj = {
        "addresses": [address.get("ip")],
        "conditions": {"ready": ready, "serving": ready, "terminating": False},
    }
    if address.get("nodeName"):
        endpoint["nodeName"] = address["nodeName"]
    if address.get("targetRef"):
        endpoint["targetRef"] = address["targetRef"]
    return endpoint
