"""Every kubectl installed beside the version dispatcher (1.27 … 1.33) creates objects with ``kubectl create``.

kubectl 1.32 and 1.33 send these bodies as ``application/vnd.kubernetes.protobuf`` (older ones as JSON): a
namespace, a deployment with zero replicas (a pointer set to zero must stay zero, not default to one), a configmap
and a secret from literals, and a service account. Each object is read back through the kubernetes Python client.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from kubernetes import client as k8s

from tests.kube.conftest import KUBECTL, KubeCluster

VERSIONED = sorted(Path(KUBECTL).resolve().parent.glob("kubectl.1.*"), key=lambda p: int(p.name.split(".")[-1]))


def _kubectl(binary: Path, kube: KubeCluster, cache: Path, *args: str) -> str:
    command = [str(binary), f"--kubeconfig={kube.kubeconfig}", f"--cache-dir={cache}", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"{binary.name} {' '.join(args)}: {result.stderr}"
    return result.stdout


@pytest.mark.skipif(not VERSIONED, reason="no versioned kubectl binaries beside the dispatcher")
@pytest.mark.parametrize("binary", VERSIONED, ids=lambda p: p.name)
def test_kubectl_create_generators(
    binary: Path, kube: KubeCluster, core: k8s.CoreV1Api, apps: k8s.AppsV1Api, tmp_path: Path, unique: str
) -> None:
    ns = f"pb-{binary.name.split('.')[-1]}-{unique}"
    created = [
        _kubectl(binary, kube, tmp_path, "create", "namespace", ns),
        _kubectl(binary, kube, tmp_path, "-n", ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=0"),
        _kubectl(binary, kube, tmp_path, "-n", ns, "create", "configmap", "settings", "--from-literal=mode=fast"),
        _kubectl(binary, kube, tmp_path, "-n", ns, "create", "secret", "generic", "creds", "--from-literal=pw=s3cr=t"),
        _kubectl(binary, kube, tmp_path, "-n", ns, "create", "serviceaccount", "robot"),
    ]
    assert created == [
        f"namespace/{ns} created\n",
        "deployment.apps/web created\n",
        "configmap/settings created\n",
        "secret/creds created\n",
        "serviceaccount/robot created\n",
    ]
    assert core.read_namespace(ns).status.phase == "Active"
    deployment = apps.read_namespaced_deployment("web", ns)
    assert deployment.spec.replicas == 0
    assert deployment.spec.selector.match_labels == {"app": "web"}
    assert deployment.spec.template.metadata.labels == {"app": "web"}
    assert [(c.name, c.image) for c in deployment.spec.template.spec.containers] == [("nginx", "nginx:1.25")]
    assert core.read_namespaced_config_map("settings", ns).data == {"mode": "fast"}
    secret = core.read_namespaced_secret("creds", ns)
    assert secret.type == "Opaque"
    assert {k: base64.b64decode(v).decode() for k, v in secret.data.items()} == {"pw": "s3cr=t"}
    assert core.read_namespaced_service_account("robot", ns).metadata.name == "robot"
