"""The tutorial's external-dns set-up in a sandbox, through the real APIs, for the e2e tests and the benchmark.

`set_up_tutorial`: a cluster with the pod identity add-on, the zone in the cluster's resource group, the DNS
identity with DNS Zone Contributor on the zone plus `dnsZones/read` on the group, bound as pod identity
`external-dns` in `kube-addons`; external-dns' RBAC and its azure.json Secret `azure-config-file`. Optionally a
second identity with the zone grant alone (bound and stored under its own name) and a Secret without azure.json.
`external_dns` then runs a Deployment of the external-dns image for the duration of a block.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.features import FeatureClient
from azure.mgmt.resource.resources import ResourceManagementClient
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import utils as k8s_utils

from podid.sandbox import Endpoints
from tests.conftest import control_call, credential_for, mgmt_client
from tests.e2e.edns import (
    IMAGE,
    PREFIX,
    ZoneAdmin,
    deployment,
    pod_identity_azure_json,
    rbac_manifests,
    service_manifest,
)
from tests.podidentity.conftest import (
    LOCATION,
    Clients,
    Cluster,
    add_identity,
    create_cluster,
    register_feature,
    update_profile,
    wait_for,
)

NAMESPACE = "kube-addons"
BINDING = "external-dns"
SECRET = "azure-config-file"
SECRET_WITHOUT_AZURE_JSON = "azure-config-misnamed"
_LOG_LINE = re.compile(r'time="[^"]+" level=(\w+) msg=(.*)')


@dataclass(frozen=True)
class Tutorial:
    endpoints: Endpoints
    group: str
    zone: str
    cluster: Cluster
    apps: k8s.AppsV1Api
    admin: ZoneAdmin


def clients_for(endpoints: Endpoints) -> Clients:
    """The operator's SDK clients; managedClusters operations finish after one poll."""
    settings = {"lroPolls": {"managedClusters": 1}}
    control_call(endpoints, "PUT", "/settings", json=settings).raise_for_status()
    operator = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    kinds = (
        ContainerServiceClient,
        ManagedServiceIdentityClient,
        ResourceManagementClient,
        AuthorizationManagementClient,
        FeatureClient,
        DnsManagementClient,
    )
    return Clients(*(mgmt_client(kind, endpoints, operator) for kind in kinds))


def secret(name: str, data: dict[str, Any]) -> dict[str, Any]:
    encoded = {key: base64.b64encode(json.dumps(value).encode()).decode() for key, value in data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque", "data": encoded}


def _apply(api: k8s.ApiClient, manifests: list[dict[str, Any]]) -> None:
    for manifest in manifests:
        k8s_utils.create_from_dict(api, manifest, namespace=NAMESPACE)


def set_up_tutorial(
    endpoints: Endpoints, directory: Path, group: str, zone: str, zone_only_binding: str | None = None
) -> Tutorial:
    clients = clients_for(endpoints)
    register_feature(clients)
    cluster = create_cluster(clients, group, group, directory, podIdentityProfile={"enabled": True})
    operator = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    admin = ZoneAdmin(endpoints, operator, group, zone)
    secrets = []
    for binding in [BINDING, *([zone_only_binding] if zone_only_binding else [])]:
        identity = clients.msi.user_assigned_identities.create_or_update(
            group, f"{binding}-identity", {"location": LOCATION}
        )
        admin.grant_zone_contributor(identity.principal_id)
        if binding == BINDING:
            admin.grant_zone_listing(identity.principal_id)
        update_profile(clients, group, cluster.name, add_identity(identity, NAMESPACE, binding))
        azure_json = pod_identity_azure_json(endpoints, group, identity.client_id)
        secrets.append(secret(SECRET if binding == BINDING else f"azure-config-{binding}", {"azure.json": azure_json}))
    secrets.append(secret(SECRET_WITHOUT_AZURE_JSON, {"azure.yaml": {}}))
    api = k8s_config.new_client_from_config(str(cluster.kubeconfig))
    _apply(api, [*rbac_manifests(NAMESPACE), *secrets])
    return Tutorial(endpoints, group, zone, cluster, k8s.AppsV1Api(api), admin)


def pod_of(t: Tutorial, name: str) -> Any:
    def running() -> Any:
        pods = t.cluster.core.list_namespaced_pod(NAMESPACE, label_selector=f"app={name}").items
        return next((pod for pod in pods if pod.status.phase == "Running"), None)

    return wait_for(running, f"a Running pod of {name}")


def log_of(t: Tutorial, pod: str, tail_lines: int | None = None) -> list[tuple[str, str]]:
    """(level, message) of each logfmt line the pod wrote so far (or of the last `tail_lines`)."""
    extra = {"tail_lines": tail_lines} if tail_lines else {}
    text = t.cluster.core.read_namespaced_pod_log(pod, NAMESPACE, **extra)
    entries = []
    for line in text.splitlines():
        match = _LOG_LINE.fullmatch(line)
        if match:
            level, message = match.groups()
            entries.append((level, json.loads(message) if message.startswith('"') else message))
    return entries


def wait_for_log(t: Tutorial, pod: str, fragment: str, timeout: float = 60.0) -> list[tuple[str, str]]:
    def found() -> list[tuple[str, str]] | None:
        entries = log_of(t, pod)
        return entries if any(fragment in message for _, message in entries) else None

    entries: list[tuple[str, str]] = wait_for(found, f"{fragment!r} in the log of {pod}", timeout)
    return entries


@contextmanager
def external_dns(
    t: Tutorial,
    name: str,
    argv: list[str],
    secret_name: str = SECRET,
    binding: str | None = BINDING,
    account: str = "external-dns",
    image: str = IMAGE,
) -> Iterator[str]:
    """A running external-dns Deployment; yields its pod's name and deletes the Deployment afterwards."""
    t.apps.create_namespaced_deployment(NAMESPACE, deployment(name, argv, secret_name, binding, account, image))
    try:
        yield pod_of(t, name).metadata.name
    finally:
        t.apps.delete_namespaced_deployment(name, NAMESPACE)
        wait_for(
            lambda: not t.cluster.core.list_namespaced_pod(NAMESPACE, label_selector=f"app={name}").items,
            f"the pods of {name} to go",
        )


def create_service(t: Tutorial, name: str, hostname: str, prefix: str = PREFIX, **annotations: str) -> str:
    """A LoadBalancer Service annotated `<prefix>hostname: <hostname>`; returns its external IP once the cloud
    assigned it."""
    t.cluster.core.create_namespaced_service("default", service_manifest(name, hostname, prefix, **annotations))

    def ingress() -> Any:
        return t.cluster.core.read_namespaced_service(name, "default").status.load_balancer.ingress

    return str(wait_for(ingress, f"an external IP for {name}")[0].ip)
