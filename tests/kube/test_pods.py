"""Pods that run workloads, and service-account tokens, through kubectl and the kubernetes client.

Covers: a workload that exits (the demo image with an unknown flag) fails the pod under ``restartPolicy: Never``
and crash-loops under ``Always`` (waiting CrashLoopBackOff, lastState terminated with the exit code, RESTARTS
counted), with its output in ``logs`` and ``logs --previous``; a container referring to a missing Secret waits
with CreateContainerConfigError until the Secret exists; service-account tokens from TokenRequest authenticate
(while their account exists and only for the API server's audience) and verify against ``/openid/v1/jwks``;
clusters older than 1.24 get legacy token Secrets that authenticate too (what tokens may do: test_rbac.py).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from podid.sandbox import Endpoints, Sandbox
from tests.kube.conftest import KubeCluster, Kubectl, cluster_spec, eventually

DEMO_IMAGE = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"


def failing_pod(name: str, policy: str) -> dict[str, object]:
    container = {"name": "demo", "image": DEMO_IMAGE, "args": ["--no-such-flag"]}
    return {"metadata": {"name": name}, "spec": {"restartPolicy": policy, "containers": [container]}}


def test_exiting_workload_fails_the_pod(core: k8s.CoreV1Api, kubectl: Kubectl, namespace: str) -> None:
    core.create_namespaced_pod(namespace, failing_pod("once", "Never"))
    pod = eventually(lambda: (p := core.read_namespaced_pod("once", namespace)).status.phase == "Failed" and p)
    terminated = pod.status.container_statuses[0].state.terminated
    assert terminated.exit_code == 2 and terminated.reason == "Error"
    assert "unrecognized arguments: --no-such-flag" in kubectl("logs", "once", "-n", namespace)
    row = kubectl("get", "pod", "once", "-n", namespace, "--no-headers").split()
    assert row[1:4] == ["0/1", "Error", "0"]


def test_crashing_workload_backs_off(core: k8s.CoreV1Api, kubectl: Kubectl, namespace: str) -> None:
    core.create_namespaced_pod(namespace, failing_pod("loop", "Always"))

    def backing_off() -> k8s.V1ContainerStatus | None:
        statuses = core.read_namespaced_pod("loop", namespace).status.container_statuses or []
        waiting = statuses[0].state.waiting if statuses else None
        return statuses[0] if waiting is not None and waiting.reason == "CrashLoopBackOff" else None

    status = eventually(backing_off)
    assert status.restart_count == 1 and status.last_state.terminated.exit_code == 2
    assert status.state.waiting.message.startswith("back-off 10s restarting failed container=demo pod=loop_")
    assert "unrecognized arguments" in kubectl("logs", "loop", "-n", namespace, "--previous")
    row = kubectl("get", "pod", "loop", "-n", namespace, "--no-headers").split()
    assert row[1:3] == ["0/1", "CrashLoopBackOff"] and row[3] == "1"


def test_missing_secret_blocks_the_container(core: k8s.CoreV1Api, namespace: str) -> None:
    env = [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "later", "key": "password"}}}]
    container = {"name": "demo", "image": DEMO_IMAGE, "args": ["--retry-wait-time=60"], "env": env}
    core.create_namespaced_pod(namespace, {"metadata": {"name": "needs"}, "spec": {"containers": [container]}})

    def waiting_reason() -> str | None:
        statuses = core.read_namespaced_pod("needs", namespace).status.container_statuses or []
        waiting = statuses[0].state.waiting if statuses else None
        return f"{waiting.reason}: {waiting.message}" if waiting is not None else None

    assert eventually(waiting_reason) == 'CreateContainerConfigError: secret "later" not found'
    core.create_namespaced_secret(namespace, {"metadata": {"name": "later"}, "stringData": {"password": "s3cret"}})
    eventually(lambda: core.read_namespaced_pod("needs", namespace).status.container_statuses[0].state.running)


def _token(core: k8s.CoreV1Api, namespace: str, account: str, audiences: list[str] | None = None) -> str:
    spec = {"audiences": audiences} if audiences else {}
    issued = core.create_namespaced_service_account_token(account, namespace, {"spec": spec})
    token: str = issued.status.token
    return token


def _get(kube: KubeCluster, path: str, token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(kube.access.server_url + path, headers=headers, verify=kube.ca_cert, timeout=10)


def test_service_account_tokens(core: k8s.CoreV1Api, kube: KubeCluster, namespace: str) -> None:
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "robot"}})
    token = _token(core, namespace, "robot")
    assert _get(kube, "/api", token).status_code == 200
    foreign = _token(core, namespace, "robot", ["api://AzureADTokenExchange"])
    assert _get(kube, "/api", foreign).status_code == 401

    discovery = requests.get(
        kube.access.server_url + "/.well-known/openid-configuration", verify=kube.ca_cert, timeout=10
    )
    assert discovery.json()["issuer"] == "https://kubernetes.default.svc.cluster.local"
    keys = requests.get(discovery.json()["jwks_uri"], verify=kube.ca_cert, timeout=10).json()["keys"]
    key = jwt.PyJWK(keys[0])
    assert jwt.get_unverified_header(foreign)["kid"] == keys[0]["kid"]
    claims = jwt.decode(foreign, key.key, algorithms=["RS256"], audience="api://AzureADTokenExchange")
    assert claims["sub"] == f"system:serviceaccount:{namespace}:robot"
    assert claims["kubernetes.io"]["serviceaccount"]["name"] == "robot"
    assert claims["exp"] - claims["iat"] == 3600

    core.delete_namespaced_service_account("robot", namespace)
    assert _get(kube, "/api", token).status_code == 401


@pytest.fixture
def legacy(sandbox: Sandbox, endpoints: Endpoints) -> Iterator[KubeCluster]:
    assert sandbox.cloud is not None
    spec = cluster_spec(endpoints, "legacy", version="1.20.2")
    access = sandbox.cloud.kube.ensure_cluster(spec)
    yield KubeCluster(spec, access, Path(), endpoints.ca_cert)
    sandbox.cloud.kube.delete_cluster(spec.cluster_id)


def test_legacy_token_secrets(legacy: KubeCluster) -> None:
    def token_secret() -> dict[str, object] | None:
        response = _get(legacy, "/api/v1/namespaces/default/secrets", legacy.access.admin_token)
        found = [s for s in response.json()["items"] if s["type"] == "kubernetes.io/service-account-token"]
        return found[0] if found else None

    secret = eventually(token_secret)
    metadata = secret["metadata"]
    assert isinstance(metadata, dict) and metadata["name"].startswith("default-token-")
    data = secret["data"]
    assert isinstance(data, dict) and base64.b64decode(data["namespace"]) == b"default"
    token = base64.b64decode(data["token"]).decode()
    assert json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==")).get("exp") is None
    assert _get(legacy, "/api", token).status_code == 200  # authenticated (what it may do is RBAC's business)
    account = _get(legacy, "/api/v1/namespaces/default/serviceaccounts/default", legacy.access.admin_token).json()
    assert account["secrets"] == [{"name": metadata["name"]}]


def test_pod_must_exist_for_bound_tokens(core: k8s.CoreV1Api, kube: KubeCluster, namespace: str) -> None:
    core.create_namespaced_pod(
        namespace, {"metadata": {"name": "owner"}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}}
    )
    pod = core.read_namespaced_pod("owner", namespace)
    eventually(lambda: core.list_namespaced_service_account(namespace).items)
    ref = {"kind": "Pod", "apiVersion": "v1", "name": "owner", "uid": pod.metadata.uid}
    issued = core.create_namespaced_service_account_token("default", namespace, {"spec": {"boundObjectRef": ref}})
    assert _get(kube, "/api", issued.status.token).status_code == 200
    core.delete_namespaced_pod("owner", namespace, grace_period_seconds=0)
    assert _get(kube, "/api", issued.status.token).status_code == 401
    with pytest.raises(ApiException) as missing:
        core.create_namespaced_service_account_token("default", namespace, {"spec": {"boundObjectRef": ref}})
    assert missing.value.status == 404
