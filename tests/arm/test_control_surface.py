"""The sandbox's control surface (/_sandbox/) answers its owner alone, and even the owner cannot use it to read
secrets, revive expired tokens or make ids repeat.

Covers: no credential → 401 AuthenticationFailed with a Bearer challenge, on every path under /_sandbox/; a
wrong token → 403; a request from a pod's address → 403 even with the right token; the right token → 200;
the state dump of every kind shows neither the operator's secret, nor the control token, nor a cluster's
tokens or signing key, nor a Secret's values (the Secret's keys and the counts by kind stay); the clock moves
forward only (400 InvalidClockMove); bodies that are no JSON object → 400; reseeding with the same seed, the
measured way to make a new application take an existing one's id, hands out fresh ids and overwrites nothing;
the counters: a write in one resource group moves its counters and no other group's, groups compared in any
casing; a write at the subscription is in its scope and in no group's; the totals count every write.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import yaml
from azure.identity import ClientSecretCredential
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.resource.resources import ResourceManagementClient
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.sandbox import Endpoints
from podid.sandbox.testing import pod_session
from tests.aks.conftest import LOCATION, cluster_body, lro_polls
from tests.conftest import control_call, credential_for, graph_call, mgmt_client, start_sandbox

POD_ADDRESS = "127.244.255.201"  # in the pod network (podid.sandbox.kube.network.ippool), held by no pod
SECRET_VALUE = "hunter2-control-surface"
ROUTES = [
    ("GET", "/state"),
    ("GET", "/metrics"),
    ("POST", "/seed"),
    ("POST", "/clock"),
    ("PUT", "/settings"),
    ("GET", "/unknown"),
    ("DELETE", ""),
]


def error_of(response: requests.Response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_without_the_control_token_nothing_answers(endpoints: Endpoints, method: str, path: str) -> None:
    response = control_call(endpoints, method, path, headers={"Authorization": None}, json={"seed": 1})
    assert error_of(response) == (
        401,
        "AuthenticationFailed",
        "The 'Authorization: Bearer <control token>' header is missing (control_token in endpoints.json).",
    )
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="podid-sandbox-control"'


@pytest.mark.parametrize(
    "header", ["Bearer not-the-token", "Bearer " + "A" * 43, "bearer wrong"], ids=["short", "same-length", "case"]
)
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_another_token_is_refused(endpoints: Endpoints, method: str, path: str, header: str) -> None:
    response = control_call(endpoints, method, path, headers={"Authorization": header}, json={"seed": 1})
    assert error_of(response) == (403, "AuthorizationFailed", "The control token is not this sandbox's.")


def test_other_schemes_are_no_credential(endpoints: Endpoints) -> None:
    response = control_call(endpoints, "GET", "/state", headers={"Authorization": f"Basic {endpoints.control_token}"})
    assert response.status_code == 401


def test_a_pod_is_refused_even_with_the_token(endpoints: Endpoints) -> None:
    with pod_session(POD_ADDRESS) as session:  # connections leave from the pod's address
        response = session.get(
            f"{endpoints.arm_url}_sandbox/state",
            headers={"Authorization": f"Bearer {endpoints.control_token}"},
            verify=endpoints.ca_bundle,
            timeout=30,
        )
    assert error_of(response) == (403, "AuthorizationFailed", "The sandbox's control surface does not answer pods.")


def test_the_owner_is_answered(endpoints: Endpoints) -> None:
    kinds = control_call(endpoints, "GET", "/state")
    assert kinds.status_code == 200, kinds.text
    assert kinds.json()["kinds"]["sandbox"] >= 1
    metrics = control_call(endpoints, "GET", "/metrics")
    assert metrics.status_code == 200 and "totalWrites" in metrics.json()
    unknown = control_call(endpoints, "GET", "/unknown")
    assert error_of(unknown) == (404, "NotFound", "The control surface has no GET /_sandbox/unknown.")


def test_the_token_is_published_to_the_owner_only(endpoints: Endpoints) -> None:
    assert len(endpoints.control_token) >= 43  # secrets.token_urlsafe(32)
    assert endpoints.control_token not in repr(endpoints)


# counters


def _metrics(endpoints: Endpoints, **query: str) -> dict[str, Any]:
    response = control_call(endpoints, "GET", "/metrics", params=query)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _in_group(endpoints: Endpoints, group: str) -> dict[str, Any]:
    return _metrics(endpoints, subscriptionId=endpoints.subscription_id, resourceGroup=group)


def _scope(endpoints: Endpoints, group: str = "") -> str:
    return f"/subscriptions/{endpoints.subscription_id}{f'/resourceGroups/{group}' if group else ''}".lower()


@pytest.fixture
def two_groups(
    endpoints: Endpoints, operator_credential: ClientSecretCredential, unique: str
) -> Iterator[tuple[ResourceManagementClient, str, str]]:
    resources = mgmt_client(ResourceManagementClient, endpoints, operator_credential)
    names = (f"{unique}-a", f"{unique}-b")
    for name in names:
        resources.resource_groups.create_or_update(name, {"location": LOCATION})
    yield resources, *names
    for name in names:
        resources.resource_groups.begin_delete(name).result()


def test_a_write_moves_its_resource_groups_counters_alone(
    endpoints: Endpoints, two_groups: tuple[ResourceManagementClient, str, str]
) -> None:
    resources, mine, other = two_groups
    before, other_before = _in_group(endpoints, mine), _in_group(endpoints, other)
    assert (before["writes"], before["requests"]) == ({"PUT": 1}, 1)
    resources.resource_groups.update(mine, {"tags": {"counted": "yes"}})
    resources.resource_groups.create_or_update(mine.upper(), {"location": LOCATION})  # ARM's names ignore case
    assert resources.resource_groups.get(mine.upper()).name == mine  # the same group, not a second one
    after = _in_group(endpoints, mine.upper())  # and so does the filter
    assert (after["writes"], after["totalWrites"], after["requests"]) == ({"PUT": 2, "PATCH": 1}, 3, 4)
    assert list(after["scopes"]) == [_scope(endpoints, mine)]
    assert _metrics(endpoints)["scopes"][_scope(endpoints, mine)] == after["scopes"][_scope(endpoints, mine)]
    assert _in_group(endpoints, other) == other_before


def test_a_subscription_write_is_in_no_resource_group(
    endpoints: Endpoints, two_groups: tuple[ResourceManagementClient, str, str]
) -> None:
    resources, mine, _ = two_groups
    at_subscription = _metrics(endpoints)["scopes"].get(_scope(endpoints), {}).get("totalWrites", 0)
    in_group = _in_group(endpoints, mine)
    resources.providers.register("Microsoft.Network")  # POST /subscriptions/<id>/providers/<namespace>/register
    whole = _metrics(endpoints, subscriptionId=endpoints.subscription_id.upper())
    assert whole["scopes"][_scope(endpoints)]["totalWrites"] == at_subscription + 1
    assert whole["totalWrites"] == sum(scope["totalWrites"] for scope in whole["scopes"].values())
    assert _scope(endpoints, mine) in whole["scopes"]  # a subscription holds its resource groups
    assert _in_group(endpoints, mine) == in_group


def test_the_totals_count_every_write(
    endpoints: Endpoints, two_groups: tuple[ResourceManagementClient, str, str]
) -> None:
    resources, mine, other = two_groups
    before = _metrics(endpoints)
    for group in (mine, other):
        resources.resource_groups.update(group, {"tags": {"counted": "yes"}})
    after = _metrics(endpoints)
    assert after["totalWrites"] >= before["totalWrites"] + 2  # other setups may write meanwhile
    assert after["writes"]["PATCH"] >= before["writes"].get("PATCH", 0) + 2
    assert after["totalWrites"] >= sum(scope["totalWrites"] for scope in after["scopes"].values())
    assert after["totalKubeWrites"] == sum(cluster["totalKubeWrites"] for cluster in after["clusters"].values())
    assert after["requests"] > before["requests"]


# the state dump


def _admin_token(aks: ContainerServiceClient, group: str, name: str) -> str:
    [entry] = aks.managed_clusters.list_cluster_admin_credentials(group, name).kubeconfigs
    return str(yaml.safe_load(entry.value)["users"][0]["user"]["token"])


@pytest.fixture(scope="module")
def cluster_secrets(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> Iterator[list[str]]:
    """A cluster with a Secret in it: the strings the state dump must never show."""
    lro_polls(endpoints, 1)
    resources = mgmt_client(ResourceManagementClient, endpoints, operator_credential)
    resources.resource_groups.create_or_update("control-surface", {"location": LOCATION})
    aks = mgmt_client(ContainerServiceClient, endpoints, operator_credential)
    body = cluster_body("control-surface", count=1, zones=())
    aks.managed_clusters.begin_create_or_update("control-surface", "aks", body).result()
    admin = _admin_token(aks, "control-surface", "aks")
    [user] = aks.managed_clusters.list_cluster_user_credentials("control-surface", "aks").kubeconfigs
    config = aks.managed_clusters.list_cluster_admin_credentials("control-surface", "aks").kubeconfigs[0].value
    core = k8s.CoreV1Api(k8s_config.new_client_from_config_dict(yaml.safe_load(config)))
    secret = {"metadata": {"name": "kept"}, "stringData": {"password": SECRET_VALUE}, "data": {}}
    core.create_namespaced_secret("default", secret)
    user_token = str(yaml.safe_load(user.value)["users"][0]["user"]["token"])
    yield [admin, user_token, SECRET_VALUE, base64.b64encode(SECRET_VALUE.encode()).decode()]
    resources.resource_groups.begin_delete("control-surface").result()


def _dump(endpoints: Endpoints, kind: str) -> requests.Response:
    response = control_call(endpoints, "GET", "/state", params={"kind": kind})
    assert response.status_code == 200, response.text
    return response


def test_the_state_dump_shows_no_secret(endpoints: Endpoints, cluster_secrets: list[str]) -> None:
    forbidden = [endpoints.operator.client_secret, endpoints.control_token, "PRIVATE KEY", *cluster_secrets]
    kinds = control_call(endpoints, "GET", "/state").json()["kinds"]
    assert {"sandbox", "application", "kubeCluster", "kubeObject"} <= set(kinds)
    for kind in kinds:
        body = _dump(endpoints, kind).text
        assert [text for text in forbidden if text in body] == [], kind


def test_the_state_dump_keeps_the_shape(endpoints: Endpoints, cluster_secrets: list[str]) -> None:
    objects = _dump(endpoints, "kubeObject").json()["items"]
    [kept] = [doc["object"] for doc in objects if doc["object"]["metadata"].get("name") == "kept"]
    assert kept["data"] == {"password": "***"}
    [cluster] = [doc for doc in _dump(endpoints, "kubeCluster").json()["items"] if "control-surface" in str(doc)]
    assert cluster["adminToken"] == cluster["userToken"] == cluster["signingKey"] == "***"
    operator_app = [
        app for app in _dump(endpoints, "application").json()["items"] if app["display_name"] == "podid-operator"
    ]
    [password] = operator_app[0]["password_credentials"]
    assert password["secret_hash"] == "***" and password["key_id"] != "***"


# clock and bodies


@pytest.mark.parametrize("seconds", [-4000, -0.001])
def test_the_clock_does_not_go_back(endpoints: Endpoints, seconds: float) -> None:
    before = control_call(endpoints, "POST", "/clock", json={"advanceSeconds": 0})
    assert before.status_code == 200
    response = control_call(endpoints, "POST", "/clock", json={"advanceSeconds": seconds})
    assert error_of(response) == (
        400,
        "InvalidClockMove",
        f"The sandbox clock only moves forward: 'advanceSeconds' must be >= 0, got {seconds:g}.",
    )
    after = control_call(endpoints, "POST", "/clock", json={"advanceSeconds": 0}).json()["now"]
    assert after >= before.json()["now"]


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/clock", "not json", "The request body is not valid JSON"),
        ("/clock", "[1]", "The request body must be a JSON object."),
        ("/clock", '{"advanceSeconds": "10"}', "'advanceSeconds' must be a number, got \"10\"."),
        ("/clock", '{"advanceSeconds": true}', "'advanceSeconds' must be a number, got true."),
        ("/seed", '{"seed": 1.5}', "'seed' must be an integer."),
        ("/seed", "{}", "'seed' must be a number, got null."),
    ],
)
def test_bodies_are_checked(endpoints: Endpoints, path: str, body: str, message: str) -> None:
    response = control_call(endpoints, "POST", path, data=body, headers={"Content-Type": "application/json"})
    status, code, text = error_of(response)
    assert (status, code) == (400, "InvalidRequestContent")
    assert text.startswith(message)


# seeding


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """A sandbox of its own, so that seeding it changes no other test's ids."""
    sandbox, endpoints = start_sandbox(tmp_path_factory.mktemp("seeded"))
    yield endpoints
    sandbox.stop()


