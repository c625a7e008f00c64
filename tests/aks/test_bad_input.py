"""What AKS refuses, through azure-mgmt-containerservice: each case gets the status and code AKS returns.

Covers: invalid cluster, DNS prefix and agent-pool names; missing DNS prefix, agent pools or location;
unsupported Kubernetes versions and zones; no system pool; workload identity without the OIDC issuer; a
missing resource group or cluster; credentials of a cluster with local accounts disabled; RBAC (a Reader
reads the cluster but cannot list either credential).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerservice import ContainerServiceClient

from podid.sandbox import Endpoints
from tests.aks.conftest import Principal, Tutorial, cluster_body
from tests.conftest import mgmt_client


def _pool(**changes: Any) -> dict[str, Any]:
    body = cluster_body("bad", count=1)
    body["properties"]["agentPoolProfiles"][0].update(changes)
    return body


def _without(prop: str) -> dict[str, Any]:
    body = cluster_body("bad", count=1)
    del body["properties"][prop]
    return body


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("bad_name!", cluster_body("bad"), "InvalidParameter"),
        ("-leading-dash", cluster_body("bad"), "InvalidParameter"),
        ("ok", cluster_body("under_score"), "InvalidParameter"),
        ("ok", _without("dnsPrefix"), "InvalidParameter"),
        ("ok", _without("agentPoolProfiles"), "InvalidParameter"),
        ("ok", _pool(name="node-pool"), "InvalidParameter"),
        ("ok", _pool(availabilityZones=["4"]), "InvalidParameter"),
        ("ok", _pool(mode="User"), "InvalidParameter"),
        ("ok", cluster_body("bad", kubernetesVersion="1.20.2"), "K8sVersionNotSupported"),
        ("ok", cluster_body("bad", securityProfile={"workloadIdentity": {"enabled": True}}), "InvalidParameter"),
        ("ok", {**cluster_body("bad"), "location": None}, "LocationRequired"),
        ("ok", {**cluster_body("bad"), "location": "atlantis"}, "LocationNotAvailableForResourceType"),
    ],
)
def test_invalid_cluster_is_refused(
    aks: ContainerServiceClient, group: str, name: str, body: dict[str, Any], code: str
) -> None:
    with pytest.raises(HttpResponseError) as raised:
        aks.managed_clusters.begin_create_or_update(group, name, body)
    assert (raised.value.status_code, raised.value.error.code) == (400, code)
    assert not list(aks.managed_clusters.list_by_resource_group(group))


def test_missing_group_and_cluster(aks: ContainerServiceClient, group: str) -> None:
    with pytest.raises(ResourceNotFoundError) as raised:
        aks.managed_clusters.begin_create_or_update("no-such-group", "c", cluster_body("c"))
    assert raised.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as raised:
        aks.managed_clusters.get(group, "absent")
    resource = "Microsoft.ContainerService/managedClusters/absent"
    assert raised.value.error.message.startswith(
        f"The Resource '{resource}' under resource group '{group}' was not found."
    )


def test_no_static_credentials_without_local_accounts(aks: ContainerServiceClient, group: str) -> None:
    body = cluster_body("local", count=1, disableLocalAccounts=True)
    aks.managed_clusters.begin_create_or_update(group, "local", body).result()
    for listing in (
        aks.managed_clusters.list_cluster_user_credentials,
        aks.managed_clusters.list_cluster_admin_credentials,
    ):
        with pytest.raises(HttpResponseError) as raised:
            listing(group, "local")
        assert (raised.value.status_code, raised.value.error.code) == (400, "BadRequest")


def test_reader_cannot_get_credentials(
    tutorial: Tutorial, endpoints: Endpoints, principal: Callable[..., Principal]
) -> None:
    reader = principal(("Reader", tutorial.cluster.id))
    client = mgmt_client(ContainerServiceClient, endpoints, reader.credential)
    assert client.managed_clusters.get(tutorial.group, tutorial.name).fqdn == tutorial.cluster.fqdn
    for listing, action in (
        (client.managed_clusters.list_cluster_user_credentials, "listClusterUserCredential"),
        (client.managed_clusters.list_cluster_admin_credentials, "listClusterAdminCredential"),
    ):
        with pytest.raises(HttpResponseError) as raised:
            listing(tutorial.group, tutorial.name)
        assert (raised.value.status_code, raised.value.error.code) == (403, "AuthorizationFailed")
        assert f"'Microsoft.ContainerService/managedClusters/{action}/action'" in raised.value.error.message
