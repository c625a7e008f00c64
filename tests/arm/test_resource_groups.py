"""Resource groups through azure-mgmt-resource: create, get, exists, update, list, delete, and ARM's errors."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.conftest import mgmt_client


@pytest.fixture
def resources(endpoints: Endpoints, operator_credential: object) -> ResourceManagementClient:
    return mgmt_client(ResourceManagementClient, endpoints, operator_credential)


def test_group_lifecycle(resources: ResourceManagementClient, unique: str) -> None:
    group = resources.resource_groups.create_or_update(unique, {"location": "West US 2", "tags": {"app": "dns"}})
    assert group.name == unique and group.location == "westus2"
    assert group.id.endswith(f"/resourceGroups/{unique}")
    assert group.properties.provisioning_state == "Succeeded"
    assert resources.resource_groups.check_existence(unique.upper()) is True
    updated = resources.resource_groups.update(unique, {"tags": {"app": "web"}})
    assert updated.tags == {"app": "web"}
    assert unique in [item.name for item in resources.resource_groups.list()]
    resources.resource_groups.begin_delete(unique).result()
    assert resources.resource_groups.check_existence(unique) is False


def test_missing_group_is_resource_group_not_found(resources: ResourceManagementClient) -> None:
    with pytest.raises(ResourceNotFoundError) as raised:
        resources.resource_groups.get("no-such-group")
    assert raised.value.error.code == "ResourceGroupNotFound"
    assert raised.value.error.message == "Resource group 'no-such-group' could not be found."


@pytest.mark.parametrize(
    ("name", "location", "code"),
    [
        ("bad*name", "westus2", "InvalidResourceGroup"),
        ("ends-with-dot.", "westus2", "InvalidResourceGroup"),
        ("good-name", "atlantis", "LocationNotAvailableForResourceGroup"),
    ],
)
def test_bad_input_gets_arm_error(resources: ResourceManagementClient, name: str, location: str, code: str) -> None:
    with pytest.raises(HttpResponseError) as raised:
        resources.resource_groups.create_or_update(name, {"location": location})
    assert raised.value.status_code == 400
    assert raised.value.error.code == code


def test_changing_location_is_conflict(resources: ResourceManagementClient, unique: str) -> None:
    resources.resource_groups.create_or_update(unique, {"location": "westus2"})
    with pytest.raises(HttpResponseError) as raised:
        resources.resource_groups.create_or_update(unique, {"location": "eastus"})
    assert raised.value.status_code == 409
    assert raised.value.error.code == "InvalidResourceGroupLocation"
