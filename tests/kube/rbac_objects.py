"""RBAC objects and service-account identities for the RBAC tests: manifests, tokens and clients acting as one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes import config as k8s_config

from tests.kube.conftest import KubeCluster, write_kubeconfig

RBAC = "rbac.authorization.k8s.io/v1"


def account_token(core: k8s.CoreV1Api, namespace: str, account: str) -> str:
    """A new ServiceAccount's token (TokenRequest), as a pod would get it."""
    core.create_namespaced_service_account(namespace, {"metadata": {"name": account}})
    token: str = core.create_namespaced_service_account_token(account, namespace, {"spec": {}}).status.token
    return token


def account_client(kube: KubeCluster, token: str, directory: Path) -> k8s.ApiClient:
    """The kubernetes client with a kubeconfig that authenticates with ``token`` (the caller closes it)."""
    directory.mkdir(parents=True, exist_ok=True)
    kubeconfig = write_kubeconfig(directory / "config", kube.access, kube.ca_cert, token=token)
    return k8s_config.new_client_from_config(config_file=str(kubeconfig))


def role_manifest(kind: str, name: str, rules: list[dict[str, Any]], namespace: str = "") -> dict[str, Any]:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": RBAC, "kind": kind, "metadata": metadata, "rules": rules}


def binding_manifest(kind: str, name: str, role: tuple[str, str], account: tuple[str, str], namespace: str = "") -> Any:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    subject = {"kind": "ServiceAccount", "name": account[1], "namespace": account[0]}
    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": role[0], "name": role[1]}
    return {"apiVersion": RBAC, "kind": kind, "metadata": metadata, "roleRef": ref, "subjects": [subject]}
