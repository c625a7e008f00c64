"""APIServices (apiregistration.k8s.io/v1), through the kubernetes client's ApiregistrationV1Api, its
create-from-YAML utility and kubectl.

Covers: an APIService is created, read, listed, patched and deleted; creating it again is the apiserver's 409
AlreadyExists Status, which ``utils.create_from_yaml`` prints as kubernetes-client/python's e2e suite expects
(``test_create_apiservice_from_yaml_with_conflict``); discovery lists ``apiservices`` (and its ``status``) in
the ``api-extensions`` category; ``kubectl get apiservices`` and ``kubectl explain apiservice.spec`` find it,
and ``kubectl get`` prints kube-aggregator's columns: the service (or ``Local``) and the ``Available`` condition
with its reason (``Unknown`` without one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import utils
from kubernetes.client.rest import ApiException

from tests.kube.conftest import Kubectl


def api_service(group: str) -> dict[str, Any]:
    """The e2e suite's test_yaml/api-service.yaml, for another group."""
    return {
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {"name": f"v1alpha1.{group}"},
        "spec": {
            "insecureSkipTLSVerify": True,
            "group": group,
            "groupPriorityMinimum": 1000,
            "versionPriority": 15,
            "service": {"name": "api", "namespace": "wardle"},
            "version": "v1alpha1",
        },
    }


@pytest.fixture
def registration(api_client: k8s.ApiClient) -> k8s.ApiregistrationV1Api:
    return k8s.ApiregistrationV1Api(api_client)


@pytest.fixture
def group(registration: k8s.ApiregistrationV1Api, unique: str) -> Iterator[str]:
    name = f"{unique}.wardle.example.com"
    yield name
    try:
        registration.delete_api_service(f"v1alpha1.{name}")
    except ApiException as gone:
        assert gone.status == 404


def test_an_api_service_is_stored_and_served(registration: k8s.ApiregistrationV1Api, group: str) -> None:
    name = f"v1alpha1.{group}"
    created = registration.create_api_service(api_service(group))
    assert (created.metadata.name, created.spec.group, created.spec.version) == (name, group, "v1alpha1")
    assert created.spec.service.namespace == "wardle" and created.spec.group_priority_minimum == 1000
    assert registration.read_api_service(name).spec.version_priority == 15
    assert name in [item.metadata.name for item in registration.list_api_service().items]
    patched = registration.patch_api_service(name, {"metadata": {"labels": {"tier": "extension"}}})
    assert patched.metadata.labels == {"tier": "extension"}
    registration.delete_api_service(name)
    with pytest.raises(ApiException) as missing:
        registration.read_api_service(name)
    assert missing.value.status == 404


def test_a_second_create_is_the_apiservers_conflict(api_client: k8s.ApiClient, group: str) -> None:
    utils.create_from_dict(api_client, api_service(group))
    with pytest.raises(utils.FailToCreateError) as conflict:
        utils.create_from_dict(api_client, api_service(group))
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f'apiservices.apiregistration.k8s.io "v1alpha1.{group}" already exists',
        "reason": "AlreadyExists",
        "details": {"name": f"v1alpha1.{group}", "group": "apiregistration.k8s.io", "kind": "apiservices"},
        "code": 409,
    }
    assert str(conflict.value) == f"Error from server (Conflict): {json.dumps(status, separators=(',', ':'))}\n"


def test_discovery_and_kubectl_find_api_services(api_client: k8s.ApiClient, kubectl: Kubectl, group: str) -> None:
    resources = k8s.ApiregistrationV1Api(api_client).get_api_resources().resources
    served = {r.name: r for r in resources}
    assert served["apiservices"].kind == "APIService" and not served["apiservices"].namespaced
    assert served["apiservices"].categories == ["api-extensions"]
    assert sorted(served["apiservices/status"].verbs) == ["get", "patch", "update"]
    utils.create_from_dict(api_client, api_service(group))
    listed = f"apiservice.apiregistration.k8s.io/v1alpha1.{group}"
    assert listed in kubectl("get", "apiservices", "-o", "name").split()
    assert listed in kubectl("get", "api-extensions", "-o", "name").split()
    assert "groupPriorityMinimum" in kubectl("explain", "apiservice.spec")


def test_kubectl_prints_the_service_and_availability(
    registration: k8s.ApiregistrationV1Api, kubectl: Kubectl, group: str
) -> None:
    name = f"v1alpha1.{group}"
    registration.create_api_service(api_service(group))
    assert kubectl("get", "apiservice", name).split()[:7] == [
        "NAME",
        "SERVICE",
        "AVAILABLE",
        "AGE",
        name,
        "wardle/api",
        "Unknown",
    ]
    condition = {
        "type": "Available",
        "status": "False",
        "reason": "ServiceNotFound",
        "message": 'service/api in "wardle" is not present',
    }
    registration.patch_api_service_status(name, {"status": {"conditions": [condition]}})
    assert kubectl("get", "apiservice", name).split()[5:8] == ["wardle/api", "False", "(ServiceNotFound)"]
    registration.patch_api_service(name, {"spec": {"service": None}})
    registration.patch_api_service_status(
        name, {"status": {"conditions": [{**condition, "status": "True", "reason": "Local"}]}}
    )
    assert kubectl("get", "apiservice", name).split()[5:7] == ["Local", "True"]
