"""The cluster's controllers, observed through the kubernetes client.

Covers: a Deployment makes a ReplicaSet (``<name>-<pod-template-hash>``) and pods carrying the template's labels
and controller ownerReferences, scales both ways and reports status; deleting it garbage-collects its
ReplicaSet and pods, while ``propagationPolicy: Orphan`` leaves pods behind without owner; every pod gets its
own loopback IP and a node; nodeSelector that no node matches leaves the pod Pending/Unschedulable; Services
get a cluster IP, LoadBalancers an external loopback IP (given back when the type changes) and selector
Services an Endpoints object, and node ports unless allocateLoadBalancerNodePorts is false; deleting a
namespace deletes its content; new namespaces get the ``default``
ServiceAccount and the ``kube-root-ca.crt`` ConfigMap.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kubernetes import client as k8s

from tests.kube.conftest import eventually, pod_dict


def deployment(name: str, replicas: int, image: str = "nginx:1.25") -> dict[str, Any]:
    labels = {"app": name}
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": {**labels, "tier": "front"}},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
        },
    }


def running(core: k8s.CoreV1Api, namespace: str, selector: str, count: int) -> list[k8s.V1Pod] | None:
    pods = [
        p
        for p in core.list_namespaced_pod(namespace, label_selector=selector).items
        if not p.metadata.deletion_timestamp
    ]
    return pods if len(pods) == count and all(p.status.phase == "Running" for p in pods) else None


def test_deployment_replicasets_and_pods(apps: k8s.AppsV1Api, core: k8s.CoreV1Api, namespace: str) -> None:
    created = apps.create_namespaced_deployment(namespace, deployment("shop", 3))
    pods = eventually(lambda: running(core, namespace, "app=shop", 3))
    [rs] = apps.list_namespaced_replica_set(namespace).items
    template_hash = rs.metadata.labels["pod-template-hash"]
    assert rs.metadata.name == f"shop-{template_hash}"
    assert rs.metadata.owner_references[0].uid == created.metadata.uid and rs.metadata.owner_references[0].controller
    for pod in pods:
        assert pod.metadata.name.startswith(f"shop-{template_hash}-")
        assert pod.metadata.labels == {"app": "shop", "tier": "front", "pod-template-hash": template_hash}
        assert (
            pod.metadata.owner_references[0].kind == "ReplicaSet"
            and pod.metadata.owner_references[0].uid == rs.metadata.uid
        )
        assert pod.spec.node_name.startswith("aks-nodepool1-") and pod.status.pod_ip.startswith("127.244.")
    assert len({p.spec.node_name for p in pods}) == 3  # round-robin over three nodes

    def status_is(replicas: int) -> bool:
        status = apps.read_namespaced_deployment("shop", namespace).status
        return (
            status.ready_replicas == replicas
            and status.available_replicas == replicas
            and status.updated_replicas == replicas
        )

    eventually(lambda: status_is(3))
    apps.patch_namespaced_deployment_scale("shop", namespace, {"spec": {"replicas": 5}})
    eventually(lambda: running(core, namespace, "app=shop", 5))
    apps.patch_namespaced_deployment("shop", namespace, {"spec": {"replicas": 1}})
    eventually(lambda: running(core, namespace, "app=shop", 1))
    eventually(lambda: status_is(1))
    conditions = {c.type: c.status for c in apps.read_namespaced_deployment("shop", namespace).status.conditions}
    assert conditions == {"Available": "True", "Progressing": "True"}

    apps.delete_namespaced_deployment("shop", namespace)
    eventually(lambda: not apps.list_namespaced_replica_set(namespace).items)
    eventually(lambda: not core.list_namespaced_pod(namespace).items)


def test_orphan_propagation_keeps_pods(apps: k8s.AppsV1Api, core: k8s.CoreV1Api, namespace: str) -> None:
    apps.create_namespaced_deployment(namespace, deployment("keep", 2))
    eventually(lambda: running(core, namespace, "app=keep", 2))
    apps.delete_namespaced_deployment("keep", namespace, propagation_policy="Orphan")
    [rs] = apps.list_namespaced_replica_set(namespace).items
    assert not rs.metadata.owner_references
    apps.delete_namespaced_replica_set(
        rs.metadata.name, namespace, body=k8s.V1DeleteOptions(propagation_policy="Orphan")
    )
    pods = core.list_namespaced_pod(namespace).items
    assert len(pods) == 2 and all(not p.metadata.owner_references for p in pods)


def test_pod_ips_are_unique_loopback_addresses(core: k8s.CoreV1Api, namespace: str) -> None:
    for i in range(6):
        core.create_namespaced_pod(namespace, pod_dict(f"p{i}", app="ips"))
    pods = eventually(lambda: running(core, namespace, "app=ips", 6))
    addresses = [ipaddress.ip_address(p.status.pod_ip) for p in pods]
    assert len(set(addresses)) == 6 and all(a in ipaddress.ip_network("127.244.0.0/16") for a in addresses)
    assert all(p.status.host_ip.startswith("10.224.0.") for p in pods)
    statuses = [p.status.container_statuses[0] for p in pods]
    assert all(s.ready and s.started and s.state.running is not None and s.restart_count == 0 for s in statuses)


def test_unmatched_node_selector_is_unschedulable(core: k8s.CoreV1Api, namespace: str) -> None:
    pod = pod_dict("nowhere")
    pod["spec"]["nodeSelector"] = {"kubernetes.io/os": "windows"}
    core.create_namespaced_pod(namespace, pod)

    def condition() -> k8s.V1PodCondition | None:
        conditions = core.read_namespaced_pod("nowhere", namespace).status.conditions or []
        return next((c for c in conditions if c.type == "PodScheduled" and c.status == "False"), None)

    scheduled = eventually(condition)
    assert scheduled.reason == "Unschedulable"
    assert scheduled.message == "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
    assert core.read_namespaced_pod("nowhere", namespace).status.phase == "Pending"


def test_services_ips_and_endpoints(core: k8s.CoreV1Api, namespace: str) -> None:
    for i in range(2):
        core.create_namespaced_pod(namespace, pod_dict(f"api{i}", app="api"))
    ports = [{"name": "http", "port": 80, "targetPort": 8080}]
    service = core.create_namespaced_service(
        namespace,
        {"metadata": {"name": "api"}, "spec": {"type": "LoadBalancer", "selector": {"app": "api"}, "ports": ports}},
    )
    assert ipaddress.ip_address(service.spec.cluster_ip) in ipaddress.ip_network("10.0.0.0/16")
    assert service.spec.ports[0].protocol == "TCP" and 30000 <= service.spec.ports[0].node_port <= 32767
    ingress = eventually(lambda: core.read_namespaced_service("api", namespace).status.load_balancer.ingress)
    assert ipaddress.ip_address(ingress[0].ip) in ipaddress.ip_network("127.240.0.0/16")
    pods = eventually(lambda: running(core, namespace, "app=api", 2))

    def endpoints() -> k8s.V1Endpoints | None:
        found = core.read_namespaced_endpoints("api", namespace)
        ready = found.subsets[0].addresses if found.subsets else []
        return found if len(ready or []) == 2 else None

    subset = eventually(endpoints).subsets[0]
    assert sorted(a.ip for a in subset.addresses) == sorted(p.status.pod_ip for p in pods)
    assert [(p.name, p.port, p.protocol) for p in subset.ports] == [("http", 8080, "TCP")]
    core.patch_namespaced_service(
        "api", namespace, {"spec": {"type": "ClusterIP", "ports": [{"port": 80, "nodePort": None}]}}
    )
    eventually(lambda: not core.read_namespaced_service("api", namespace).status.load_balancer.ingress)


def test_load_balancer_without_node_ports(core: k8s.CoreV1Api, namespace: str) -> None:
    spec = {"type": "LoadBalancer", "allocateLoadBalancerNodePorts": False, "ports": [{"port": 80}]}
    service = core.create_namespaced_service(namespace, {"metadata": {"name": "lb"}, "spec": spec})
    assert service.spec.ports[0].node_port is None
    assert eventually(lambda: core.read_namespaced_service("lb", namespace).status.load_balancer.ingress)


def test_namespace_defaults_and_deletion(core: k8s.CoreV1Api, apps: k8s.AppsV1Api, unique: str) -> None:
    core.create_namespace({"metadata": {"name": unique}})
    eventually(lambda: [a.metadata.name for a in core.list_namespaced_service_account(unique).items] == ["default"])
    root_ca = eventually(lambda: core.read_namespaced_config_map("kube-root-ca.crt", unique))
    assert root_ca.data["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
    apps.create_namespaced_deployment(unique, deployment("inside", 2))
    eventually(lambda: running(core, unique, "app=inside", 2))
    terminating = core.delete_namespace(unique)
    assert terminating["status"]["phase"] == "Terminating"

    def gone() -> bool:
        return unique not in [n.metadata.name for n in core.list_namespace().items]

    eventually(gone)
