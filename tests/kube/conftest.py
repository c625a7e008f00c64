"""One sandbox cluster for the Kubernetes tests, created directly through ``cloud.kube`` (AKS wiring is tested
in tests/aks), and the real clients pointed at it: kubectl (fresh discovery cache per test) and the kubernetes
Python client, both from a kubeconfig like the one ``az aks get-credentials`` writes.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.sandbox import Endpoints, Sandbox
from podid.sandbox.kube import ClusterAccess, ClusterSpec, NodeSpec
from podid.sandbox.testing import eventually  # noqa: F401  (the tests take it from here)

KUBECTL = "/usr/bin/kubectl"
# the kubectl releases installed beside the version dispatcher, oldest first
VERSIONED_KUBECTL = sorted(Path(KUBECTL).resolve().parent.glob("kubectl.1.*"), key=lambda p: int(p.name.split(".")[-1]))
T = TypeVar("T")


def node_specs(subscription: str, node_group: str, count: int = 3) -> tuple[NodeSpec, ...]:
    vmss = "aks-nodepool1-12345678-vmss"
    prefix = f"azure:///subscriptions/{subscription}/resourceGroups/{node_group}/providers/Microsoft.Compute"
    return tuple(
        NodeSpec(
            f"{vmss}{i:06d}",
            f"{prefix}/virtualMachineScaleSets/{vmss}/virtualMachines/{i}",
            f"westus2-{i + 1}",
            f"10.224.0.{4 + i}",
        )
        for i in range(count)
    )


def cluster_spec(endpoints: Endpoints, name: str, version: str = "1.29.4") -> ClusterSpec:
    group = f"rg-{name}"
    cluster_id = (
        f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{group}"
        f"/providers/Microsoft.ContainerService/managedClusters/{name}"
    )
    nodes = node_specs(endpoints.subscription_id, f"MC_{group}_{name}_westus2")
    return ClusterSpec(cluster_id, name, "westus2", version, "azure", nodes)


def write_kubeconfig(path: Path, access: ClusterAccess, ca_cert: str, token: str | None = None) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "sandbox", "cluster": {"server": access.server_url, "certificate-authority": ca_cert}}],
        "contexts": [{"name": "sandbox", "context": {"cluster": "sandbox", "user": "user"}}],
        "current-context": "sandbox",
        "users": [{"name": "user", "user": {"token": token if token is not None else access.user_token}}],
    }
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass(frozen=True)
class KubeCluster:
    spec: ClusterSpec
    access: ClusterAccess
    kubeconfig: Path
    ca_cert: str


def new_cluster(
    sandbox: Sandbox, endpoints: Endpoints, directory: Path, name: str, version: str = "1.29.4", nodes: int = 3
) -> KubeCluster:
    """A cluster named ``name`` at ``version`` (the kubectl dispatcher runs that minor) with ``nodes`` nodes."""
    assert sandbox.cloud is not None
    spec = cluster_spec(endpoints, name, version)
    spec = replace(spec, nodes=spec.nodes[:nodes])
    access = sandbox.cloud.kube.ensure_cluster(spec)
    kubeconfig = write_kubeconfig(directory / "config", access, endpoints.ca_cert)
    return KubeCluster(spec, access, kubeconfig, endpoints.ca_cert)


@pytest.fixture(scope="session")
def kube(sandbox: Sandbox, endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> KubeCluster:
    return new_cluster(sandbox, endpoints, tmp_path_factory.mktemp("kube"), "kubetests")


@dataclass
class Kubectl:
    kubeconfig: Path
    cache_dir: Path
    binary: str = KUBECTL  # the dispatcher (the release matching the cluster) or one release

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [self.binary, f"--kubeconfig={self.kubeconfig}", f"--cache-dir={self.cache_dir}", *args]
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def __call__(self, *args: str, stdin: str | None = None) -> str:
        return self.run(*args, stdin=stdin).stdout


@pytest.fixture
def kubectl(kube: KubeCluster, tmp_path: Path) -> Kubectl:
    return Kubectl(kube.kubeconfig, tmp_path / "kubectl-cache")


@contextmanager
def cluster_client(cluster: KubeCluster) -> Iterator[k8s.ApiClient]:
    """A kubernetes client of ``cluster``'s kubeconfig, closed on leaving."""
    client = k8s_config.new_client_from_config(config_file=str(cluster.kubeconfig))
    try:
        yield client
    finally:
        client.close()


def crontab_crd(group: str, versions: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    """A namespaced CronTab CRD (the kind of the upstream CRD docs) in ``group``, serving ``versions``."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"crontabs.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "crontabs", "kind": "CronTab"},
            "versions": versions,
            **spec,
        },
    }


@pytest.fixture(scope="session")
def api_client(kube: KubeCluster) -> Iterator[k8s.ApiClient]:
    with cluster_client(kube) as client:
        yield client


@pytest.fixture(scope="session")
def core(api_client: k8s.ApiClient) -> k8s.CoreV1Api:
    return k8s.CoreV1Api(api_client)


@pytest.fixture(scope="session")
def apps(api_client: k8s.ApiClient) -> k8s.AppsV1Api:
    return k8s.AppsV1Api(api_client)


@pytest.fixture(scope="session")
def custom(api_client: k8s.ApiClient) -> k8s.CustomObjectsApi:
    return k8s.CustomObjectsApi(api_client)


@pytest.fixture
def namespace(core: k8s.CoreV1Api, unique: str) -> str:
    """A fresh namespace per test (tests share the cluster)."""
    core.create_namespace({"metadata": {"name": unique}})
    return unique


def pod_dict(name: str, image: str = "nginx:1.25", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "main", "image": image}]},
    }