def _create_app(endpoints: Endpoints, credential: ClientSecretCredential, name: str) -> dict[str, Any]:
    response = graph_call(endpoints, credential, "POST", "/applications", json={"displayName": name})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_reseeding_does_not_repeat_ids(seeded: Endpoints) -> None:
    operator = credential_for(seeded, seeded.operator.client_id, seeded.operator.client_secret)
    assert control_call(seeded, "POST", "/seed", json={"seed": 42}).json() == {"seed": 42}
    first = _create_app(seeded, operator, "first")
    assert control_call(seeded, "POST", "/seed", json={"seed": 42}).status_code == 200
    second = _create_app(seeded, operator, "second")
    assert {first["id"], first["appId"]}.isdisjoint({second["id"], second["appId"]})
    kept = graph_call(seeded, operator, "GET", f"/applications/{first['id']}")
    assert kept.status_code == 200 and kept.json()["displayName"] == "first"


def test_a_seed_gives_the_same_ids_on_a_fresh_data_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    tenants = []
    for name in ("one", "two"):
        sandbox, endpoints = start_sandbox(tmp_path_factory.mktemp(name), seed=7)
        tenants.append((endpoints.tenant_id, endpoints.operator.client_id))
        sandbox.stop()
    assert tenants[0] == tenants[1]
