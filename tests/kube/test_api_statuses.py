"""The bytes of API responses.

Covers: objects, lists, Tables, discovery and Status errors end in a newline as the apiserver's JSON serializer
writes them, while the OIDC documents (json.Marshal) do not.
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


def test_oidc_documents_have_no_newline(kube: KubeCluster) -> None:
    for path in ("/.well-known/openid-configuration", "/openid/v1/jwks"):
        response = call(kube, "GET", path)
        assert response.status_code == 200 and response.content.endswith(b"}")
        assert response.headers["Cache-Control"] == "public, max-age=3600"
