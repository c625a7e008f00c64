"""NMI's wire answers, pinned with raw HTTP from a pod's address (details azure-identity hides).

Covers: missing Metadata header (400, IMDS JSON plus newline); missing resource (400, Go text); a caller that is
no pod (500 `pod list is empty`); a malformed token path (400 `Invalid request`); a bound pod's token body (all
values strings, NMI's fields, usable at ARM); managed mode's 404 for another identity's client id, for ids in
another case and for an unbound pod, at once; msi_res_id requests; /metadata/instance for the pod's node.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from podid.sandbox import Endpoints
from podid.sandbox.testing import pod_session
from tests.podidentity.conftest import LOCATION, Clients, Cluster, add_identity, run_pod, update_profile

NAMESPACE, ARM = "nmi-http", "https://management.azure.com/"


@pytest.fixture(scope="module")
def identity(clients: Clients, addon_cluster: Cluster) -> Any:
    created = clients.msi.user_assigned_identities.create_or_update(
        addon_cluster.group, "nmi-http-identity", {"location": LOCATION}
    )
    update_profile(clients, addon_cluster.group, addon_cluster.name, add_identity(created, NAMESPACE, "nmi-http"))
    return created


@pytest.fixture(scope="module")
def bound_session(addon_cluster: Cluster, identity: Any) -> Iterator[requests.Session]:
    ip = run_pod(addon_cluster, NAMESPACE, "bound", {"aadpodidbinding": "nmi-http"})
    session = pod_session(ip)
    yield session
    session.close()


def token(
    endpoints: Endpoints, session: requests.Session, headers: dict[str, str] | None = None, **query: str
) -> requests.Response:
    return session.get(
        endpoints.imds_url + "/metadata/identity/oauth2/token",
        params={"api-version": "2018-02-01", **query},
        headers={"Metadata": "true"} if headers is None else headers,
        timeout=10,
    )


def test_metadata_header_is_required(endpoints: Endpoints, bound_session: requests.Session) -> None:
    for headers in ({}, {"Metadata": "True"}):
        response = token(endpoints, bound_session, headers, resource=ARM)
        assert response.status_code == 400
        assert (
            response.text
            == '{"error":"invalid_request","error_description":"Required metadata header not specified"}\n'
        )
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_resource_is_required(endpoints: Endpoints, bound_session: requests.Session) -> None:
    response = token(endpoints, bound_session)
    assert (response.status_code, response.text) == (400, "parameter resource cannot be empty\n")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_caller_that_is_no_pod(endpoints: Endpoints) -> None:
    response = requests.get(
        endpoints.imds_url + "/metadata/identity/oauth2/token",
        params={"api-version": "2018-02-01", "resource": ARM},
        headers={"Metadata": "true"},
        timeout=10,
    )
    assert (response.status_code, response.text) == (500, "pod list is empty\n")


def test_a_malformed_token_path(endpoints: Endpoints, bound_session: requests.Session) -> None:
    response = bound_session.get(endpoints.imds_url + "/METADATA/identity/v2/oauth2/token", timeout=10)
    assert (response.status_code, response.text) == (400, "Invalid request\n")


def test_a_bound_pod_gets_nmis_token_body(endpoints: Endpoints, bound_session: requests.Session, identity: Any) -> None:
    response = token(endpoints, bound_session, resource=ARM)
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == [
        "access_token",
        "expires_in",
        "expires_on",
        "not_before",
        "refresh_token",
        "resource",
        "token_type",
    ]
    assert all(isinstance(value, str) for value in body.values())
    assert body["resource"] == ARM and body["token_type"] == "Bearer" and body["refresh_token"] == ""
    by_resource_id = token(endpoints, bound_session, resource=ARM, msi_res_id=identity.id)
    assert by_resource_id.status_code == 200 and by_resource_id.json()["access_token"] == body["access_token"]


def assert_go_error(response: requests.Response, status: int, text: str) -> None:
    assert (response.status_code, response.text) == (status, text)
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_another_client_id_is_not_the_pods(endpoints: Endpoints, bound_session: requests.Session) -> None:
    response = token(endpoints, bound_session, resource=ARM, client_id="00000000-0000-0000-0000-000000000000")
    assert_go_error(response, 404, "no azure identity found for request clientID 0000##### REDACTED #####0000\n")
    assert "Retry-After" not in response.headers


def test_client_and_resource_ids_are_compared_exactly(
    endpoints: Endpoints, bound_session: requests.Session, identity: Any
) -> None:
    upper = token(endpoints, bound_session, resource=ARM, client_id=identity.client_id.upper())
    redacted = f"{identity.client_id.upper()[:4]}##### REDACTED #####{identity.client_id.upper()[-4:]}"
    assert_go_error(upper, 404, f"no azure identity found for request clientID {redacted}\n")
    by_resource_id = token(endpoints, bound_session, resource=ARM, msi_res_id=identity.id.upper())
    assert_go_error(by_resource_id, 404, "no azure identity found for request clientID \n")


def test_an_unbound_pod_gets_404_at_once(endpoints: Endpoints, addon_cluster: Cluster, identity: Any) -> None:
    """Managed mode has no AzureAssignedIdentity to wait for: the answer comes on the first request."""
    ip = run_pod(addon_cluster, NAMESPACE, "unbound", {"aadpodidbinding": "someone-else"})
    with pod_session(ip) as session:
        response = token(endpoints, session, resource=ARM)
    assert_go_error(response, 404, "no azure identity found for request clientID \n")


def test_instance_metadata_describes_the_pods_node(
    endpoints: Endpoints, bound_session: requests.Session, addon_cluster: Cluster
) -> None:
    url = endpoints.imds_url + "/metadata/instance"
    assert bound_session.get(url, params={"api-version": "2017-08-01"}, timeout=10).status_code == 400
    response = bound_session.get(url, params={"api-version": "2017-08-01"}, headers={"Metadata": "true"}, timeout=10)
    assert response.status_code == 200
    compute = response.json()["compute"]
    assert compute["resourceGroupName"].lower() == addon_cluster.node_group.lower()
    assert compute["vmScaleSetName"].startswith("aks-nodepool1-") and compute["osType"] == "Linux"
    assert response.json()["network"]["interface"][0]["ipv4"]["ipAddress"][0]["privateIpAddress"]
