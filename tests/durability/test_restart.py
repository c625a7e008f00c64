"""Everything the tutorial builds survives a clean restart of the sandbox process (SIGTERM, then a new process
on the same data directory, on new ports).

Covers: the same tenant, subscription and operator; the resource group; the identity with its clientId and
principalId; the DNS zone (etag, name servers, record-set count) and its record sets (records and etags); the
identity's DNS Zone Contributor assignment on the zone; the cluster (Succeeded, fqdn, node resource group,
kubelet identity) and, through its new kubeconfig, its Kubernetes objects (namespace, ConfigMap, Deployment,
pods, nodes) with their uids and resourceVersions, resourceVersions still increasing for new writes.
"""

from __future__ import annotations

import json
import signal
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import watch

from podid.sandbox import Endpoints
from tests.aks.conftest import LOCATION, cluster_body, lro_polls
from tests.durability.conftest import SandboxProcess, operator_client

pytestmark = pytest.mark.slow

GROUP, IDENTITY, ZONE, CLUSTER, NAMESPACE = "durable", "dns-identity", "durable.internal", "myAKSCluster", "demo"
DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"


@dataclass(frozen=True)
class Clients:
    resources: ResourceManagementClient
    msi: ManagedServiceIdentityClient
    dns: DnsManagementClient
    authorization: AuthorizationManagementClient
    aks: ContainerServiceClient

    @classmethod
    def of(cls, endpoints: Endpoints) -> Clients:
        return cls(
            operator_client(ResourceManagementClient, endpoints),
            operator_client(ManagedServiceIdentityClient, endpoints),
            operator_client(DnsManagementClient, endpoints),
            operator_client(AuthorizationManagementClient, endpoints),
            operator_client(ContainerServiceClient, endpoints),
        )

    def kube(self) -> k8s.ApiClient:
        [admin] = self.aks.managed_clusters.list_cluster_admin_credentials(GROUP, CLUSTER).kubeconfigs
        return k8s_config.new_client_from_config_dict(yaml.safe_load(admin.value))


def _azure_state(clients: Clients) -> dict[str, Any]:
    """What the Azure side of the tutorial looks like, in comparable form."""
    identity = clients.msi.user_assigned_identities.get(GROUP, IDENTITY)
    zone = clients.dns.zones.get(GROUP, ZONE)
    assignments = clients.authorization.role_assignments.list_for_scope(
        zone.id, filter=f"principalId eq '{identity.principal_id}'"
    )
    cluster = clients.aks.managed_clusters.get(GROUP, CLUSTER)
    return {
        "group": clients.resources.resource_groups.get(GROUP).id,
        "identity": (identity.id, identity.client_id, identity.principal_id, identity.tenant_id),
        "zone": (zone.etag, zone.name_servers, zone.number_of_record_sets),
        "records": sorted(
            json.dumps(item.as_dict(), sort_keys=True) for item in clients.dns.record_sets.list_by_dns_zone(GROUP, ZONE)
        ),
        "assignments": sorted((item.name, item.role_definition_id, item.scope) for item in assignments),
        "cluster": (
            cluster.provisioning_state,
            cluster.fqdn,
            cluster.node_resource_group,
            cluster.identity.principal_id,
            cluster.identity_profile["kubeletidentity"].client_id,
        ),
    }


def _kube_state(api: k8s.ApiClient) -> dict[str, Any]:
    core, apps = k8s.CoreV1Api(api), k8s.AppsV1Api(api)
    config_map = core.read_namespaced_config_map("settings", NAMESPACE)
    deployment = apps.read_namespaced_deployment("web", NAMESPACE)
    pods = core.list_namespaced_pod(NAMESPACE, label_selector="app=web").items
    nodes = core.list_node().items
    return {
        "namespace": core.read_namespace(NAMESPACE).metadata.uid,
        "config_map": (config_map.metadata.uid, config_map.metadata.resource_version, config_map.data),
        "deployment": (deployment.metadata.uid, deployment.metadata.generation, deployment.status.ready_replicas),
        "pods": sorted((pod.metadata.name, pod.metadata.uid, pod.status.phase, pod.status.pod_ip) for pod in pods),
        "nodes": sorted((node.metadata.name, _ready(node)) for node in nodes),
    }


