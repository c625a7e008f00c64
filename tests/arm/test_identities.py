"""User-assigned identities and federated identity credentials through azure-mgmt-msi.

Covers: the tutorial's identity create and show; stable tenantId/principalId/clientId across PUTs; the
lower-case `resourcegroups` id; update, list by group and subscription, delete (200, then 204); the service
principal behind each identity (visible in Graph, removed with the identity or its group, while role
assignments naming it stay); ResourceNotFound ("was not found") and ResourceGroupNotFound; name, location and
body errors; federated credentials with Azure's limits (20 per identity, issuer+subject unique, HTTPS issuer).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.conftest import ARM_SCOPE, graph_call, mgmt_client

ISSUER = "https://oidc.sandbox.podid/issuer/"
VM_CONTRIBUTOR = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"


@pytest.fixture(scope="module")
def msi(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> ManagedServiceIdentityClient:
    return mgmt_client(ManagedServiceIdentityClient, endpoints, operator_credential)


@pytest.fixture
def group(endpoints: Endpoints, operator_credential: ClientSecretCredential, unique: str) -> str:
    resources = mgmt_client(ResourceManagementClient, endpoints, operator_credential)
    resources.resource_groups.create_or_update(unique, {"location": "westus2"})
    return unique


def _put(endpoints: Endpoints, credential: ClientSecretCredential, path: str, body: bytes) -> requests.Response:
    token = credential.get_token(ARM_SCOPE).token
    return requests.put(
        endpoints.arm_url.rstrip("/") + path,
        params={"api-version": "2024-11-30"},
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        verify=endpoints.ca_bundle,
        timeout=30,
    )


def _service_principal(endpoints: Endpoints, credential: ClientSecretCredential, client_id: str) -> list[Any]:
    query = {"$filter": f"servicePrincipalNames/any(c:c eq '{client_id}')"}
    response = graph_call(endpoints, credential, "GET", "/servicePrincipals", params=query)
    assert response.status_code == 200
    return list(response.json()["value"])


def test_tutorial_identity_create_and_show(msi: ManagedServiceIdentityClient, endpoints: Endpoints, group: str) -> None:
    created = msi.user_assigned_identities.create_or_update(group, "dns-identity", {"location": "westus2"})
    shown = msi.user_assigned_identities.get(group, "dns-identity")
    subscription = endpoints.subscription_id
    assert shown.id == (
        f"/subscriptions/{subscription}/resourcegroups/{group}/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/dns-identity"
    )
    assert (shown.name, shown.type, shown.location) == (
        "dns-identity",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "westus2",
    )
    assert shown.tenant_id == endpoints.tenant_id
    assert (shown.principal_id, shown.client_id) == (created.principal_id, created.client_id)
    assert uuid.UUID(shown.principal_id) and uuid.UUID(shown.client_id) and shown.principal_id != shown.client_id


def test_ids_are_stable_across_puts_and_patches(msi: ManagedServiceIdentityClient, group: str) -> None:
    first = msi.user_assigned_identities.create_or_update(group, "stable-id", {"location": "westus2"})
    again = msi.user_assigned_identities.create_or_update(
        group, "STABLE-ID", {"location": "West US 2", "tags": {"app": "dns"}}
    )
    patched = msi.user_assigned_identities.update(group, "stable-id", {"tags": {"app": "demo"}})
    assert again.tags == {"app": "dns"} and patched.tags == {"app": "demo"}
    assert {(item.principal_id, item.client_id, item.tenant_id) for item in (first, again, patched)} == {
        (first.principal_id, first.client_id, first.tenant_id)
    }


def test_identity_is_a_managed_identity_service_principal(
    msi: ManagedServiceIdentityClient, endpoints: Endpoints, operator_credential: ClientSecretCredential, group: str
) -> None:
    identity = msi.user_assigned_identities.create_or_update(group, "sp-backed", {"location": "westus2"})
    [sp] = _service_principal(endpoints, operator_credential, identity.client_id)
    assert (sp["id"], sp["appId"], sp["servicePrincipalType"]) == (
        identity.principal_id,
        identity.client_id,
        "ManagedIdentity",
    )
    assert identity.id in sp["alternativeNames"]


def test_list_by_group_and_subscription(msi: ManagedServiceIdentityClient, group: str) -> None:
    for name in ("one", "two", "three"):
        msi.user_assigned_identities.create_or_update(group, f"list-{name}", {"location": "eastus"})
    in_group = [item.name for item in msi.user_assigned_identities.list_by_resource_group(group)]
    assert in_group == ["list-one", "list-two", "list-three"]
    everywhere = {item.id for item in msi.user_assigned_identities.list_by_subscription()}
    assert {item.id for item in msi.user_assigned_identities.list_by_resource_group(group)} <= everywhere


def test_delete_removes_principal_but_not_role_assignments(
    msi: ManagedServiceIdentityClient, endpoints: Endpoints, operator_credential: ClientSecretCredential, group: str
) -> None:
    identity = msi.user_assigned_identities.create_or_update(group, "doomed", {"location": "westus2"})
    authorization = mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)
    scope = f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{group}"
    definition = f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
    authorization.role_assignments.create(
        scope,
        str(uuid.uuid4()),
        {"role_definition_id": definition + VM_CONTRIBUTOR, "principal_id": identity.principal_id},
    )

    msi.user_assigned_identities.delete(group, "doomed")
    with pytest.raises(ResourceNotFoundError):
        msi.user_assigned_identities.get(group, "doomed")
    msi.user_assigned_identities.delete(group, "doomed")  # absent: 204, no error
    assert _service_principal(endpoints, operator_credential, identity.client_id) == []
    remaining = authorization.role_assignments.list_for_scope(scope, filter=f"principalId eq '{identity.principal_id}'")
    assert [item.principal_id for item in remaining] == [identity.principal_id]


def test_group_delete_removes_identity_principals(
    msi: ManagedServiceIdentityClient, endpoints: Endpoints, operator_credential: ClientSecretCredential, group: str
) -> None:
    identity = msi.user_assigned_identities.create_or_update(group, "in-group", {"location": "westus2"})
    resources = mgmt_client(ResourceManagementClient, endpoints, operator_credential)
    resources.resource_groups.begin_delete(group).result()
    assert _service_principal(endpoints, operator_credential, identity.client_id) == []
    assert all(item.id != identity.id for item in msi.user_assigned_identities.list_by_subscription())


def test_missing_identity_and_group(msi: ManagedServiceIdentityClient, group: str) -> None:
    with pytest.raises(ResourceNotFoundError) as missing:
        msi.user_assigned_identities.get(group, "nobody")
    assert missing.value.error.code == "ResourceNotFound"
    assert "was not found" in missing.value.error.message
    assert "Microsoft.ManagedIdentity/userAssignedIdentities/nobody" in missing.value.error.message
    with pytest.raises(ResourceNotFoundError) as no_group:
        msi.user_assigned_identities.create_or_update("no-such-group", "x-identity", {"location": "westus2"})
    assert no_group.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as no_group_list:
        list(msi.user_assigned_identities.list_by_resource_group("no-such-group"))
    assert no_group_list.value.error.code == "ResourceGroupNotFound"


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("ab", b'{"location": "westus2"}', "InvalidResourceName"),
        ("-leading-dash", b'{"location": "westus2"}', "InvalidResourceName"),
        ("x" * 129, b'{"location": "westus2"}', "InvalidResourceName"),
        ("no-location", b"{}", "LocationRequired"),
        ("bad-location", b'{"location": "atlantis"}', "LocationNotAvailableForResourceType"),
        ("bad-json", b'{"location": ', "InvalidRequestContent"),
        ("bad-tags", b'{"location": "westus2", "tags": ["a"]}', "InvalidRequestContent"),
    ],
)
def test_bad_identity_requests_get_400(
    endpoints: Endpoints, operator_credential: ClientSecretCredential, group: str, name: str, body: bytes, code: str
) -> None:
    path = (
        f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{group}"
        f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )
    response = _put(endpoints, operator_credential, path, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_moving_an_identity_is_refused(msi: ManagedServiceIdentityClient, group: str) -> None:
    msi.user_assigned_identities.create_or_update(group, "pinned", {"location": "westus2"})
    with pytest.raises(HttpResponseError) as raised:
        msi.user_assigned_identities.create_or_update(group, "pinned", {"location": "eastus"})
    assert (raised.value.status_code, raised.value.error.code) == (400, "InvalidResourceLocation")


def _credential(subject: str, issuer: str = ISSUER) -> dict[str, Any]:
    return {"issuer": issuer, "subject": subject, "audiences": ["api://AzureADTokenExchange"]}


def test_federated_credential_lifecycle(msi: ManagedServiceIdentityClient, group: str) -> None:
    identity = msi.user_assigned_identities.create_or_update(group, "federated", {"location": "westus2"})
    fics = msi.federated_identity_credentials
    created = fics.create_or_update(group, "federated", "web-fic", _credential("system:serviceaccount:web:web-sa"))
    assert created.id == f"{identity.id}/federatedIdentityCredentials/web-fic"
    assert created.type == "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
    moved = fics.create_or_update(group, "federated", "web-fic", _credential("system:serviceaccount:web:other"))
    assert moved.subject == "system:serviceaccount:web:other"
    assert fics.get(group, "federated", "web-fic").audiences == ["api://AzureADTokenExchange"]
    assert [item.name for item in fics.list(group, "federated")] == ["web-fic"]
    fics.delete(group, "federated", "web-fic")
    with pytest.raises(ResourceNotFoundError) as missing:
        fics.get(group, "federated", "web-fic")
    assert "was not found" in missing.value.error.message
    fics.delete(group, "federated", "web-fic")  # absent: 204


def test_federated_credential_rules(msi: ManagedServiceIdentityClient, group: str) -> None:
    msi.user_assigned_identities.create_or_update(group, "limited", {"location": "westus2"})
    fics = msi.federated_identity_credentials
    for index in range(20):
        fics.create_or_update(group, "limited", f"fic-{index}", _credential(f"system:serviceaccount:ns:sa{index}"))
    assert len(list(fics.list(group, "limited", top=7))) == 20  # pages of 7 follow nextLink

    def rejected(name: str, body: dict[str, Any]) -> str:
        with pytest.raises(HttpResponseError) as raised:
            fics.create_or_update(group, "limited", name, body)
        assert (raised.value.status_code, raised.value.error.code) == (400, "BadRequest")
        return str(raised.value.error.message)

    assert "maximum of 20" in rejected("fic-20", _credential("system:serviceaccount:ns:new"))
    assert rejected("fic-0", _credential("system:serviceaccount:ns:sa1")) == (
        "Issuer and subject combination already exists for this Managed Identity."
    )
    assert "https" in rejected("fic-0", _credential("x", issuer="http://insecure.example/"))
    assert "must specify 'issuer', 'subject' and 'audience'" in rejected(
        "fic-0", {"issuer": ISSUER, "audiences": ["api://AzureADTokenExchange"]}
    )
    fics.create_or_update(group, "limited", "fic-0", _credential("system:serviceaccount:ns:sa0-renamed"))


def test_federated_credential_needs_its_identity(msi: ManagedServiceIdentityClient, group: str) -> None:
    with pytest.raises(ResourceNotFoundError) as raised:
        msi.federated_identity_credentials.create_or_update(group, "ghost", "fic", _credential("s"))
    assert raised.value.error.code == "ResourceNotFound"
