"""What a new AKS cluster already holds: its nodes, the system namespaces, the ``kubernetes`` Service, the
default RBAC roles and bindings and the aad-pod-identity CRDs; and keeping the Node objects in line with the
scale-set instances.

Node objects carry the labels AKS puts on nodes (agent pool, zone, region, instance type, OS) so that
``nodeSelector: {kubernetes.io/os: linux}`` from the tutorial's Pod schedules, and the ``providerID`` MIC uses
to find a node's scale set.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
import uuid
from importlib import resources

import yaml

from podid.sandbox.kube.api import ClusterSpec, NodeSpec
from podid.sandbox.kube.machinery.objects import Obj, dig
from podid.sandbox.kube.machinery.resources import AAD_POD_IDENTITY_TYPES, ResourceType
from podid.sandbox.kube.rbac.bootstrap import bootstrap_rbac
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_MAX_PODS = {"kubenet": "110", "azure": "30"}
_MEMORY = {"Standard_DS2_v2": ("2", "7110656Ki", "4652544Ki"), "Standard_D2s_v3": ("2", "8129040Ki", "5474832Ki")}
_DEFAULT_MEMORY = ("2", "7110656Ki", "4652544Ki")


def _pool_of(node_name: str) -> str:
    """``aks-nodepool1-12345678-vmss000000`` → ``nodepool1``."""
    match = re.match(r"aks-([a-z0-9]+)-", node_name)
    return match.group(1) if match else "nodepool1"


def _node_group(provider_id: str) -> str:
    """The node resource group, as the ``kubernetes.azure.com/cluster`` label carries it: AKS allows that name up
    to 80 characters and keeps the label's first 63, a label value's limit (as seen on AKS nodes:
    kubernetes-sigs/cluster-api-provider-azure#5055); a cut that ends on '-', '_' or '.' loses those too, since a
    label value ends with a letter or digit."""
    match = re.search(r"/resourceGroups/([^/]+)/", provider_id, re.IGNORECASE)
    return match.group(1)[:63].rstrip("-_.") if match else ""


def node_object(spec: ClusterSpec, node: NodeSpec) -> Obj:
    pool = _pool_of(node.name)
    labels = {
        "agentpool": pool,
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": node.vm_size,
        "beta.kubernetes.io/os": "linux",
        "failure-domain.beta.kubernetes.io/region": spec.location,
        "failure-domain.beta.kubernetes.io/zone": node.zone,
        "kubernetes.azure.com/agentpool": pool,
        "kubernetes.azure.com/cluster": _node_group(node.provider_id),
        "kubernetes.azure.com/mode": "system",
        "kubernetes.azure.com/role": "agent",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/role": "agent",
        "node-role.kubernetes.io/agent": "",
        "node.kubernetes.io/instance-type": node.vm_size,
        "topology.kubernetes.io/region": spec.location,
        "topology.kubernetes.io/zone": node.zone,
        **spec.labels,
    }
    cpu, memory, allocatable_memory = _MEMORY.get(node.vm_size, _DEFAULT_MEMORY)
    pods = _MAX_PODS.get(spec.network_plugin, "250")
    capacity = {"cpu": cpu, "ephemeral-storage": "129886128Ki", "memory": memory, "pods": pods}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": node.name, "labels": {k: v for k, v in labels.items() if v is not None}},
        "spec": {"providerID": node.provider_id},
        "status": {
            "capacity": capacity,
            "allocatable": {**capacity, "cpu": "1900m", "memory": allocatable_memory},
            "conditions": _node_conditions(),
            "addresses": [
                {"type": "InternalIP", "address": node.internal_ip},
                {"type": "Hostname", "address": node.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": _node_uuid(node.name, "boot"),
                "machineID": _node_uuid(node.name, "machine").replace("-", ""),
                "systemUUID": _node_uuid(node.name, "system"),
                "containerRuntimeVersion": "containerd://1.7.15-1",
                "kernelVersion": "5.15.0-1064-azure",
                "kubeProxyVersion": f"v{spec.kubernetes_version}",
                "kubeletVersion": f"v{spec.kubernetes_version}",
                "operatingSystem": "linux",
                "osImage": "Ubuntu 22.04.4 LTS",
            },
        },
    }


def _node_uuid(node_name: str, purpose: str) -> str:
    """Stable per-node identifiers (machine-id, boot id, SMBIOS UUID) derived from the node name."""
    return str(uuid.UUID(bytes=hashlib.sha256(f"{purpose}/{node_name}".encode()).digest()[:16]))


def _node_conditions() -> list[Obj]:
    pressure = [
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ]
    conditions = [{"type": t, "status": "False", "reason": r, "message": m} for t, r, m in pressure]
    ready = {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}
    return [*conditions, ready]


def sync_nodes(cluster: Cluster, spec: ClusterSpec) -> None:
    """Create, update and delete Node objects so they match the spec's nodes (scale-set instances)."""
    nodes = cluster.resource_type("nodes")
    now = cluster.now()
    wanted = {node.name: node_object(spec, node) for node in spec.nodes}
    for existing in cluster.list_objects(nodes, None):
        name = existing["metadata"]["name"]
        if name not in wanted:
            _remove_node(cluster, name)
            continue
        desired = wanted.pop(name)
        updated = copy.deepcopy(existing)
        updated["metadata"]["labels"] = {**existing["metadata"].get("labels", {}), **desired["metadata"]["labels"]}
        updated["spec"] = {**existing.get("spec", {}), **desired["spec"]}
        conditions = existing.get("status", {}).get("conditions", [])
        updated["status"] = {**desired["status"], "conditions": conditions}
        cluster.commit(nodes, existing, updated)
    for node in wanted.values():
        for condition in node["status"]["conditions"]:
            condition.update({"lastHeartbeatTime": now, "lastTransitionTime": now})
        cluster.create_object(nodes, "", node)


def _remove_node(cluster: Cluster, name: str) -> None:
    """A scale-in: the node goes, and with it its pods (their controllers recreate them elsewhere)."""
    cluster.delete_object(cluster.resource_type("nodes"), "", name, DeleteOptions())
    pods = cluster.resource_type("pods")
    for pod in cluster.list_objects(pods, None, field_selector=f"spec.nodeName={name}"):
        cluster.delete_object(
            pods, pod["metadata"]["namespace"], pod["metadata"]["name"], DeleteOptions(grace_seconds=0)
        )


@functools.cache
def _aad_pod_identity_crds() -> dict[str, Obj]:
    """The pinned release's CRDs by name, as its chart ships them (structural schemas with descriptions, printer
    columns), less the chart's Helm labels and the empty status (``aad_pod_identity_crds.yaml``)."""
    text = resources.files(__package__).joinpath("aad_pod_identity_crds.yaml").read_text()
    crds = {}
    for document in yaml.safe_load_all(text):
        metadata = {k: v for k, v in document["metadata"].items() if k != "labels"}
        crds[metadata["name"]] = {**{k: document[k] for k in ("apiVersion", "kind", "spec")}, "metadata": metadata}
    return crds


def crd_object(rt: ResourceType) -> Obj:
    """The CRD of an aad-pod-identity kind, as the pinned release ships it."""
    return copy.deepcopy(_aad_pod_identity_crds()[f"{rt.plural}.{rt.group}"])


def bootstrap(cluster: Cluster, server_port: int) -> None:
    """The objects every new cluster has; the ``kubernetes`` Endpoints follow the API server's port."""
    namespaces = cluster.resource_type("namespaces")
    for name in SYSTEM_NAMESPACES:
        if cluster.find(namespaces, "", name) is None:
            cluster.create_object(namespaces, "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    crds = cluster.resource_type("apiextensions.k8s.io/customresourcedefinitions")
    for rt in AAD_POD_IDENTITY_TYPES:
        wanted, found = crd_object(rt), cluster.find(crds, "", f"{rt.plural}.{rt.group}")
        if found is None:
            cluster.create_object(crds, "", wanted)
        elif found.get("spec") != wanted["spec"]:  # a cluster stored before the schemas were the release's
            cluster.write(crds, {**found, "spec": wanted["spec"]})
    bootstrap_rbac(cluster)
    _kubernetes_service(cluster, server_port)


def _kubernetes_service(cluster: Cluster, server_port: int) -> None:
    services, endpoints = cluster.resource_type("services"), cluster.resource_type("endpoints")
    labels = {"component": "apiserver", "provider": "kubernetes"}
    if cluster.find(services, "default", "kubernetes") is None:
        port = {"name": "https", "port": 443, "protocol": "TCP", "targetPort": server_port}
        service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "labels": labels}}
        cluster.create_object(services, "default", {**service, "spec": {"type": "ClusterIP", "ports": [port]}})
    subsets = [
        {"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "https", "port": server_port, "protocol": "TCP"}]}
    ]
    current = cluster.find(endpoints, "default", "kubernetes")
    if current is None:
        body = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "kubernetes", "labels": labels}}
        cluster.create_object(endpoints, "default", {**body, "subsets": subsets})
    elif dig(current, "subsets", 0, "ports", 0, "port") != server_port:
        cluster.write(endpoints, {**current, "subsets": subsets})
