"""The workload identity webhook's pod mutation (v1.0 to v1.5), as a pure function.

Covers: only pods labelled ``azure.workload.identity/use: "true"`` change; the four variables from the
ServiceAccount's annotations (tenant defaulting to the webhook's, an empty client id kept as a bare name),
added only when absent; init containers too; ``skip-containers``; the read-only mount and the projected
``azure-identity-token`` volume (audience, lifetime from the pod annotation, then the account's, else 3600);
idempotence on a second pass; the 400 denials for a lifetime out of range or unparsable, with the API
server's Status.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from podid.sandbox.workloadidentity.webhook import WebhookDenied, mutate

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
AUTHORITY = "https://login.microsoftonline.com/"
CLIENT = "3b9e0c1a-0000-4000-8000-000000000001"
TOKEN_FILE = "/var/run/secrets/azure/tokens/azure-identity-token"
MOUNT = {"name": "azure-identity-token", "readOnly": True, "mountPath": "/var/run/secrets/azure/tokens"}


def pod(
    *containers: dict[str, Any],
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    init: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "web", "namespace": "apps", "labels": labels or {}}
    if annotations:
        metadata["annotations"] = annotations
    spec: dict[str, Any] = {"serviceAccountName": "web-sa", "containers": list(containers or [{"name": "app"}])}
    if init:
        spec["initContainers"] = list(init)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


USE = {"azure.workload.identity/use": "true"}


def account(**annotations: str) -> dict[str, Any]:
    return {"metadata": {"name": "web-sa", "namespace": "apps", "annotations": annotations}}


ANNOTATED = account(**{"azure.workload.identity/client-id": CLIENT})


def env_of(container: dict[str, Any]) -> dict[str, str | None]:
    return {item["name"]: item.get("value") for item in container.get("env", [])}


def test_labelled_pod_gets_the_variables_mount_and_token_volume() -> None:
    admitted = mutate(pod(labels=USE), ANNOTATED, TENANT, AUTHORITY)
    [container] = admitted["spec"]["containers"]
    assert container["env"] == [
        {"name": "AZURE_CLIENT_ID", "value": CLIENT},
        {"name": "AZURE_TENANT_ID", "value": TENANT},
        {"name": "AZURE_FEDERATED_TOKEN_FILE", "value": TOKEN_FILE},
        {"name": "AZURE_AUTHORITY_HOST", "value": AUTHORITY},
    ]
    assert container["volumeMounts"] == [MOUNT]
    assert admitted["spec"]["volumes"] == [
        {
            "name": "azure-identity-token",
            "projected": {
                "sources": [
                    {
                        "serviceAccountToken": {
                            "path": "azure-identity-token",
                            "expirationSeconds": 3600,
                            "audience": "api://AzureADTokenExchange",
                        }
                    }
                ]
            },
        }
    ]


@pytest.mark.parametrize(
    "labels",
    [{}, {"azure.workload.identity/use": "True"}, {"azure.workload.identity/use": "yes"}, {"app": "web"}],
)
def test_pods_without_the_exact_label_are_left_alone(labels: dict[str, str]) -> None:
    original = pod(labels=labels)
    assert mutate(copy.deepcopy(original), ANNOTATED, TENANT, AUTHORITY) == original


def test_the_input_pod_is_not_changed() -> None:
    original = pod(labels=USE)
    before = copy.deepcopy(original)
    mutate(original, ANNOTATED, TENANT, AUTHORITY)
    assert original == before


@pytest.mark.parametrize(
    ("annotations", "client", "tenant"),
    [
        ({"azure.workload.identity/client-id": CLIENT}, CLIENT, TENANT),
        (
            {"azure.workload.identity/client-id": CLIENT, "azure.workload.identity/tenant-id": "other-tenant"},
            CLIENT,
            "other-tenant",
        ),
        ({}, None, TENANT),  # since v1.5.1 an empty client id adds no variable
        ({"azure.workload.identity/tenant-id": ""}, None, None),  # an empty annotation still wins: no tenant
    ],
)
def test_client_and_tenant_come_from_the_service_account(
    annotations: dict[str, str], client: str | None, tenant: str | None
) -> None:
    admitted = mutate(pod(labels=USE), account(**annotations), TENANT, AUTHORITY)
    env = env_of(admitted["spec"]["containers"][0])
    assert env.get("AZURE_CLIENT_ID") == client
    assert env.get("AZURE_TENANT_ID") == tenant
    expected = {"AZURE_CLIENT_ID": client, "AZURE_TENANT_ID": tenant}
    assert list(env) == [
        *(name for name, value in expected.items() if value),
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_AUTHORITY_HOST",
    ]


def test_variables_already_set_are_kept() -> None:
    container = {"name": "app", "env": [{"name": "AZURE_CLIENT_ID", "value": "mine"}, {"name": "AZURE_TENANT_ID"}]}
    admitted = mutate(pod(container, labels=USE), ANNOTATED, TENANT, AUTHORITY)
    assert admitted["spec"]["containers"][0]["env"] == [
        {"name": "AZURE_CLIENT_ID", "value": "mine"},
        {"name": "AZURE_TENANT_ID"},
        {"name": "AZURE_FEDERATED_TOKEN_FILE", "value": TOKEN_FILE},
        {"name": "AZURE_AUTHORITY_HOST", "value": AUTHORITY},
    ]


def test_init_containers_are_mutated_and_skipped_containers_are_not() -> None:
    labelled = pod(
        {"name": "app"},
        {"name": "sidecar"},
        {"name": "probe"},
        labels=USE,
        annotations={"azure.workload.identity/skip-containers": "sidecar; init-db"},
        init=({"name": "init-db"}, {"name": "init-dns"}),
    )
    admitted = mutate(labelled, ANNOTATED, TENANT, AUTHORITY)
    spec = admitted["spec"]
    changed = {c["name"] for c in spec["containers"] + spec["initContainers"] if "AZURE_CLIENT_ID" in env_of(c)}
    assert changed == {"app", "probe", "init-dns"}
    assert {c["name"] for c in spec["containers"] + spec["initContainers"] if c.get("volumeMounts")} == changed
    assert [volume["name"] for volume in spec["volumes"]] == ["azure-identity-token"]


@pytest.mark.parametrize(
    ("pod_value", "account_value", "seconds"),
    [(None, None, 3600), ("86400", None, 86400), (None, "7200", 7200), ("3600", "86400", 3600), ("", "5000", 5000)],
)
def test_token_lifetime_from_the_pod_then_the_account(
    pod_value: str | None, account_value: str | None, seconds: int
) -> None:
    key = "azure.workload.identity/service-account-token-expiration"
    pod_annotations = {key: pod_value} if pod_value is not None else None
    sa = account(**{"azure.workload.identity/client-id": CLIENT, **({key: account_value} if account_value else {})})
    admitted = mutate(pod(labels=USE, annotations=pod_annotations), sa, TENANT, AUTHORITY)
    [volume] = admitted["spec"]["volumes"]
    assert volume["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3599", "token expiration 3599 not valid. Expected value to be between 3600 and 86400"),
        ("86401", "token expiration 86401 not valid. Expected value to be between 3600 and 86400"),
        ("-1", "token expiration -1 not valid. Expected value to be between 3600 and 86400"),
        ("1h", 'strconv.ParseInt: parsing "1h": invalid syntax'),
        (" 3600", 'strconv.ParseInt: parsing " 3600": invalid syntax'),
        ("9223372036854775808", 'strconv.ParseInt: parsing "9223372036854775808": value out of range'),
    ],
)
def test_a_bad_token_lifetime_denies_the_pod_with_400(value: str, message: str) -> None:
    annotations = {"azure.workload.identity/service-account-token-expiration": value}
    with pytest.raises(WebhookDenied) as denied:
        mutate(pod(labels=USE, annotations=annotations), ANNOTATED, TENANT, AUTHORITY)
    assert denied.value.code == 400
    assert denied.value.status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f'admission webhook "mutation.azure-workload-identity.io" denied the request: {message}',
        "code": 400,
    }


def test_a_second_pass_changes_nothing() -> None:
    once = mutate(pod(labels=USE), ANNOTATED, TENANT, AUTHORITY)
    assert mutate(once, ANNOTATED, TENANT, AUTHORITY) == once


def test_an_existing_token_projection_or_mount_is_not_duplicated() -> None:
    existing_volume = {
        "name": "my-token",
        "projected": {"sources": [{"serviceAccountToken": {"path": "azure-identity-token", "audience": "x"}}]},
    }
    container = {"name": "app", "volumeMounts": [{"name": "azure-identity-token", "mountPath": "/elsewhere"}]}
    labelled = pod(container, labels=USE)
    labelled["spec"]["volumes"] = [existing_volume]
    admitted = mutate(labelled, ANNOTATED, TENANT, AUTHORITY)
    assert admitted["spec"]["volumes"] == [existing_volume]
    assert admitted["spec"]["containers"][0]["volumeMounts"] == [
        {"name": "azure-identity-token", "mountPath": "/elsewhere"}
    ]


def test_null_lists_are_filled() -> None:
    labelled = pod({"name": "app", "env": None, "volumeMounts": None}, labels=USE)
    labelled["spec"]["volumes"] = None
    admitted = mutate(labelled, ANNOTATED, TENANT, AUTHORITY)
    assert admitted["spec"]["containers"][0]["volumeMounts"] == [MOUNT]
    assert len(admitted["spec"]["volumes"]) == 1
