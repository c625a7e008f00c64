"""RBAC on the DNS routes: a service principal holding DNS Zone Contributor on one zone writes and reads in that
zone, and gets 403 AuthorizationFailed (Azure's exact message, action and scope) in a sibling zone and when it
lists the zones of the resource group, as the real provider does (external-dns #1973)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.conftest import ServicePrincipalLogin, credential_for, mgmt_client
from tests.dns.conftest import zone_path

DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"
GROUP = "dns-rbac-tests"


@dataclass(frozen=True)
class ZoneContributor:
    login: ServicePrincipalLogin
    client: DnsManagementClient
    granted: str
    other: str


@pytest.fixture(scope="module")
def contributor(
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    dns_client: DnsManagementClient,
    resource_client: ResourceManagementClient,
    make_service_principal: Callable[[str], ServicePrincipalLogin],
) -> ZoneContributor:
    resource_client.resource_groups.create_or_update(GROUP, {"location": "westus2"})
    granted, other = "granted.rbac.internal", "other.rbac.internal"
    zone_id = dns_client.zones.create_or_update(GROUP, granted, {"location": "global"}).id
    dns_client.zones.create_or_update(GROUP, other, {"location": "global"})
    login = make_service_principal("dns-zone-contributor")
    authorization = mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)
    authorization.role_assignments.create(
        zone_id,
        str(uuid.uuid4()),
        {
            "role_definition_id": f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{DNS_ZONE_CONTRIBUTOR}",
            "principal_id": login.object_id,
            "principal_type": "ServicePrincipal",
        },
    )
    credential = credential_for(endpoints, login.app_id, login.secret)
    return ZoneContributor(login, mgmt_client(DnsManagementClient, endpoints, credential), granted, other)


def denied(login: ServicePrincipalLogin, action: str, scope: str) -> str:
    return (
        f"The client '{login.object_id}' with object id '{login.object_id}' does not have authorization to perform "
        f"action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please "
        "refresh your credentials."
    )


def test_writes_and_reads_in_its_zone(contributor: ZoneContributor) -> None:
    client = contributor.client
    created = client.record_sets.create_or_update(
        GROUP, contributor.granted, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.1"}]}
    )
    assert created.name == "www"
    assert client.zones.get(GROUP, contributor.granted).number_of_record_sets >= 3
    assert "www" in {item.name for item in client.record_sets.list_all_by_dns_zone(GROUP, contributor.granted)}
    assert [item.name for item in client.record_sets.list_by_type(GROUP, contributor.granted, "A")] == ["www"]
    client.record_sets.delete(GROUP, contributor.granted, "www", "A")


def test_other_zone_is_forbidden(contributor: ZoneContributor, endpoints: Endpoints) -> None:
    with pytest.raises(HttpResponseError) as raised:
        contributor.client.record_sets.create_or_update(GROUP, contributor.other, "www", "A", {"ttl": 60})
    assert (raised.value.status_code, raised.value.error.code) == (403, "AuthorizationFailed")
    scope = f"{zone_path(endpoints, GROUP, contributor.other)}/A/www"
    assert raised.value.error.message == denied(contributor.login, "Microsoft.Network/dnsZones/A/write", scope)
    with pytest.raises(HttpResponseError) as raised:
        contributor.client.zones.begin_delete(GROUP, contributor.other).result()
    assert raised.value.status_code == 403


def test_listing_the_groups_zones_is_forbidden(contributor: ZoneContributor, endpoints: Endpoints) -> None:
    with pytest.raises(HttpResponseError) as raised:
        list(contributor.client.zones.list_by_resource_group(GROUP))
    assert (raised.value.status_code, raised.value.error.code) == (403, "AuthorizationFailed")
    scope = f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{GROUP}/providers/Microsoft.Network"
    assert raised.value.error.message == denied(contributor.login, "Microsoft.Network/dnsZones/read", scope)
