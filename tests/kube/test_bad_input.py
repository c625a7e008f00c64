"""Bad input gets the apiserver's Status errors, through kubectl, the Python client and raw HTTP.

Covers: invalid names (RFC 1123 subdomain for pods, label for namespaces, DNS-1035 for services) → 422
Invalid with the field causes; invalid specs (missing image); unknown kinds (kubectl's discovery error) and
unknown resource paths → 404; malformed JSON and YAML bodies → 400; a kind that does not match the URL → 400;
missing, malformed or unknown bearer tokens → 401 (kubectl's "must be logged in"); forbidden pod spec updates
→ 422; creating in a missing namespace → 404; a cluster-wide POST of a namespaced kind → 405.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from tests.kube.conftest import KubeCluster, Kubectl, pod_dict, write_kubeconfig

SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def status_of(error: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.body)
    return body


def raw(kube: KubeCluster, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {kube.access.admin_token}", **kwargs.pop("headers", {})}
    return requests.request(
        method, kube.access.server_url + path, headers=headers, verify=kube.ca_cert, timeout=10, **kwargs
    )


def test_invalid_pod_name_is_422(core: k8s.CoreV1Api, namespace: str) -> None:
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_pod(namespace, pod_dict("Bad_Name"))
    assert raised.value.status == 422
    status = status_of(raised.value)
    assert status["reason"] == "Invalid"
    assert status["message"] == f'Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": {SUBDOMAIN}'
    assert status["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": f'Invalid value: "Bad_Name": {SUBDOMAIN}', "field": "metadata.name"}
    ]


def test_invalid_names_through_kubectl(kubectl: Kubectl, namespace: str, tmp_path: Path) -> None:
    result = kubectl.run("create", "namespace", "Upper", check=False)
    assert result.returncode == 1
    assert (
        'The Namespace "Upper" is invalid: metadata.name: Invalid value: "Upper": a lowercase RFC 1123 label'
        in result.stderr
    )
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "1web", "namespace": namespace},
        "spec": {"ports": [{"port": 80}]},
    }
    path = tmp_path / "svc.json"
    path.write_text(json.dumps(service))
    applied = kubectl.run("apply", "-f", str(path), check=False)
    assert applied.returncode == 1
    assert 'The Service "1web" is invalid: metadata.name: Invalid value: "1web": a DNS-1035 label' in applied.stderr


def test_missing_image_is_invalid(core: k8s.CoreV1Api, namespace: str) -> None:
    body = {"metadata": {"name": "noimage"}, "spec": {"containers": [{"name": "c"}]}}
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_pod(namespace, body)
    assert raised.value.status == 422
    assert status_of(raised.value)["message"] == 'Pod "noimage" is invalid: spec.containers[0].image: Required value'


def test_unknown_kind(kubectl: Kubectl, kube: KubeCluster, namespace: str, tmp_path: Path) -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": namespace}}
    path = tmp_path / "widget.json"
    path.write_text(json.dumps(widget))
    result = kubectl.run("apply", "-f", str(path), check=False)
    assert result.returncode == 1 and 'no matches for kind "Widget" in version "example.com/v1"' in result.stderr
    response = raw(kube, "POST", f"/apis/example.com/v1/namespaces/{namespace}/widgets", json=widget)
    assert response.status_code == 404
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server could not find the requested resource",
        "reason": "NotFound",
        "details": {},
        "code": 404,
    }
    # a plural no test defines: the CRD tests serve their own "widgets" in other groups of this cluster
    assert kubectl.run("get", "nosuchwidgets", check=False).stderr.strip() == (
        'error: the server doesn\'t have a resource type "nosuchwidgets"'
    )


def test_malformed_bodies_are_400(kubectl: Kubectl, kube: KubeCluster, namespace: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ')
    result = kubectl.run("create", "--raw", f"/api/v1/namespaces/{namespace}/configmaps", "-f", str(path), check=False)
    assert result.returncode == 1 and "Error from server (BadRequest)" in result.stderr
    response = raw(
        kube,
        "POST",
        f"/api/v1/namespaces/{namespace}/configmaps",
        data="metadata: [unclosed",
        headers={"Content-Type": "application/yaml"},
    )
    assert response.status_code == 400 and response.json()["reason"] == "BadRequest"
    response = raw(
        kube, "POST", f"/api/v1/namespaces/{namespace}/configmaps", json={"kind": "Secret", "apiVersion": "v1"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == 'Secret in version "v1" cannot be handled as a ConfigMap'


def test_authentication(kube: KubeCluster, tmp_path: Path, core: k8s.CoreV1Api) -> None:
    anonymous = requests.get(kube.access.server_url + "/api/v1/namespaces", verify=kube.ca_cert, timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    for header in ("Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer a.b.c"):
        response = requests.get(
            kube.access.server_url + "/api", headers={"Authorization": header}, verify=kube.ca_cert, timeout=10
        )
        assert response.status_code == 401, header
    wrong = Kubectl(write_kubeconfig(tmp_path / "wrong", kube.access, kube.ca_cert, token="nope"), tmp_path / "cache")
    result = wrong.run("get", "pods", check=False)
    assert result.returncode == 1
    assert (
        "error: You must be logged in to the server (the server has asked for the client to provide credentials)"
        in (result.stderr)
    )
    version = requests.get(kube.access.server_url + "/version", verify=kube.ca_cert, timeout=10)
    assert version.status_code == 200 and version.json()["gitVersion"] == "v1.29.4"  # public, as on AKS
    admin = write_kubeconfig(tmp_path / "admin", kube.access, kube.ca_cert, token=kube.access.admin_token)
    assert Kubectl(admin, tmp_path / "admin-cache")("get", "ns", "default", "-o", "name").strip() == "namespace/default"


def test_pod_spec_is_immutable_but_image(core: k8s.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_pod(namespace, pod_dict("fixed"))
    with pytest.raises(ApiException) as raised:
        core.patch_namespaced_pod("fixed", namespace, {"spec": {"restartPolicy": "Never"}})
    assert raised.value.status == 422
    message = status_of(raised.value)["message"]
    assert message.startswith('Pod "fixed" is invalid: spec: Forbidden: pod updates may not change fields other than ')
    patched = core.patch_namespaced_pod(
        "fixed", namespace, {"spec": {"containers": [{"name": "main", "image": "nginx:2"}]}}
    )
    assert patched.spec.containers[0].image == "nginx:2"


def test_missing_namespace_is_404(core: k8s.CoreV1Api, unique: str) -> None:
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map(unique, {"metadata": {"name": "cm"}})
    assert raised.value.status == 404 and status_of(raised.value)["message"] == f'namespaces "{unique}" not found'


def test_namespaced_kinds_are_not_created_cluster_wide(kube: KubeCluster) -> None:
    response = raw(kube, "POST", "/api/v1/configmaps", json={"metadata": {"name": "x", "namespace": "default"}})
    assert response.status_code == 405 and response.json()["reason"] == "MethodNotAllowed"
    assert raw(kube, "GET", "/api/v1/configmaps").json()["kind"] == "ConfigMapList"
