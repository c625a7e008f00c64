"""Microsoft.ManagedIdentity handlers: parse the request, call the backend, shape the ARM JSON."""

from __future__ import annotations

from typing import Any

from podid.sandbox.arm._request import ArmRequest, ArmResponse, created, no_content, ok, page
from podid.sandbox.arm.errors import InvalidRequestContent
from podid.sandbox.arm.managedidentity.errors import IDENTITY_TYPE
from podid.sandbox.arm.managedidentity.federated import FederatedCredential
from podid.sandbox.arm.managedidentity.models import IdentitiesBackend, Identity

Request = ArmRequest[IdentitiesBackend]

FIC_TYPE = IDENTITY_TYPE + "/federatedIdentityCredentials"


def identity_to_arm(identity: Identity) -> dict[str, Any]:
    return {
        "id": identity.id,
        "name": identity.name,
        "type": IDENTITY_TYPE,
        "location": identity.location,
        "tags": identity.tags,
        "properties": {
            "tenantId": identity.tenant_id,
            "principalId": identity.principal_id,
            "clientId": identity.client_id,
            "isolationScope": identity.isolation_scope,
        },
    }


def credential_to_arm(credential: FederatedCredential) -> dict[str, Any]:
    return {
        "id": credential.id,
        "name": credential.name,
        "type": FIC_TYPE,
        "properties": {"issuer": credential.issuer, "subject": credential.subject, "audiences": credential.audiences},
    }


def _tags(body: dict[str, Any]) -> dict[str, str] | None:
    tags = body.get("tags")
    if tags is not None and not (isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values())):
        raise InvalidRequestContent("The request content was invalid and could not be deserialized: 'tags'.")
    return tags


def _properties(body: dict[str, Any]) -> dict[str, Any]:
    properties = body.get("properties")
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise InvalidRequestContent("The request content was invalid and could not be deserialized: 'properties'.")
    return properties


def _string(values: dict[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidRequestContent(f"The request content was invalid and could not be deserialized: '{key}'.")
    return value


def _names(request: Request) -> tuple[str, str]:
    return request.params["resourceGroupName"], request.params["resourceName"]


# userAssignedIdentities


def create_or_update_identity(request: Request) -> ArmResponse:
    body = request.json()
    identity, is_new = request.backend.user_assigned_identities_create_or_update(
        *_names(request), _string(body, "location"), _tags(body) or {}, _string(_properties(body), "isolationScope")
    )
    return (created if is_new else ok)(identity_to_arm(identity))


def get_identity(request: Request) -> ArmResponse:
    return ok(identity_to_arm(request.backend.user_assigned_identities_get(*_names(request))))


def update_identity(request: Request) -> ArmResponse:
    body = request.json()
    identity = request.backend.user_assigned_identities_update(
        *_names(request), _tags(body), _string(_properties(body), "isolationScope")
    )
    return ok(identity_to_arm(identity))


def delete_identity(request: Request) -> ArmResponse:
    deleted = request.backend.user_assigned_identities_delete(*_names(request))
    return no_content() if deleted is None else ok(None)


def list_identities_by_group(request: Request) -> ArmResponse:
    identities = request.backend.user_assigned_identities_list_by_resource_group(request.params["resourceGroupName"])
    return page(request, [identity_to_arm(item) for item in identities], skip_token="$skiptoken")


def list_identities_by_subscription(request: Request) -> ArmResponse:
    identities = request.backend.user_assigned_identities_list_by_subscription()
    return page(request, [identity_to_arm(item) for item in identities], skip_token="$skiptoken")


# federatedIdentityCredentials


def create_or_update_credential(request: Request) -> ArmResponse:
    properties = _properties(request.json())
    credential, is_new = request.backend.federated.create_or_update(
        *_names(request),
        request.params["federatedIdentityCredentialResourceName"],
        properties.get("issuer"),
        properties.get("subject"),
        properties.get("audiences"),
    )
    return (created if is_new else ok)(credential_to_arm(credential))


def get_credential(request: Request) -> ArmResponse:
    credential = request.backend.federated.get(
        *_names(request), request.params["federatedIdentityCredentialResourceName"]
    )
    return ok(credential_to_arm(credential))


def delete_credential(request: Request) -> ArmResponse:
    deleted = request.backend.federated.delete(
        *_names(request), request.params["federatedIdentityCredentialResourceName"]
    )
    return no_content() if deleted is None else ok(None)


def list_credentials(request: Request) -> ArmResponse:
    credentials = request.backend.federated.list_by_identity(*_names(request))
    return page(request, [credential_to_arm(item) for item in credentials], skip_token="$skiptoken")
