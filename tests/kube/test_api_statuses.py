"""The bytes of API responses, and the Status of requests for what the sandbox does not serve.

Covers: objects, lists, Tables, discovery and Status errors end in a newline as the apiserver's JSON serializer
writes them, while ``/version`` (indented, as WriteRawJSON writes it) and the OIDC documents (json.Marshal) do
not; an unserved resource, group or subresource (attach) is a 404 NotFound Status, and a method a path does not
take a 405 MethodNotAllowed Status (never a plain-text body).
"""

from __future__ import annotations

import pytest
import requests

from tests.kube.conftest import KubeCluster


def call(kube: KubeCluster, method: str, path: str, accept: str = "application/json") -> requests.Response:
    headers = {"Authorization": f"Bearer {kube.access.user_token}", "Accept": accept}
    return requests.request(method, kube.access.server_url + path, headers=headers, verify=kube.ca_cert, timeout=10)


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/api/v1/namespaces/default", "application/json"),
        ("/api/v1/namespaces", "application/json"),
        ("/api/v1/namespaces", "application/json;as=Table;v=v1;g=meta.k8s.io"),
        ("/api/v1/namespaces/default/pods/no-such-pod", "application/json"),
        ("/apis", "application/json"),
    ],
)
def test_json_bodies_end_in_a_newline(kube: KubeCluster, path: str, accept: str) -> None:
    response = call(kube, "GET", path, accept)
    assert response.headers["Content-Type"] == "application/json"
    assert response.content.endswith(b"}\n") and response.content.count(b"\n") == 1
    response.json()


def test_version_is_indented_without_a_newline(kube: KubeCluster) -> None:
    response = call(kube, "GET", "/version")
    assert response.content.startswith(b'{\n  "major": "1",\n  "minor": "29",') and response.content.endswith(b'"\n}')
    assert response.json()["gitVersion"] == "v1.29.4"


def test_oidc_documents_have_no_newline(kube: KubeCluster) -> None:
    for path in ("/.well-known/openid-configuration", "/openid/v1/jwks"):
        response = call(kube, "GET", path)
        assert response.status_code == 200 and response.content.endswith(b"}")
        assert response.headers["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize(
    ("method", "path", "code", "reason", "message"),
    [
        ("GET", "/api/v1/persistentvolumes", 404, "NotFound", "the server could not find the requested resource"),
        ("GET", "/apis/storage.k8s.io/v1", 404, "NotFound", "the server could not find the requested resource"),
        (
            "POST",
            "/api/v1/namespaces/default/pods/p/attach",
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
        ("PUT", "/version", 405, "MethodNotAllowed", "the server does not allow this method on the requested resource"),
        (
            "GET",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        ),
    ],
)
def test_what_is_not_served_is_a_status(
    kube: KubeCluster, method: str, path: str, code: int, reason: str, message: str
) -> None:
    response = call(kube, method, path)
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert (response.status_code, body["kind"], body["status"], body["code"]) == (code, "Status", "Failure", code)
    assert (body["reason"], body["message"]) == (reason, message)
