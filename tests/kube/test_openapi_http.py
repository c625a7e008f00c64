"""``/openapi/v3`` over the wire, as kube-openapi's handler3 answers (pkg/handler3/handler.go): the discovery
document names each group-version's document by the SHA-512 of its bytes, a document fetched with that hash is
immutable for a year, another hash redirects to the current one, the ETag answers If-None-Match with 304. Reading
them takes an authenticated user (system:discovery grants /openapi/* to system:authenticated)."""

from __future__ import annotations

import hashlib
import json
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests
from kubernetes import client as k8s

from tests.kube.conftest import KubeCluster, Kubectl
from tests.kube.test_explain import CRD


def get(kube: KubeCluster, path: str, token: str | None = None, **headers: str) -> requests.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    url = kube.access.server_url + path
    return requests.get(url, headers=headers, verify=kube.ca_cert, timeout=10, allow_redirects=False)


def test_discovery_names_each_document_by_its_hash(kube: KubeCluster) -> None:
    token = kube.access.user_token
    found = get(kube, "/openapi/v3", token)
    assert found.status_code == 200 and found.headers["Content-Type"] == "application/json"
    assert found.headers["Etag"] == f'"{hashlib.sha512(found.content).hexdigest().upper()}"'
    paths = found.json()["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/rbac.authorization.k8s.io/v1", "apis/aadpodidentity.k8s.io/v1"} <= set(
        paths
    )
    url = paths["apis/apps/v1"]["serverRelativeURL"]
    digest = url.split("?hash=")[1]
    document = get(kube, url, token)
    assert document.status_code == 200 and document.headers["Content-Type"] == "application/json"
    assert hashlib.sha512(document.content).hexdigest().upper() == digest
    assert document.headers["Etag"] == f'"{digest}"'
    assert document.headers["Cache-Control"] == "public, immutable" and document.headers["Vary"] == "Accept"
    expires = parsedate_to_datetime(document.headers["Expires"].replace("UTC", "GMT"))
    modified = parsedate_to_datetime(document.headers["Last-Modified"])
    assert 365 <= (expires - modified).days <= 366
    body = document.json()
    assert body["openapi"] == "3.0.0" and body["info"] == {"title": "Kubernetes", "version": "v1.29.4"}
    deployment = body["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    patch = body["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["operationId"] == "patchAppsV1NamespacedDeployment"
    assert "application/strategic-merge-patch+json" in patch["requestBody"]["content"]


def test_hashes_redirect_and_revalidate(kube: KubeCluster) -> None:
    token = kube.access.user_token
    url = get(kube, "/openapi/v3", token).json()["paths"]["api/v1"]["serverRelativeURL"]
    digest = url.split("?hash=")[1]
    stale = get(kube, "/openapi/v3/api/v1?hash=0123", token)
    assert stale.status_code == 301 and stale.headers["Location"] == url
    unpinned = get(kube, "/openapi/v3/api/v1", token)
    assert unpinned.status_code == 200 and "Cache-Control" not in unpinned.headers
    held = get(kube, "/openapi/v3/api/v1", token, **{"If-None-Match": f'"{digest}"'})
    assert held.status_code == 304 and held.content == b"" and held.headers["Etag"] == f'"{digest}"'
    unknown = get(kube, "/openapi/v3/apis/example.com/v1", token)
    assert unknown.status_code == 200 and unknown.content == b""  # handler3 returns without writing


def test_a_crd_changes_only_its_own_document(kube: KubeCluster, kubectl: Kubectl, tmp_path: Path, unique: str) -> None:
    token = kube.access.user_token
    before = get(kube, "/openapi/v3", token).json()["paths"]
    group = f"{unique}.example.com"
    (tmp_path / "crd.yaml").write_text(CRD.format(group=group))
    kubectl("apply", "-f", str(tmp_path / "crd.yaml"))
    after = get(kube, "/openapi/v3", token).json()["paths"]
    assert {k: v for k, v in after.items() if k != f"apis/{group}/v1"} == before
    document = get(kube, after[f"apis/{group}/v1"]["serverRelativeURL"], token).json()
    assert document["info"] == {"title": "Kubernetes CRD Swagger", "version": "v0.1.0"}
    model = ".".join([*reversed(group.split(".")), "v1", "Gadget"])
    assert document["components"]["schemas"][f"{model}List"]["required"] == ["items"]
    listed = document["paths"][f"/apis/{group}/v1/namespaces/{{namespace}}/gadgets"]
    camel = "".join(part[:1].upper() + part[1:] for part in group.split("."))  # t266x0.example.com: T266x0ExampleCom
    assert listed["get"]["operationId"] == f"list{camel}V1NamespacedGadget"
    kubectl("delete", "-f", str(tmp_path / "crd.yaml"))
    assert get(kube, "/openapi/v3", token).json()["paths"] == before


def test_reading_openapi_takes_an_authenticated_user(kube: KubeCluster, core: k8s.CoreV1Api, namespace: str) -> None:
    anonymous = get(kube, "/openapi/v3")
    assert anonymous.status_code == 401 and anonymous.json()["reason"] == "Unauthorized"
    assert get(kube, "/openapi/v3/api/v1").status_code == 401
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "reader"}})
    issued = core.create_namespaced_service_account_token("reader", namespace, {"spec": {}})
    robot = get(kube, "/openapi/v3/api/v1", issued.status.token)  # no role of its own: system:discovery's leave
    assert robot.status_code == 200 and "io.k8s.api.core.v1.Pod" in json.loads(robot.content)["components"]["schemas"]
