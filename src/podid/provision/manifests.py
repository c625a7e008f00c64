"""The Kubernetes objects ``podid up`` applies, as wire dicts (pure functions, no I/O).

* external-dns (kube-addons): ServiceAccount, ClusterRole/Binding, the ``azure-config-file`` Secret holding
  azure.json for managed identity, and the Deployment whose pods carry ``aadpodidbinding: external-dns``.
* The tutorial's demo Pod (my-app), bound to ``my-pod-identity``.
* A hello app: Deployment + LoadBalancer Service annotated with its DNS name for external-dns.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from podid.provision.design import (
    BINDING_LABEL,
    DEMO_IMAGE,
    EXTERNAL_DNS_IMAGE,
    HELLO_IMAGE,
    HOSTNAME_ANNOTATION,
    Design,
)

Manifest = dict[str, Any]
EXTERNAL_DNS = "external-dns"
SECRET_NAME = "azure-config-file"


def _meta(name: str, namespace: str | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def namespace(name: str) -> Manifest:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(name)}


def azure_json(design: Design, tenant_id: str, client_id: str) -> str:
    """external-dns's azure.json for a user-assigned managed identity (reached through NMI)."""
    return json.dumps(
        {
            "tenantId": tenant_id,
            "subscriptionId": design.subscription_id,
            "resourceGroup": design.group,
            "useManagedIdentityExtension": True,
            "userAssignedIdentityID": client_id,
        },
        indent=2,
    )


def external_dns_rbac(design: Design) -> list[Manifest]:
    ns = design.dns.namespace
    rules = [
        {"apiGroups": [""], "resources": ["services", "endpoints", "pods"], "verbs": ["get", "watch", "list"]},
        {
            "apiGroups": ["extensions", "networking.k8s.io"],
            "resources": ["ingresses"],
            "verbs": ["get", "watch", "list"],
        },
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch"]},
    ]
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": _meta(EXTERNAL_DNS),
            "rules": rules,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": _meta(f"{EXTERNAL_DNS}-viewer"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": EXTERNAL_DNS},
            "subjects": [{"kind": "ServiceAccount", "name": EXTERNAL_DNS, "namespace": ns}],
        },
    ]


def verify_domain(design: Design) -> str:
    """Names under this subdomain are written by `podid verify`'s probes, never by the deployed external-dns."""
    return f"podid-verify.{design.domain}"


def external_dns(design: Design, tenant_id: str, client_id: str) -> list[Manifest]:
    ns = design.dns.namespace
    labels = {"app": EXTERNAL_DNS, BINDING_LABEL: design.dns.name}
    secret = base64.b64encode(azure_json(design, tenant_id, client_id).encode()).decode()
    args = [
        "--source=service",
        f"--domain-filter={design.domain}",
        f"--exclude-domains={verify_domain(design)}",
        "--provider=azure",
        f"--azure-resource-group={design.group}",
        f"--txt-owner-id={design.cluster}",
        "--policy=sync",
        "--interval=1m",
        "--events",  # also sync soon after a Service changes, not only every interval
    ]
    container = {
        "name": EXTERNAL_DNS,
        "image": EXTERNAL_DNS_IMAGE,
        "args": args,
        "volumeMounts": [{"name": SECRET_NAME, "mountPath": "/etc/kubernetes", "readOnly": True}],
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(EXTERNAL_DNS, ns),
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {"app": EXTERNAL_DNS}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": EXTERNAL_DNS,
                    "containers": [container],
                    "volumes": [{"name": SECRET_NAME, "secret": {"secretName": SECRET_NAME}}],
                },
            },
        },
    }
    return [
        namespace(ns),
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(EXTERNAL_DNS, ns)},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta(SECRET_NAME, ns),
            "type": "Opaque",
            "data": {"azure.json": secret},
        },
        deployment,
    ]


def _field_env(name: str, path: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}


def demo(design: Design, client_id: str, node_group: str) -> list[Manifest]:
    """The tutorial's demo Pod; it lists the VMs of the node resource group, where its identity may."""
    ns = design.demo.namespace
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta("demo", ns, labels={BINDING_LABEL: design.demo.name}),
        "spec": {
            "containers": [
                {
                    "name": "demo",
                    "image": DEMO_IMAGE,
                    "args": [
                        f"--subscriptionid={design.subscription_id}",
                        f"--clientid={client_id}",
                        f"--resourcegroup={node_group}",
                    ],
                    "env": [
                        _field_env("MY_POD_NAME", "metadata.name"),
                        _field_env("MY_POD_NAMESPACE", "metadata.namespace"),
                        _field_env("MY_POD_IP", "status.podIP"),
                    ],
                }
            ],
            "nodeSelector": {"kubernetes.io/os": "linux"},
        },
    }
    return [namespace(ns), pod]


def hello(design: Design) -> list[Manifest]:
    labels = {"app": "hello"}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta("hello", "default"),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {"name": "hello", "image": HELLO_IMAGE, "ports": [{"containerPort": 80, "protocol": "TCP"}]}
                    ]
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta("hello", "default", annotations={HOSTNAME_ANNOTATION: design.hello_host}),
        "spec": {
            "type": "LoadBalancer",
            "selector": labels,
            "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}],
        },
    }
    return [deployment, service]
