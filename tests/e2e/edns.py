"""Helpers for the external-dns end-to-end tests and benchmark: a DNS zone with the tutorial's least-privilege
grants, azure.json as external-dns reads it, its manifests, a cluster and pod environment for running the
workload in-process, and questions to the sandbox's DNS server."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dns.message
import dns.query
import dns.rcode
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from kubernetes import client as k8s

from podid.provision.design import EXTERNAL_DNS_IMAGE, HOSTNAME_ANNOTATION
from podid.sandbox import Endpoints, Sandbox
from podid.sandbox.kube.api import ClusterSpec, NodeSpec
from podid.sandbox.testing import eventually  # noqa: F401  (the tests take it from here)
from tests.conftest import mgmt_client

DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"
HOSTNAME = HOSTNAME_ANNOTATION  # under the prefix the pinned release reads
PREFIX = HOSTNAME.removesuffix("hostname")
IMAGE = EXTERNAL_DNS_IMAGE  # the release podid deploys


class ZoneAdmin:
    """The operator's view of one resource group and its zone: create them, grant on them, read them."""

    def __init__(self, endpoints: Endpoints, operator: ClientSecretCredential, group: str, zone: str) -> None:
        self.endpoints, self.group, self.zone = endpoints, group, zone
        self.dns = mgmt_client(DnsManagementClient, endpoints, operator)
        self.auth = mgmt_client(AuthorizationManagementClient, endpoints, operator)
        resources = mgmt_client(ResourceManagementClient, endpoints, operator)
        self.group_id = str(resources.resource_groups.create_or_update(group, {"location": "westus2"}).id)
        self.zone_id = str(self.dns.zones.create_or_update(group, zone, {"location": "global"}).id)

    def _assign(self, scope: str, role_id: str, principal_id: str) -> None:
        body = {"role_definition_id": role_id, "principal_id": principal_id, "principal_type": "ServicePrincipal"}
        self.auth.role_assignments.create(scope, str(uuid.uuid4()), body)

    def grant_zone_contributor(self, principal_id: str) -> None:
        """The tutorial's grant: DNS Zone Contributor on the zone only."""
        role = f"/subscriptions/{self.endpoints.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
        self._assign(self.zone_id, role + DNS_ZONE_CONTRIBUTOR, principal_id)

    def grant_zone_listing(self, principal_id: str) -> None:
        """What external-dns needs on top: `Microsoft.Network/dnsZones/read` at the resource group (a custom role)."""
        body = {
            "role_name": f"DNS zone lister {self.group}",
            "permissions": [{"actions": ["Microsoft.Network/dnsZones/read"]}],
            "assignable_scopes": [self.group_id],
        }
        role = self.auth.role_definitions.create_or_update(self.group_id, str(uuid.uuid4()), body)
        self._assign(self.group_id, str(role.id), principal_id)

    def record_sets(self) -> dict[tuple[str, str], list[str]]:
        """(relative name, type) -> values, SOA and NS left out."""
        found: dict[tuple[str, str], list[str]] = {}
        for record_set in self.dns.record_sets.list_all_by_dns_zone(self.group, self.zone):
            kind = str(record_set.type).rsplit("/", 1)[-1]
            if kind == "A":
                found[(record_set.name, kind)] = [a.ipv4_address for a in record_set.a_records]
            elif kind == "TXT":
                found[(record_set.name, kind)] = [value for txt in record_set.txt_records for value in txt.value]
        return found

    def add_a_record(self, name: str, ip: str) -> None:
        body = {"ttl": 60, "a_records": [{"ipv4_address": ip}]}
        self.dns.record_sets.create_or_update(self.group, self.zone, name, "A", body)


@dataclass(frozen=True)
class KubeAccess:
    """A cluster made directly through the sandbox's Kubernetes fleet (no AKS), with admin clients."""

    core: k8s.CoreV1Api
    networking: k8s.NetworkingV1Api
    server_url: str
    token: str


def in_process_cluster(sandbox: Sandbox, endpoints: Endpoints, group: str, name: str) -> KubeAccess:
    cluster_id = f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{group}/providers/"
    node = NodeSpec("aks-nodepool1-0-vmss000000", "azure:///vmss/0", "westus2-1", "10.224.0.4")
    spec = ClusterSpec(
        f"{cluster_id}Microsoft.ContainerService/managedClusters/{name}", name, "westus2", "1.29.0", "kubenet", (node,)
    )
    access = sandbox.cloud.kube.ensure_cluster(spec)
    configuration = k8s.Configuration()
    configuration.host, configuration.ssl_ca_cert = access.server_url, endpoints.ca_cert
    configuration.api_key, configuration.api_key_prefix = {"BearerToken": access.admin_token}, {"BearerToken": "Bearer"}
    api = k8s.ApiClient(configuration)
    return KubeAccess(k8s.CoreV1Api(api), k8s.NetworkingV1Api(api), access.server_url, access.admin_token)


