"""Services: cluster IP and node port allocation (the REST registry), load balancers and Endpoints.

* Cluster IPs come from AKS's default service CIDR 10.0.0.0/16 (``kubernetes`` gets 10.0.0.1); they are never
  routed, only shown. Node ports come from 30000-32767.
* The cloud provider gives every ``type: LoadBalancer`` Service ``status.loadBalancer.ingress[0].ip`` from the
  sandbox-wide loopback pool, what external-dns publishes and ``kubectl get svc`` shows as EXTERNAL-IP.
* The endpoints controller keeps an Endpoints object per selector Service: ready pods under ``addresses``, the
  others under ``notReadyAddresses``, ports resolved against the pods' named container ports.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable

from podid.sandbox.kube.controllers.workloads import pod_ready
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig, labels_of
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.selectors import selector_from_map
from podid.sandbox.kube.machinery.status import internal_error, invalid, invalid_value
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.network.ippool import AddressPool, PoolExhausted
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions

SERVICE_NETWORK = "10.0.0.0/16"
NODE_PORTS = range(30000, 32768)
_IP_FIELDS = ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy")


def _key(obj: Obj) -> tuple[str, str]:
    return as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))


class ServiceAllocator:
    """Cluster IPs and node ports of one cluster, recovered from the stored Services on start."""

    def __init__(self, cluster: Cluster) -> None:
        self._ips = AddressPool(SERVICE_NETWORK)
        self._node_ports: dict[int, tuple[str, str]] = {}
        for service in cluster.list_objects(cluster.resource_type("services"), None):
            self._claim(service)

    def _claim(self, service: Obj) -> None:
        owner = _key(service)
        spec = as_dict(service.get("spec"))
        if as_str(spec.get("clusterIP")) not in ("", "None"):
            self._ips.claim(spec["clusterIP"], owner)
        for port in as_list(spec.get("ports")):
            if as_int(dig(port, "nodePort")):
                self._node_ports[as_int(dig(port, "nodePort"))] = owner

    def release(self, service: Obj) -> None:
        owner = _key(service)
        self._ips.release(as_str(dig(service, "spec", "clusterIP")), owner)
        for port in [p for p, o in self._node_ports.items() if o == owner]:
            del self._node_ports[port]

    def admit(self, _cluster: Cluster, rt: ResourceType, service: Obj, old: Obj | None) -> None:
        spec = service["spec"]
        if old is not None:
            self._keep_allocations(rt, service, as_dict(old.get("spec")))
        elif spec.get("type") == "ExternalName":
            return
        else:
            self._allocate_ip(rt, service)
        if _wants_node_ports(spec):
            for port in (as_dict(p) for p in as_list(spec.get("ports"))):
                if not port.get("nodePort"):
                    port["nodePort"] = self._free_node_port(_key(service))

    def _allocate_ip(self, rt: ResourceType, service: Obj) -> None:
        spec, owner = service["spec"], _key(service)
        requested = as_str(spec.get("clusterIP")) or as_str(dig(spec, "clusterIPs", 0))
        if requested == "None":
            spec["clusterIP"], spec["clusterIPs"] = "None", ["None"]
        elif requested:
            if not self._ips.claim(requested, owner):
                why = f"failed to allocate IP {requested}: provided IP is already allocated"
                raise invalid(rt, owner[1], [invalid_value("spec.clusterIPs", [requested], why)])
            spec["clusterIP"], spec["clusterIPs"] = requested, [requested]
        else:
            try:
                address = self._ips.allocate(owner)
            except PoolExhausted as error:
                raise internal_error(str(error)) from None
            spec["clusterIP"], spec["clusterIPs"] = address, [address]
        spec.update({"ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"})

    def _keep_allocations(self, rt: ResourceType, service: Obj, old_spec: Obj) -> None:
        """An update may omit the allocated values (they are copied over) but not change them."""
        spec = service["spec"]
        for field in _IP_FIELDS:
            if field not in spec and field in old_spec:
                spec[field] = copy.deepcopy(old_spec[field])
        if spec.get("clusterIP") != old_spec.get("clusterIP") and old_spec.get("clusterIP"):
            why = "may not change once set"
            raise invalid(rt, _key(service)[1], [invalid_value("spec.clusterIPs[0]", spec.get("clusterIP"), why)])
        old_ports = {_port_key(p): p for p in map(as_dict, as_list(old_spec.get("ports")))}
        for port in (as_dict(p) for p in as_list(spec.get("ports"))):
            before = old_ports.get(_port_key(port))
            if before is not None and not port.get("nodePort") and before.get("nodePort"):
                port["nodePort"] = before["nodePort"]

    def _free_node_port(self, owner: tuple[str, str]) -> int:
        port = next((p for p in NODE_PORTS if p not in self._node_ports), None)
        if port is None:
            raise internal_error("range of valid ports 30000-32767 is full")
        self._node_ports[port] = owner
        return port


def _port_key(port: Obj) -> tuple[int, str]:
    return as_int(port.get("port")), as_str(port.get("protocol"))


class LoadBalancerController:
    """Gives LoadBalancer Services an ingress IP from the sandbox-wide pool; frees it when they go."""

    def __init__(self, cluster: Cluster, queue: WorkQueue, pool: AddressPool, allocator: ServiceAllocator) -> None:
        self._cluster, self._queue, self._pool, self._allocator = cluster, queue, pool, allocator
        self._services = cluster.resource_type("services")
        for service in cluster.list_objects(self._services, None):
            for ingress in as_list(dig(service, "status", "loadBalancer", "ingress")):
                self._pool.claim(as_str(dig(ingress, "ip")), self._owner(_key(service)))

    def _owner(self, key: tuple[str, str]) -> Hashable:
        return (self._cluster.cluster_id.lower(), *key)

    def on_event(self, event_type: str, obj: Obj) -> None:
        if obj.get("kind") != "Service":
            return
        if event_type == "DELETED":
            self._allocator.release(obj)
            for ingress in as_list(dig(obj, "status", "loadBalancer", "ingress")):
                self._pool.release(as_str(dig(ingress, "ip")), self._owner(_key(obj)))
        else:
            self._queue.add(self.sync, _key(obj))

    def sync(self, key: tuple[str, str]) -> None:
        service = self._cluster.find(self._services, *key)
        if service is None:
            return
        ingress = as_list(dig(service, "status", "loadBalancer", "ingress"))
        wanted = dig(service, "spec", "type") == "LoadBalancer" and not dig(service, "metadata", "deletionTimestamp")
        if wanted and not ingress:
            address = as_str(dig(service, "spec", "loadBalancerIP")) or self._pool.allocate(self._owner(key))
            status = {"loadBalancer": {"ingress": [{"ip": address, "ipMode": "VIP"}]}}
            self._cluster.write_status(self._services, service, status)
        elif not wanted and ingress:
            for entry in ingress:
                self._pool.release(as_str(dig(entry, "ip")), self._owner(key))
            self._cluster.write_status(self._services, service, {"loadBalancer": {}})


class EndpointsController:
    def __init__(self, cluster: Cluster, queue: WorkQueue) -> None:
        self._cluster, self._queue = cluster, queue
        self._services = cluster.resource_type("services")
        self._endpoints = cluster.resource_type("endpoints")
        self._pods = cluster.resource_type("pods")

    def on_event(self, event_type: str, obj: Obj) -> None:
        kind = obj.get("kind")
        if kind == "Service":
            self._queue.add(self.sync, _key(obj))
        elif kind == "Pod":
            namespace = _key(obj)[0]
            for service in self._cluster.objects.objects("services", namespace):
                if as_dict(dig(service, "spec", "selector")):
                    self._queue.add(self.sync, _key(service))

    def sync(self, key: tuple[str, str]) -> None:
        service = self._cluster.find(self._services, *key)
        existing = self._cluster.find(self._endpoints, *key)
        selector = as_dict(dig(service, "spec", "selector")) if service else {}
        if service is None or not selector:
            if existing is not None and service is None:
                self._cluster.delete_object(self._endpoints, *key, DeleteOptions())
            return
        wanted = self._desired(service, selector)
        if existing is None:
            self._cluster.create_object(self._endpoints, key[0], wanted)
            return
        changed = copy.deepcopy(existing)
        changed.pop("subsets", None)
        changed["metadata"].pop("labels", None)
        changed["metadata"].update(wanted["metadata"])
        if "subsets" in wanted:
            changed["subsets"] = wanted["subsets"]
        if changed != existing:
            self._cluster.write(self._endpoints, changed)

    def _desired(self, service: Obj, selector: dict[str, object]) -> Obj:
        chooser = selector_from_map({k: str(v) for k, v in selector.items()})
        pods = [
            p
            for p in self._cluster.objects.objects("pods", _key(service)[0])
            if chooser.matches(labels_of(p))
            and dig(p, "status", "podIP")
            and not dig(p, "metadata", "deletionTimestamp")
        ]
        ready = sorted((_address(p) for p in pods if pod_ready(p)), key=lambda a: a["ip"])
        not_ready = sorted((_address(p) for p in pods if not pod_ready(p)), key=lambda a: a["ip"])
        ports = _ports(service, pods)
        subset: Obj = {}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        meta: Obj = {"name": _key(service)[1], "namespace": _key(service)[0]}
        if labels_of(service):
            meta["labels"] = labels_of(service)
        endpoints: Obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta}
        if subset and ports:
            endpoints["subsets"] = [{**subset, "ports": ports}]
        return endpoints


def _serving(pod: Obj) -> bool:
    return bool(dig(pod, "status", "podIP")) and not dig(pod, "metadata", "deletionTimestamp")


def _address(pod: Obj) -> Obj:
    namespace, name = _key(pod)
    target = {"kind": "Pod", "namespace": namespace, "name": name, "uid": pod["metadata"]["uid"]}
    address: Obj = {"ip": as_str(dig(pod, "status", "podIP")), "targetRef": target}
    if dig(pod, "spec", "nodeName"):
        address["nodeName"] = dig(pod, "spec", "nodeName")
    return address


def _ports(service: Obj, pods: list[Obj]) -> list[Obj]:
    named = {
        as_str(port.get("name")): as_int(port.get("containerPort"))
        for pod in pods
        for container in as_list(dig(pod, "spec", "containers"))
        for port in map(as_dict, as_list(dig(container, "ports")))
        if port.get("name")
    }
    ports = []
    for port in (as_dict(p) for p in as_list(dig(service, "spec", "ports"))):
        target = port.get("targetPort", port.get("port"))
        number = named.get(target) if isinstance(target, str) else as_int(target)
        if not number:
            continue
        entry: Obj = {"port": number, "protocol": as_str(port.get("protocol")) or "TCP"}
        if port.get("name"):
            entry["name"] = port["name"]
        ports.append(entry)
    return ports


def _wants_node_ports(spec: Obj) -> bool:
    """NodePort Services always get node ports; LoadBalancer ones unless allocateLoadBalancerNodePorts is false."""
    if spec.get("type") == "NodePort":
        return True
    return spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is not False
