"""Who may do what through the sandbox's Microsoft Graph, called with plain HTTP and azure-identity tokens.

Covers: a service principal holding nothing is refused (403 Authorization_RequestDenied) reads, new
applications, addPassword on the operator's application (whose secrets stay as they were) and deleting another
service principal; an owner added with owners/$ref manages its application and nothing else; a principal granted
Application.ReadWrite.OwnedBy creates an application (becoming its owner), its service principal and secrets,
but cannot touch another's or add owners; Application.Read.All reads but writes nothing; a directory role
(Cloud Application Administrator, given by a principal holding RoleManagement.ReadWrite.Directory) manages any
application; granting needs AppRoleAssignment.ReadWrite.All (the operator's, not an outsider's) and refuses
unknown and repeated app roles; the operator holds what `az ad sp create-for-rbac` needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from podid.sandbox import Endpoints
from tests.conftest import ServicePrincipalLogin, credential_for
from tests.graph._graph import DENIED, GRAPH_APP_ID, Graph, application_of, caller, error_of, grant, microsoft_graph

CLOUD_APPLICATION_ADMINISTRATOR = "158c047a-c907-4556-b7ef-446551a6b5f7"


@pytest.fixture
def operator(endpoints: Endpoints, operator_credential: Any) -> Graph:
    return caller(endpoints, operator_credential)


@pytest.fixture
def login_as(endpoints: Endpoints, make_service_principal: Callable[[str], ServicePrincipalLogin]) -> Any:
    """A new service principal (holding nothing) and a Graph caller signed in as it."""

    def make(name: str) -> tuple[ServicePrincipalLogin, Graph]:
        login = make_service_principal(name)
        return login, caller(endpoints, credential_for(endpoints, login.app_id, login.secret))

    return make


def add_password(graph: Graph, app_object_id: str) -> requests.Response:
    return graph("POST", f"/applications/{app_object_id}/addPassword", json={"passwordCredential": {}})


def test_a_principal_holding_nothing_is_refused(
    operator: Graph, login_as: Any, endpoints: Endpoints, unique: str
) -> None:
    _, outsider = login_as(f"outsider-{unique}")
    victim, _ = login_as(f"victim-{unique}")
    operator_app = application_of(operator, endpoints.operator.client_id)
    assert error_of(add_password(outsider, operator_app["id"])) == DENIED
    assert (
        application_of(operator, endpoints.operator.client_id)["passwordCredentials"]
        == (operator_app["passwordCredentials"])
    )
    assert error_of(outsider("POST", "/applications", json={"displayName": f"mine-{unique}"})) == DENIED
    assert error_of(outsider("DELETE", f"/servicePrincipals/{victim.object_id}")) == DENIED
    assert error_of(outsider("GET", "/applications")) == DENIED
    assert error_of(outsider("POST", "/directoryObjects/getByIds", json={"ids": [victim.object_id]})) == DENIED
    assert operator("GET", f"/servicePrincipals/{victim.object_id}").status_code == 200


def test_an_owner_manages_its_own_application_only(
    operator: Graph, login_as: Any, endpoints: Endpoints, unique: str
) -> None:
    owner, as_owner = login_as(f"owner-{unique}")
    owned, _ = login_as(f"owned-{unique}")
    owned_app = application_of(operator, owned.app_id)
    reference = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{owner.object_id}"}
    assert operator("POST", f"/applications/{owned_app['id']}/owners/$ref", json=reference).status_code == 204
    again = operator("POST", f"/applications/{owned_app['id']}/owners/$ref", json=reference)
    assert error_of(again)[:2] == (400, "Request_BadRequest")
    listed = operator("GET", f"/applications/{owned_app['id']}/owners").json()["value"]
    assert [(item["id"], item["@odata.type"]) for item in listed] == [
        (endpoints.operator.object_id, "#microsoft.graph.servicePrincipal"),  # its creator
        (owner.object_id, "#microsoft.graph.servicePrincipal"),
    ]

    secret = add_password(as_owner, owned_app["id"])
    assert secret.status_code == 200
    assert (
        credential_for(endpoints, owned.app_id, secret.json()["secretText"])
        .get_token("https://graph.microsoft.com/.default")
        .token
    )
    assert error_of(add_password(as_owner, application_of(operator, owner.app_id)["id"])) == DENIED
    assert error_of(as_owner("POST", f"/applications/{owned_app['id']}/owners/$ref", json=reference)) == DENIED


def test_owned_by_creates_and_manages_its_own_applications(
    operator: Graph, login_as: Any, endpoints: Endpoints, unique: str
) -> None:
    manager, as_manager = login_as(f"manager-{unique}")
    other, _ = login_as(f"other-{unique}")
    assert grant(operator, manager.object_id, "Application.ReadWrite.OwnedBy").status_code == 201

    created = as_manager("POST", "/applications", json={"displayName": f"managed-{unique}"})
    assert created.status_code == 201
    app = created.json()
    owners = as_manager("GET", f"/applications/{app['id']}/owners").json()["value"]
    assert [item["id"] for item in owners] == [manager.object_id]
    sp = as_manager("POST", "/servicePrincipals", json={"appId": app["appId"]})
    assert sp.status_code == 201
    assert add_password(as_manager, app["id"]).status_code == 200
    renamed = as_manager("PATCH", f"/applications/{app['id']}", json={"displayName": f"renamed-{unique}"})
    assert renamed.status_code == 204

    other_app = application_of(operator, other.app_id)
    assert error_of(add_password(as_manager, other_app["id"])) == DENIED
    assert error_of(as_manager("DELETE", f"/servicePrincipals/{other.object_id}")) == DENIED
    assert error_of(as_manager("POST", "/servicePrincipals", json={"appId": other.app_id})) == DENIED
    removal = as_manager("POST", f"/applications/{other_app['id']}/removePassword", json={"keyId": other_app["id"]})
    assert error_of(removal) == DENIED
    assert error_of(add_password(as_manager, application_of(operator, endpoints.operator.client_id)["id"])) == DENIED
    reference = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{other.object_id}"}
    assert error_of(as_manager("POST", f"/applications/{app['id']}/owners/$ref", json=reference)) == DENIED
    assert as_manager("DELETE", f"/servicePrincipals/{sp.json()['id']}").status_code == 204
    assert as_manager("DELETE", f"/applications/{app['id']}").status_code == 204


def test_read_all_reads_but_writes_nothing(operator: Graph, login_as: Any, unique: str) -> None:
    reader, as_reader = login_as(f"reader-{unique}")
    assert grant(operator, reader.object_id, "Application.Read.All").status_code == 201
    listed = as_reader("GET", "/servicePrincipals", params={"$filter": f"appId eq '{reader.app_id}'"})
    assert [item["id"] for item in listed.json()["value"]] == [reader.object_id]
    by_ids = as_reader("POST", "/directoryObjects/getByIds", json={"ids": [reader.object_id]})
    assert [item["id"] for item in by_ids.json()["value"]] == [reader.object_id]
    assert error_of(as_reader("POST", "/applications", json={"displayName": f"no-{unique}"})) == DENIED
    assert error_of(add_password(as_reader, application_of(operator, reader.app_id)["id"])) == DENIED


def test_a_directory_role_manages_any_application(operator: Graph, login_as: Any, unique: str) -> None:
    role_admin, as_role_admin = login_as(f"role-admin-{unique}")
    app_admin, as_app_admin = login_as(f"app-admin-{unique}")
    target, _ = login_as(f"target-{unique}")
    body = {"principalId": app_admin.object_id, "roleDefinitionId": CLOUD_APPLICATION_ADMINISTRATOR}
    assert error_of(operator("POST", "/roleManagement/directory/roleAssignments", json=body)) == DENIED
    assert grant(operator, role_admin.object_id, "RoleManagement.ReadWrite.Directory").status_code == 201

    assigned = as_role_admin(
        "POST", "/roleManagement/directory/roleAssignments", json={**body, "directoryScopeId": "/"}
    )
    assert assigned.status_code == 201
    assert (assigned.json()["principalId"], assigned.json()["roleDefinitionId"]) == (
        app_admin.object_id,
        CLOUD_APPLICATION_ADMINISTRATOR,
    )
    repeated = as_role_admin("POST", "/roleManagement/directory/roleAssignments", json=body)
    assert error_of(repeated) == (
        400,
        "Request_BadRequest",
        "A conflicting object with one or more of the specified property values is present in the directory.",
    )
    assert add_password(as_app_admin, application_of(operator, target.app_id)["id"]).status_code == 200
    assert as_app_admin("POST", "/applications", json={"displayName": f"by-admin-{unique}"}).status_code == 201


def test_granting_needs_app_role_assignment_rights(operator: Graph, login_as: Any, unique: str) -> None:
    outsider, as_outsider = login_as(f"self-granter-{unique}")
    assert error_of(grant(operator, outsider.object_id, "Application.ReadWrite.All", by=as_outsider)) == DENIED
    assert grant(operator, outsider.object_id, "Application.Read.All").status_code == 201
    assert error_of(grant(operator, outsider.object_id, "Application.ReadWrite.All", by=as_outsider)) == DENIED

    repeated = grant(operator, outsider.object_id, "Application.Read.All")
    assert error_of(repeated) == (400, "Request_BadRequest", "Permission being assigned already exists on the object")
    graph_sp = microsoft_graph(operator)
    unknown = {"principalId": outsider.object_id, "resourceId": graph_sp["id"], "appRoleId": graph_sp["id"]}
    response = operator("POST", f"/servicePrincipals/{outsider.object_id}/appRoleAssignments", json=unknown)
    assert error_of(response) == (
        400,
        "Request_BadRequest",
        f"Permission being assigned was not found on application '{GRAPH_APP_ID}'.",
    )
    held = operator("GET", f"/servicePrincipals/{outsider.object_id}/appRoleAssignments").json()["value"]
    assert [(item["resourceId"], item["principalType"]) for item in held] == [(graph_sp["id"], "ServicePrincipal")]


def test_the_operator_holds_what_create_for_rbac_needs(operator: Graph, endpoints: Endpoints) -> None:
    held = operator("GET", f"/servicePrincipals/{endpoints.operator.object_id}/appRoleAssignments").json()["value"]
    graph_sp = microsoft_graph(operator)
    names = {role["id"]: role["value"] for role in graph_sp["appRoles"]}
    assert sorted(names[item["appRoleId"]] for item in held) == [
        "AppRoleAssignment.ReadWrite.All",
        "Application.ReadWrite.All",
    ]
