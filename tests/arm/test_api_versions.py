"""api-version checks at the ARM front door, through plain requests.

Covers: an api-version Microsoft.Resources does not serve (`banana`) is refused with 400
InvalidApiVersionParameter listing ARM's versions in its order; one a provider does not serve gets 400
InvalidResourceType naming the resource type and listing the provider's versions; the refusal comes before
authorisation; every version the pinned SDKs and az 2.91 send is served.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from azure.identity import ClientSecretCredential

from podid.sandbox import Endpoints
from podid.sandbox.arm.dns.routes import API_VERSIONS as DNS_VERSIONS
from podid.sandbox.arm.resources.routes import API_VERSIONS as RESOURCES_VERSIONS
from tests.conftest import ARM_SCOPE, ServicePrincipalLogin, credential_for


def get(endpoints: Endpoints, credential: ClientSecretCredential, path: str, api_version: str) -> requests.Response:
    return requests.get(
        f"{endpoints.arm_url.rstrip('/')}{path}",
        params={"api-version": api_version},
        headers={"Authorization": f"Bearer {credential.get_token(ARM_SCOPE).token}"},
        verify=endpoints.ca_bundle,
        timeout=30,
    )


def test_resources_refuse_an_unknown_api_version(
    endpoints: Endpoints, operator_credential: ClientSecretCredential
) -> None:
    response = get(
        endpoints, operator_credential, f"/subscriptions/{endpoints.subscription_id}/resourcegroups", "banana"
    )
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert response.json()["error"]["code"] == "InvalidApiVersionParameter"
    assert (
        message
        == f"The api-version 'banana' is invalid. The supported versions are '{','.join(RESOURCES_VERSIONS.versions)}'."
    )
    assert message.startswith("The api-version 'banana' is invalid. The supported versions are '2025-04-01,2025-03-01,")
    assert message.endswith(",2014-04-01,2014-01-01,2013-03-01,2014-02-26,2014-04'.")


def test_a_provider_refuses_an_api_version_it_does_not_serve(
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    make_service_principal: Callable[[str], ServicePrincipalLogin],
) -> None:
    path = f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Network/dnszones"
    expected = (
        "The resource type 'dnszones' could not be found in the namespace 'Microsoft.Network' for api version "
        "'2024-11-01'. The supported api-versions are '2015-05-04-preview,2016-04-01,2017-09-01,2017-09-15-preview,"
        "2017-10-01,2018-03-01-preview,2018-05-01,2023-07-01-preview'."
    )
    assert ",".join(DNS_VERSIONS.versions) in expected
    refused = get(endpoints, operator_credential, path, "2024-11-01")
    assert (refused.status_code, refused.json()) == (
        400,
        {"error": {"code": "InvalidResourceType", "message": expected}},
    )
    nobody = make_service_principal("api-versions")
    stranger = credential_for(endpoints, nobody.app_id, nobody.secret)
    assert get(endpoints, stranger, path, "2024-11-01").json()["error"]["code"] == "InvalidResourceType"
    assert get(endpoints, stranger, path, "2018-05-01").json()["error"]["code"] == "AuthorizationFailed"


# (path under the subscription, api-version): what azure-mgmt-resource 26, azure-mgmt-resource-features 1,
# azure-mgmt-resource-subscriptions 1, azure-mgmt-authorization 4, azure-mgmt-dns 9, azure-mgmt-msi 7.1,
# azure-mgmt-containerservice 41.8, azure-mgmt-compute 39 and az 2.91 send
SENT = [
    ("/resourcegroups", "2025-04-01"),
    ("/resourcegroups", "2024-11-01"),
    ("/locations", "2022-12-01"),
    ("/providers/Microsoft.Network", "2024-11-01"),
    ("/providers/Microsoft.Features/features", "2021-07-01"),
    ("/providers/Microsoft.Authorization/roleAssignments", "2022-04-01"),
    ("/providers/Microsoft.Authorization/roleDefinitions", "2022-04-01"),
    ("/providers/Microsoft.Network/dnszones", "2018-05-01"),
    ("/providers/Microsoft.Network/dnszones", "2023-07-01-preview"),
    ("/providers/Microsoft.ManagedIdentity/userAssignedIdentities", "2024-11-30"),
    ("/providers/Microsoft.ManagedIdentity/userAssignedIdentities", "2022-01-31-preview"),
    ("/providers/Microsoft.ContainerService/managedClusters", "2026-08-01"),
    ("/providers/Microsoft.ContainerService/managedClusters", "2026-06-01"),
    ("/providers/Microsoft.Compute/virtualMachineScaleSets", "2026-04-01"),
    ("/providers/Microsoft.Compute/virtualMachineScaleSets", "2024-11-01"),
]


@pytest.mark.parametrize(("path", "api_version"), SENT)
def test_the_versions_clients_send_are_served(
    endpoints: Endpoints, operator_credential: ClientSecretCredential, path: str, api_version: str
) -> None:
    response = get(endpoints, operator_credential, f"/subscriptions/{endpoints.subscription_id}{path}", api_version)
    assert response.status_code == 200, response.text
