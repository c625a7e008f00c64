"""Microsoft.Resources handlers: parse the request, call the backend, shape the ARM JSON."""

from __future__ import annotations

from typing import Any

from podid.sandbox.arm._request import ArmRequest, ArmResponse, created, ok, page
from podid.sandbox.arm.errors import BadRequest, NotFound
from podid.sandbox.arm.locations import LOCATIONS
from podid.sandbox.arm.resources.models import ResourceGroup, ResourcesBackend

GROUP_TYPE = "Microsoft.Resources/resourceGroups"
Request = ArmRequest[ResourcesBackend]


def group_to_arm(group: ResourceGroup) -> dict[str, Any]:
    body: dict[str, Any] = {"id": group.id, "name": group.name, "type": GROUP_TYPE, "location": group.location}
    if group.tags:
        body["tags"] = group.tags
    if group.managed_by:
        body["managedBy"] = group.managed_by
    body["properties"] = {"provisioningState": group.provisioning_state}
    return body


def _tags(body: dict[str, Any]) -> dict[str, str] | None:
    tags = body.get("tags")
    if tags is not None and not isinstance(tags, dict):
        raise BadRequest("The value of 'tags' must be an object.", code="InvalidRequestContent")
    return tags


def create_or_update_group(request: Request) -> ArmResponse:
    body = request.json()
    group, is_new = request.backend.resource_groups_create_or_update(
        request.params["resourceGroupName"], body.get("location"), _tags(body) or {}, body.get("managedBy")
    )
    return (created if is_new else ok)(group_to_arm(group))


def get_group(request: Request) -> ArmResponse:
    return ok(group_to_arm(request.backend.resource_groups_get(request.params["resourceGroupName"])))


def check_group(request: Request) -> ArmResponse:
    exists = request.backend.find_group(request.params["resourceGroupName"]) is not None
    return ArmResponse(204 if exists else 404)


def update_group(request: Request) -> ArmResponse:
    body = request.json()
    group = request.backend.resource_groups_update(
        request.params["resourceGroupName"], _tags(body), body.get("managedBy")
    )
    return ok(group_to_arm(group))


def list_groups(request: Request) -> ArmResponse:
    groups = request.backend.resource_groups_list()
    return page(request, [group_to_arm(group) for group in groups])


def delete_group(request: Request) -> ArmResponse:
    resources = request.backend
    group = resources.resource_groups_begin_delete(request.params["resourceGroupName"])
    operation = request.operations.start(
        "Microsoft.Resources", group.location, "resourceGroups", lambda: resources.resource_groups_delete(group.name)
    )
    location = request.url(f"/subscriptions/{request.settings.subscription_id}/operationresults/{operation.id}")
    return ArmResponse(202, None, {"Location": location, "Retry-After": "1"})


# subscriptions, tenants, locations


def _subscription(request: Request) -> dict[str, Any]:
    settings = request.settings
    return {
        "id": f"/subscriptions/{settings.subscription_id}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": settings.subscription_id,
        "tenantId": settings.tenant_id,
        "displayName": settings.subscription_name,
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
        "tags": {},
    }


def list_subscriptions(request: Request) -> ArmResponse:
    return ok({"value": [_subscription(request)], "count": {"type": "Total", "value": 1}})


def get_subscription(request: Request) -> ArmResponse:
    return ok(_subscription(request))


def list_tenants(request: Request) -> ArmResponse:
    tenant = request.settings.tenant_id
    return ok(
        {
            "value": [
                {
                    "id": f"/tenants/{tenant}",
                    "tenantId": tenant,
                    "tenantCategory": "Home",
                    "countryCode": "US",
                    "displayName": "podid sandbox",
                    "domains": ["podid.onmicrosoft.com"],
                    "defaultDomain": "podid.onmicrosoft.com",
                    "tenantType": "AAD",
                }
            ]
        }
    )


def list_locations(request: Request) -> ArmResponse:
    subscription = request.settings.subscription_id
    return ok(
        {
            "value": [
                {
                    "id": f"/subscriptions/{subscription}/locations/{name}",
                    "name": name,
                    "displayName": display,
                    "regionalDisplayName": f"(US) {display}",
                    "type": "Region",
                    "metadata": {"regionType": "Physical", "regionCategory": "Recommended"},
                }
                for name, display in LOCATIONS
            ]
        }
    )


# resource providers


def _canonical(request: Request, namespace: str) -> str:
    canonical = next((known for known in request.backend.namespaces if known.lower() == namespace.lower()), None)
    if canonical is None:
        raise NotFound(f"The resource namespace '{namespace}' is invalid.", code="InvalidResourceNamespace")
    return canonical


def _provider(request: Request, namespace: str, state: str | None = None) -> dict[str, Any]:
    canonical = _canonical(request, namespace)
    subscription = request.settings.subscription_id
    return {
        "id": f"/subscriptions/{subscription}/providers/{canonical}",
        "namespace": canonical,
        "registrationState": state or request.backend.provider_state(canonical),
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": [],
    }


def list_providers(request: Request) -> ArmResponse:
    return ok({"value": [_provider(request, namespace) for namespace in request.backend.namespaces]})


def get_provider(request: Request) -> ArmResponse:
    return ok(_provider(request, request.params["namespace"]))


def register_provider(request: Request) -> ArmResponse:
    return _transition(request, "Registering")


def unregister_provider(request: Request) -> ArmResponse:
    return _transition(request, "Unregistering")


def _transition(request: Request, state: str) -> ArmResponse:
    namespace = _canonical(request, request.params["namespace"])
    request.backend.start_provider_transition(namespace, state)
    return ok(_provider(request, namespace, state))