def enter_pod(patch: Any, root: Path, cluster: KubeAccess, endpoints: Endpoints) -> None:
    """Give this process what the kubelet gives an external-dns pod: its environment (set through the
    MonkeyPatch `patch`) and, under `root`, the service-account token and CA."""
    secrets = root / "var/run/secrets/kubernetes.io/serviceaccount"
    secrets.mkdir(parents=True)
    (secrets / "token").write_text(cluster.token)
    (secrets / "ca.crt").write_text(Path(endpoints.ca_cert).read_text())
    server = urlsplit(cluster.server_url)
    for name, value in {
        "PODID_POD_ROOT": str(root),
        "KUBERNETES_SERVICE_HOST": server.hostname,
        "KUBERNETES_SERVICE_PORT": str(server.port),
        # Azure's own names through the sandbox's proxy (as the machine's owner: this process is no pod)
        "HTTPS_PROXY": endpoints.proxy_url,
        "HTTP_PROXY": endpoints.proxy_url,
        "NO_PROXY": f"{server.hostname},localhost",
        "REQUESTS_CA_BUNDLE": endpoints.ca_bundle,
        "SSL_CERT_FILE": endpoints.ca_bundle,
    }.items():
        patch.setenv(name, value)


def azure_json(path: Path, endpoints: Endpoints, group: str, **credentials: Any) -> Path:
    """Write azure.json as the tutorial's Secret holds it; `credentials` are its aadClientId/... keys."""
    document = {"tenantId": endpoints.tenant_id, "subscriptionId": endpoints.subscription_id, "resourceGroup": group}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**document, **credentials}))
    return path


def pod_identity_azure_json(endpoints: Endpoints, group: str, client_id: str) -> dict[str, Any]:
    """azure.json of external-dns' "Managed identity using AAD Pod Identities" tutorial."""
    return {
        "tenantId": endpoints.tenant_id,
        "subscriptionId": endpoints.subscription_id,
        "resourceGroup": group,
        "useManagedIdentityExtension": True,
        "userAssignedIdentityID": client_id,
    }


def rbac_manifests(namespace: str) -> list[dict[str, Any]]:
    """The ServiceAccount, ClusterRole and ClusterRoleBinding of external-dns' Azure tutorial."""
    rules = [
        {"apiGroups": [""], "resources": ["services", "endpoints", "pods"], "verbs": ["get", "watch", "list"]},
        {
            "apiGroups": ["extensions", "networking.k8s.io"],
            "resources": ["ingresses"],
            "verbs": ["get", "watch", "list"],
        },
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch"]},
    ]
    subject = {"kind": "ServiceAccount", "name": "external-dns", "namespace": namespace}
    role_ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "external-dns"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "external-dns", "namespace": namespace}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "external-dns"},
            "rules": rules,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "external-dns-viewer"},
            "roleRef": role_ref,
            "subjects": [subject],
        },
    ]


def deployment(
    name: str, args: list[str], secret: str, binding: str | None, account: str = "external-dns", image: str = IMAGE
) -> dict[str, Any]:
    """external-dns' Deployment from the tutorial: azure.json from `secret` at /etc/kubernetes, the pods labelled
    `aadpodidbinding: <binding>` (no label when `binding` is None), running `image` as the ServiceAccount
    `account`."""
    labels = {"app": name, **({"aadpodidbinding": binding} if binding else {})}
    container = {
        "name": "external-dns",
        "image": image,
        "args": args,
        "volumeMounts": [{"name": "azure-config-file", "mountPath": "/etc/kubernetes", "readOnly": True}],
    }
    template = {
        "metadata": {"labels": labels},
        "spec": {
            "serviceAccountName": account,
            "containers": [container],
            "volumes": [{"name": "azure-config-file", "secret": {"secretName": secret}}],
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {"app": name}},
            "template": template,
        },
    }


def service_manifest(name: str, hostname: str, prefix: str = PREFIX, **annotations: str) -> dict[str, Any]:
    """A LoadBalancer Service annotated `<prefix>hostname: <hostname>` for external-dns."""
    return {
        "metadata": {"name": name, "annotations": {prefix + "hostname": hostname, **annotations}},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
    }


def resolve(endpoints: Endpoints, name: str, rdtype: str = "A") -> tuple[int, list[str]]:
    """(rcode, values) from the sandbox's DNS server, over UDP as dig asks."""
    query = dns.message.make_query(name, rdtype)
    response = dns.query.udp(query, endpoints.dns_host, port=endpoints.dns_port, timeout=5)
    return response.rcode(), sorted(rdata.to_text() for rrset in response.answer for rdata in rrset)


NXDOMAIN = dns.rcode.NXDOMAIN
NOERROR = dns.rcode.NOERROR