def _ready(node: k8s.V1Node) -> str:
    return next(condition.status for condition in node.status.conditions if condition.type == "Ready")


def _build_tutorial(clients: Clients, endpoints: Endpoints) -> None:
    clients.resources.resource_groups.create_or_update(GROUP, {"location": LOCATION})
    identity = clients.msi.user_assigned_identities.create_or_update(GROUP, IDENTITY, {"location": LOCATION})
    zone = clients.dns.zones.create_or_update(GROUP, ZONE, {"location": "global"})
    clients.dns.record_sets.create_or_update(
        GROUP, ZONE, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.4"}, {"ipv4_address": "10.0.0.5"}]}
    )
    clients.dns.record_sets.create_or_update(GROUP, ZONE, "txt", "TXT", {"ttl": 300, "txt_records": [{"value": ["v"]}]})
    role = f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
    clients.authorization.role_assignments.create(
        zone.id,
        str(uuid.uuid4()),
        {"role_definition_id": role + DNS_ZONE_CONTRIBUTOR, "principal_id": identity.principal_id},
    )
    lro_polls(endpoints, 1)  # the sandbox's control surface: the create ends at the first poll
    clients.aks.managed_clusters.begin_create_or_update(GROUP, CLUSTER, cluster_body("myaks")).result()
    _build_kube_objects(clients.kube())


def _build_kube_objects(api: k8s.ApiClient) -> None:
    core, apps = k8s.CoreV1Api(api), k8s.AppsV1Api(api)
    core.create_namespace({"metadata": {"name": NAMESPACE}})
    core.create_namespaced_config_map(NAMESPACE, {"metadata": {"name": "settings"}, "data": {"zone": ZONE}})
    labels = {"app": "web"}
    container = {"name": "web", "image": "registry.example/web:1"}
    spec = {"replicas": 2, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}}}
    spec["template"]["spec"] = {"containers": [container]}
    apps.create_namespaced_deployment(NAMESPACE, {"metadata": {"name": "web"}, "spec": spec})


def _wait_until_running(api: k8s.ApiClient) -> None:
    """Watch the demo namespace until both pods run (the controllers act asynchronously)."""
    core = k8s.CoreV1Api(api)
    running: set[str] = set()
    for event in watch.Watch().stream(core.list_namespaced_pod, NAMESPACE, timeout_seconds=30):
        pod = event["object"]
        if pod.status.phase == "Running":
            running.add(pod.metadata.name)
        if len(running) == 2:
            return
    raise AssertionError(f"pods running after 30 s: {sorted(running)}")


def test_everything_survives_a_restart(sandbox_process: SandboxProcess) -> None:
    before_endpoints = sandbox_process.start()
    before_clients = Clients.of(before_endpoints)
    _build_tutorial(before_clients, before_endpoints)
    _wait_until_running(before_clients.kube())
    azure_before, kube_before = _azure_state(before_clients), _kube_state(before_clients.kube())
    assert (len(azure_before["records"]), len(azure_before["assignments"])) == (4, 1)  # with NS and SOA
    assert len(kube_before["pods"]) == 2 and {ready for _, ready in kube_before["nodes"]} == {"True"}
    assert sandbox_process.stop(signal.SIGTERM) == 0

    after_endpoints = sandbox_process.start()
    assert (after_endpoints.tenant_id, after_endpoints.subscription_id, after_endpoints.operator) == (
        before_endpoints.tenant_id,
        before_endpoints.subscription_id,
        before_endpoints.operator,
    )
    after_clients = Clients.of(after_endpoints)
    assert _azure_state(after_clients) == azure_before
    api = after_clients.kube()
    assert _kube_state(api) == kube_before

    written = k8s.CoreV1Api(api).patch_namespaced_config_map("settings", NAMESPACE, {"data": {"zone": "other"}})
    assert int(written.metadata.resource_version) > int(kube_before["config_map"][1])
