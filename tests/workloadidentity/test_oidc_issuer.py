"""Each AKS cluster's OIDC issuer, served by the sandbox over HTTPS at the issuer URL's path.

Covers: the discovery document (issuer with its trailing slash, jwks_uri, the supported values AKS publishes);
the JWKS at jwks_uri, whose key verifies a TokenRequest token whose ``iss`` is the issuer URL; 404 for a path
that is no cluster's issuer; a cluster created without the issuer serves none, and enabling it later serves
one that signs the cluster's new tokens.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from azure.mgmt.containerservice import ContainerServiceClient

from podid.sandbox import Endpoints
from tests.aks.conftest import cluster_body
from tests.workloadidentity.conftest import AUDIENCE, WiCluster, admin_client, service_account_token, wi_cluster_body


def served_url(endpoints: Endpoints, issuer: str, document: str) -> str:
    """Where the sandbox serves an issuer's document: the sandbox host stands for the issuer's host."""
    return endpoints.arm_url.rstrip("/") + urlsplit(issuer).path + document


def fetch(endpoints: Endpoints, url: str) -> requests.Response:
    return requests.get(url, verify=endpoints.ca_bundle, timeout=30)


def discovery(endpoints: Endpoints, issuer: str) -> requests.Response:
    return fetch(endpoints, served_url(endpoints, issuer, ".well-known/openid-configuration"))


def verified_claims(endpoints: Endpoints, issuer: str, token: str) -> dict[str, Any]:
    """The token's claims, checked as a relying party does: discovery, then the JWKS, then the signature."""
    configuration = discovery(endpoints, issuer).json()
    keys = fetch(endpoints, configuration["jwks_uri"]).json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    [key] = [key for key in keys if key["kid"] == kid]
    claims: dict[str, Any] = jwt.decode(
        token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=AUDIENCE, issuer=configuration["issuer"]
    )
    return claims


def test_the_discovery_document_is_served(wi_cluster: WiCluster, endpoints: Endpoints) -> None:
    assert wi_cluster.issuer.startswith("https://") and wi_cluster.issuer.endswith("/")
    response = discovery(endpoints, wi_cluster.issuer)
    assert response.status_code == 200
    assert response.json() == {
        "issuer": wi_cluster.issuer,
        "jwks_uri": served_url(endpoints, wi_cluster.issuer, "openid/v1/jwks"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }


def test_the_jwks_verifies_the_clusters_service_account_tokens(
    wi_cluster: WiCluster, namespace: str, endpoints: Endpoints
) -> None:
    token = service_account_token(wi_cluster.api, namespace, "workload", [AUDIENCE])
    claims = verified_claims(endpoints, wi_cluster.issuer, token)
    assert claims["iss"] == wi_cluster.issuer
    assert claims["sub"] == f"system:serviceaccount:{namespace}:workload"
    assert claims["aud"] == [AUDIENCE]
    assert claims["exp"] - claims["iat"] == 3600


def test_a_path_that_is_no_issuer_is_not_found(wi_cluster: WiCluster, endpoints: Endpoints) -> None:
    tenant = urlsplit(wi_cluster.issuer).path.strip("/").split("/")[0]
    for path in (f"/{tenant}/00000000-0000-4000-8000-000000000000/", "/nothing/"):
        response = fetch(endpoints, endpoints.arm_url.rstrip("/") + path + ".well-known/openid-configuration")
        assert response.status_code == 404
        assert fetch(endpoints, endpoints.arm_url.rstrip("/") + path + "openid/v1/jwks").status_code == 404


def test_enabling_the_issuer_later_serves_it(aks: ContainerServiceClient, group: str, endpoints: Endpoints) -> None:
    plain = cluster_body("late", count=1, zones=())
    before = aks.managed_clusters.begin_create_or_update(group, "late", plain).result()
    assert before.oidc_issuer_profile is None or not before.oidc_issuer_profile.issuer_url

    after = aks.managed_clusters.begin_create_or_update(group, "late", wi_cluster_body("late")).result()
    issuer = after.oidc_issuer_profile.issuer_url
    assert discovery(endpoints, issuer).json()["issuer"] == issuer
    token = service_account_token(admin_client(aks, group, "late"), "default", "default", [AUDIENCE])
    assert verified_claims(endpoints, issuer, token)["iss"] == issuer
