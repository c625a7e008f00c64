"""The Microsoft Graph v1.0 subset, with plain HTTP as Graph clients send it.

Covers: bearer tokens (none, or an ARM audience, which any pod identity can get → 401 with Graph's error envelope;
the sandbox's microsoftGraphResourceId, as az asks for it, at its own address); applications (create,
get, $filter by appId / displayName / startswith, addPassword whose secret signs in, delete); service
principals (create, duplicate and unknown-app errors, $filter by servicePrincipalNames/any(...), get, delete
that stops sign-in); directoryObjects/getByIds with @odata.type and type filtering; 404 Request_ResourceNotFound,
unsupported filters, unknown segments, wrong methods and malformed JSON (not UTF-8, nested past the parser).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential

from podid.sandbox import Endpoints
from tests.conftest import ARM_SCOPE, credential_for, graph_call


@pytest.fixture
def graph(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> Any:
    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        return graph_call(endpoints, operator_credential, method, path, **kwargs)

    return call


def test_token_required(endpoints: Endpoints) -> None:
    response = requests.get(
        f"{endpoints.arm_url}v1.0/servicePrincipals",
        headers={"client-request-id": "c0ffee00-0000-4000-8000-000000000000"},
        verify=endpoints.ca_bundle,
        timeout=30,
    )
    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("InvalidAuthenticationToken", "Access token is empty.")
    assert error["innerError"]["client-request-id"] == "c0ffee00-0000-4000-8000-000000000000"
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}


def _get_with(endpoints: Endpoints, credential: ClientSecretCredential, scope: str, base: str) -> requests.Response:
    token = credential.get_token(scope).token
    return requests.get(
        f"{base}v1.0/applications", headers={"Authorization": f"Bearer {token}"}, verify=endpoints.ca_bundle, timeout=30
    )


@pytest.mark.parametrize("scope", [ARM_SCOPE, "https://management.core.windows.net//.default", "{arm}.default"])
def test_arm_audience_token_is_refused(
    endpoints: Endpoints, operator_credential: ClientSecretCredential, scope: str
) -> None:
    response = _get_with(endpoints, operator_credential, scope.format(arm=endpoints.arm_url), endpoints.arm_url)
    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (
        "InvalidAuthenticationToken",
        "Access token validation failure. Invalid audience.",
    )


def test_the_clouds_graph_resource_as_az_uses_it(
    endpoints: Endpoints, operator_credential: ClientSecretCredential
) -> None:
    """az takes microsoftGraphResourceId from the cloud metadata as both token resource and Graph address."""
    metadata = requests.get(f"{endpoints.arm_url}metadata/endpoints", verify=endpoints.ca_bundle, timeout=30).json()
    resource = metadata["microsoftGraphResourceId"]
    assert resource == f"{endpoints.arm_url}graph/"
    response = _get_with(endpoints, operator_credential, resource + "/.default", resource)  # az's resource_to_scopes
    assert response.status_code == 200
    assert endpoints.operator.client_id in [app["appId"] for app in response.json()["value"]]


def test_application_and_service_principal_lifecycle(graph: Any, endpoints: Endpoints, unique: str) -> None:
    app = graph("POST", "/applications", json={"displayName": f"app-{unique}"})
    assert app.status_code == 201
    app_body = app.json()
    assert app_body["@odata.context"].endswith("/v1.0/$metadata#applications/$entity")
    for query in (
        f"appId eq '{app_body['appId']}'",
        f"displayName eq 'APP-{unique}'",
        f"startswith(displayName,'app-{unique}')",
    ):
        listed = graph("GET", "/applications", params={"$filter": query}).json()["value"]
        assert [item["id"] for item in listed] == [app_body["id"]], query
    assert graph("GET", f"/applications/{app_body['id']}").json()["displayName"] == f"app-{unique}"

    password = graph(
        "POST", f"/applications/{app_body['id']}/addPassword", json={"passwordCredential": {"displayName": "ci"}}
    )
    assert password.status_code == 200
    secret = password.json()["secretText"]
    assert secret and password.json()["hint"] == secret[:3]
    shown = graph("GET", f"/applications/{app_body['id']}").json()["passwordCredentials"]
    assert [(item["displayName"], item["secretText"]) for item in shown] == [("ci", None)]

    sp = graph("POST", "/servicePrincipals", json={"appId": app_body["appId"], "accountEnabled": True})
    assert sp.status_code == 201
    sp_body = sp.json()
    assert (sp_body["appId"], sp_body["servicePrincipalType"]) == (app_body["appId"], "Application")
    again = graph("POST", "/servicePrincipals", json={"appId": app_body["appId"]})
    assert (again.status_code, again.json()["error"]["code"]) == (400, "Request_MultipleObjectsWithSameKeyValue")
    query = {"$filter": f"servicePrincipalNames/any(c:c eq '{app_body['appId']}')"}
    assert [item["id"] for item in graph("GET", "/servicePrincipals", params=query).json()["value"]] == [sp_body["id"]]
    assert graph("GET", f"/servicePrincipals/{sp_body['id']}").json()["displayName"] == f"app-{unique}"

    credential = credential_for(endpoints, app_body["appId"], secret)
    assert credential.get_token(ARM_SCOPE).token
    assert graph("DELETE", f"/servicePrincipals/{sp_body['id']}").status_code == 204
    with pytest.raises(ClientAuthenticationError):
        credential_for(endpoints, app_body["appId"], secret).get_token(ARM_SCOPE)
    assert graph("DELETE", f"/applications/{app_body['id']}").status_code == 204
    assert graph("GET", f"/applications/{app_body['id']}").status_code == 404


def test_service_principal_needs_an_application(graph: Any) -> None:
    app_id = str(uuid.uuid4())
    response = graph("POST", "/servicePrincipals", json={"appId": app_id})
    assert response.status_code == 400
    assert " does not reference " in response.json()["error"]["message"]  # az retries on exactly this


def test_get_by_ids(graph: Any, endpoints: Endpoints) -> None:
    operator = endpoints.operator.object_id
    missing = str(uuid.uuid4())
    body = {
        "ids": [operator, missing],
        "types": ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"],
    }
    response = graph("POST", "/directoryObjects/getByIds", json=body)
    assert response.status_code == 200
    [found] = response.json()["value"]
    assert (found["id"], found["@odata.type"]) == (operator, "#microsoft.graph.servicePrincipal")
    assert found["servicePrincipalNames"] == [endpoints.operator.client_id]
    users_only = graph("POST", "/directoryObjects/getByIds", json={"ids": [operator], "types": ["user"]})
    assert users_only.json()["value"] == []


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", "/servicePrincipals/00000000-0000-0000-0000-000000000001", {}, 404, "Request_ResourceNotFound"),
        ("DELETE", "/applications/00000000-0000-0000-0000-000000000001", {}, 404, "Request_ResourceNotFound"),
        ("GET", "/servicePrincipals", {"params": {"$filter": "appId gt 'x'"}}, 400, "Request_UnsupportedQuery"),
        ("GET", "/users", {}, 400, "BadRequest"),
        ("PUT", "/applications", {}, 405, "Request_BadRequest"),
        ("POST", "/applications", {"data": b"{not json"}, 400, "BadRequest"),
        ("POST", "/applications", {"data": b'{"displayName": "\xff"}'}, 400, "BadRequest"),
        ("POST", "/applications", {"data": b"[" * 100_000}, 400, "BadRequest"),
        ("POST", "/directoryObjects/getByIds", {"data": b'{"ids": ' + b"[" * 100_000}, 400, "BadRequest"),
        ("POST", "/applications", {"json": {"displayName": ""}}, 400, "Request_BadRequest"),
    ],
)
def test_graph_errors(graph: Any, method: str, path: str, kwargs: dict[str, Any], status: int, code: str) -> None:
    response = graph(method, path, **kwargs)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_rename_and_remove_password(graph: Any, endpoints: Endpoints, unique: str) -> None:
    """What a second `az ad sp create-for-rbac` does to an existing app: PATCH the name, rotate the secret."""
    app = graph("POST", "/applications", json={"displayName": f"app-{unique}"}).json()
    graph("POST", "/servicePrincipals", json={"appId": app["appId"]})
    first = graph("POST", f"/applications/{app['id']}/addPassword", json={"passwordCredential": {}}).json()
    assert graph("PATCH", f"/applications/{app['id']}", json={"displayName": f"renamed-{unique}"}).status_code == 204
    assert graph("GET", f"/applications/{app['id']}").json()["displayName"] == f"renamed-{unique}"
    removed = graph("POST", f"/applications/{app['id']}/removePassword", json={"keyId": first["keyId"]})
    assert removed.status_code == 204
    with pytest.raises(ClientAuthenticationError):
        credential_for(endpoints, app["appId"], first["secretText"]).get_token(ARM_SCOPE)
    again = graph("POST", f"/applications/{app['id']}/removePassword", json={"keyId": first["keyId"]})
    assert (again.status_code, again.json()["error"]["code"]) == (400, "Request_BadRequest")
