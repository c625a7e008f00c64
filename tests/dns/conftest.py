"""Fixtures for the DNS tests: the azure-mgmt-dns client, a fresh resource group and zone, raw ARM access."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.conftest import ARM_SCOPE, mgmt_client

API = "2018-05-01"


@pytest.fixture(scope="session")
def dns_client(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> DnsManagementClient:
    return mgmt_client(DnsManagementClient, endpoints, operator_credential)


@pytest.fixture(scope="session")
def resource_client(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> ResourceManagementClient:
    return mgmt_client(ResourceManagementClient, endpoints, operator_credential)


@pytest.fixture
def group(resource_client: ResourceManagementClient, unique: str) -> str:
    resource_client.resource_groups.create_or_update(unique, {"location": "westus2"})
    return unique


@pytest.fixture
def zone(dns_client: DnsManagementClient, group: str, unique: str) -> str:
    name = f"{unique}.example.internal"
    dns_client.zones.create_or_update(group, name, {"location": "global"})
    return name


@pytest.fixture(scope="session")
def arm(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> Callable[..., requests.Response]:
    """Raw ARM requests as the operator: ``arm(method, path, json=..., headers=..., params=...)``."""
    session = requests.Session()
    base = endpoints.arm_url.rstrip("/")

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        token = operator_credential.get_token(ARM_SCOPE).token
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        params = {"api-version": API, **kwargs.pop("params", {})}
        return session.request(
            method, base + path, headers=headers, params=params, verify=endpoints.ca_bundle, timeout=30, **kwargs
        )

    return call


def zone_path(endpoints: Endpoints, group: str, zone: str) -> str:
    return (
        f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{group}/providers/Microsoft.Network/dnsZones/{zone}"
    )
