"""Property-based fuzz of the AKS and compute routes: raw PUTs of cluster bodies with random JSON at the
places AKS interprets, GETs and credential calls in between, and random identity PATCHes of a node scale set;
none may get a 5xx."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.containerservice.models import ManagedCluster
from azure.mgmt.resource.resources import ResourceManagementClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podid.sandbox import Endpoints
from tests.aks.conftest import LOCATION, cluster_body
from tests.conftest import ARM_SCOPE

EXAMPLES = 300
PLACES: list[tuple[str, ...]] = [
    ("location",),
    ("tags",),
    ("identity",),
    ("identity", "type"),
    ("identity", "userAssignedIdentities"),
    ("properties",),
    *[
        ("properties", key)
        for key in (
            "dnsPrefix",
            "kubernetesVersion",
            "nodeResourceGroup",
            "networkProfile",
            "oidcIssuerProfile",
            "securityProfile",
            "agentPoolProfiles",
            "podIdentityProfile",
            "disableLocalAccounts",
        )
    ],
    ("properties", "networkProfile", "networkPlugin"),
    ("properties", "securityProfile", "workloadIdentity"),
    *[
        ("properties", "agentPoolProfiles", 0, key)
        for key in ("name", "count", "mode", "vmSize", "type", "availabilityZones", "maxPods")
    ],
]

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10)
scalars = st.none() | st.booleans() | st.integers(-5, 2000) | text | st.sampled_from(["1", "kubenet", "System"])
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=5
)


def _put_at(body: dict[str, Any], place: tuple[str | int, ...], value: Any) -> None:
    target: Any = body
    for step in place[:-1]:
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(target, dict) or (isinstance(target, list) and isinstance(place[-1], int) and target):
        target[place[-1]] = value


@pytest.fixture(scope="module")
def fuzz_cluster(aks: ContainerServiceClient, resources: ResourceManagementClient) -> Iterator[ManagedCluster]:
    """A cluster of this module's own: the fuzz changes its group and its scale set's identity."""
    resources.resource_groups.create_or_update("aks-fuzz", {"location": LOCATION})
    yield aks.managed_clusters.begin_create_or_update("aks-fuzz", "target", cluster_body("target", count=1)).result()
    resources.resource_groups.begin_delete("aks-fuzz").result()


@pytest.fixture(scope="module")
def arm(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> Callable[..., requests.Response]:
    session = requests.Session()

    def call(method: str, path: str, body: Any = None, api: str = "2026-08-01") -> requests.Response:
        token = operator_credential.get_token(ARM_SCOPE).token
        return session.request(
            method,
            endpoints.arm_url.rstrip("/") + path,
            params={"api-version": api},
            headers={"Authorization": f"Bearer {token}"},
            json=body,
            verify=endpoints.ca_bundle,
            timeout=30,
        )

    return call


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.sampled_from(["fuzz1", "fuzz2", "Fuzz-3"]),
    changes=st.lists(st.tuples(st.sampled_from(PLACES), json_values), max_size=3),
    follow=st.sampled_from(["GET", "listClusterUserCredential", "DELETE", None]),
)
def test_cluster_requests_never_get_a_server_error(
    fuzz_cluster: ManagedCluster,
    endpoints: Endpoints,
    arm: Callable[..., requests.Response],
    name: str,
    changes: list[tuple[tuple[str, ...], Any]],
    follow: str | None,
) -> None:
    body = copy.deepcopy(cluster_body(name.lower(), count=1))
    for place, value in changes:
        _put_at(body, place, value)
    path = fuzz_cluster.id.rsplit("/", 1)[0] + f"/{name}"
    assert arm("PUT", path, body).status_code < 500
    if follow == "GET":
        assert arm("GET", path).status_code < 500
    elif follow == "DELETE":
        assert arm("DELETE", path).status_code < 500
    elif follow:
        assert arm("POST", f"{path}/{follow}").status_code < 500


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    identity=json_values
    | st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned"])
            | json_values,
            "userAssignedIdentities": st.dictionaries(
                st.sampled_from(
                    ["/subscriptions/x/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z"]
                )
                | text,
                st.none() | st.just({}) | json_values,
                max_size=2,
            )
            | json_values,
        },
    ),
)
def test_scale_set_patches_never_get_a_server_error(
    fuzz_cluster: ManagedCluster, endpoints: Endpoints, arm: Callable[..., requests.Response], identity: Any
) -> None:
    group = f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{fuzz_cluster.node_resource_group}"
    listing = arm("GET", group + "/providers/Microsoft.Compute/virtualMachineScaleSets", api="2024-07-01")
    vmss_id = listing.json()["value"][0]["id"]
    assert arm("PATCH", vmss_id, {"identity": identity}, api="2024-07-01").status_code < 500
    assert arm("GET", vmss_id + "/virtualMachines", api="2024-07-01").status_code == 200
