"""Object validation on create/update.

Covers: name rules per kind (RFC 1123 subdomain, RFC 1123 label for namespaces, DNS-1035 label for services)
with the apimachinery texts, required name and namespace, label keys/values and annotation keys, pod containers
(name, image, duplicates, ports, env), deployment/replica set selectors against template labels, service ports
and types, custom resource type checks, and the 422 Invalid Status that ``validate`` raises.
"""

from __future__ import annotations

import copy

import pytest

from podid.sandbox.kube.machinery.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
)
from podid.sandbox.kube.machinery.resources import AAD_POD_IDENTITY_TYPES, BUILTIN_TYPES, Catalog
from podid.sandbox.kube.machinery.status import KubeApiError
from podid.sandbox.kube.validation.kinds import validate, validation_errors

CATALOG = Catalog(BUILTIN_TYPES + AAD_POD_IDENTITY_TYPES)

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
    "is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)


def _errors(obj: dict, resource: str) -> list[str]:
    rt = CATALOG.named(resource)
    assert rt is not None
    return [str(e) for e in validation_errors(obj, rt)]


def _pod(**spec: object) -> dict:
    containers = [{"name": "main", "image": "busybox"}]
    return {"metadata": {"name": "demo", "namespace": "default"}, "spec": {"containers": containers, **spec}}


@pytest.mark.parametrize(
    ("check", "value", "problems"),
    [
        (is_dns1123_subdomain, "my-app.example", []),
        (is_dns1123_subdomain, "My_App", [SUBDOMAIN_MSG]),
        (is_dns1123_subdomain, "a" * 254, ["must be no more than 253 characters"]),
        (is_dns1123_label, "kube-system", []),
        (is_dns1123_label, "a.b", ["must not contain dots"]),
        (is_dns1123_label, "-a", [LABEL_MSG]),
        (is_qualified_name, "kubernetes.io/role", []),
        (is_qualified_name, "/x", ["prefix part must be non-empty"]),
        (
            is_qualified_name,
            "a/b/c",
            [
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix "
                "and '/' (e.g. 'example.com/MyName')"
            ],
        ),
        (is_valid_label_value, "", []),
        (is_valid_label_value, "x" * 64, ["must be no more than 63 characters"]),
    ],
)
def test_name_checks(check, value, problems):
    assert check(value) == problems


@pytest.mark.parametrize(
    ("resource", "name", "expected"),
    [
        ("pods", "web.v1", []),
        ("pods", "Web", [f'metadata.name: Invalid value: "Web": {SUBDOMAIN_MSG}']),
        ("namespaces", "team.a", ['metadata.name: Invalid value: "team.a": must not contain dots']),
        ("services", "1web", [f'metadata.name: Invalid value: "1web": {DNS1035_MSG}']),
        ("aadpodidentity.k8s.io/azureidentities", "Demo", [f'metadata.name: Invalid value: "Demo": {SUBDOMAIN_MSG}']),
    ],
)
def test_object_names_per_kind(resource, name, expected):
    namespace = {} if resource == "namespaces" else {"namespace": "default"}
    obj = {"metadata": {"name": name, **namespace}, "spec": {"ports": [{"port": 80}]}}
    if resource == "pods":
        obj["spec"] = _pod()["spec"]
    assert _errors(obj, resource) == expected


def test_missing_name_and_namespace():
    assert _errors({"metadata": {}, "spec": _pod()["spec"]}, "pods") == [
        "metadata.name: Required value: name or generateName is required",
        "metadata.namespace: Required value",
    ]


def test_labels_and_annotations():
    obj = _pod()
    obj["metadata"]["labels"] = {"app": "web", "bad key": "x", "ok": "-bad-"}
    obj["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "{}", "a/b/c": ""}
    errors = _errors(obj, "pods")
    assert len(errors) == 3
    assert errors[0].startswith('metadata.labels: Invalid value: "bad key": name part must consist of')
    assert errors[1].startswith('metadata.labels: Invalid value: "-bad-": a valid label must be an empty string')
    assert errors[2].startswith('metadata.annotations: Invalid value: "a/b/c": a qualified name must consist')


def test_pod_containers():
    obj = _pod()
    obj["spec"]["containers"] = [
        {"name": "main"},
        {"name": "main", "image": "x", "ports": [{"containerPort": 0}, {"containerPort": 80, "protocol": "HTTP"}]},
        {"image": "y", "env": [{"value": "1"}]},
    ]
    obj["spec"]["restartPolicy"] = "Sometimes"
    assert _errors(obj, "pods") == [
        "spec.containers[0].image: Required value",
        'spec.containers[1].name: Duplicate value: "main"',
        "spec.containers[1].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        'spec.containers[1].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        "spec.containers[2].name: Required value",
        "spec.containers[2].env[0].name: Required value",
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
    ]


def test_pod_without_containers_and_bad_container_name():
    assert _errors(_pod(containers=[]), "pods") == ["spec.containers: Required value"]
    errors = _errors(_pod(containers=[{"name": "Main", "image": "x"}]), "pods")
    assert errors == [f'spec.containers[0].name: Invalid value: "Main": {LABEL_MSG}']


def _deployment(selector: object, labels: dict) -> dict:
    return {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 1,
            "selector": selector,
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "main", "image": "x"}]}},
        },
    }


def test_deployment_selector_must_match_template_labels():
    assert _errors(_deployment({"matchLabels": {"app": "web"}}, {"app": "web", "tier": "a"}), "apps/deployments") == []
    errors = _errors(_deployment({"matchLabels": {"app": "web"}}, {"app": "api"}), "apps/deployments")
    assert errors == [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"api"}: '
        "`selector` does not match template `labels`"
    ]


def test_deployment_selector_required_and_not_empty():
    missing = _deployment(None, {"app": "web"})
    del missing["spec"]["selector"]
    assert _errors(missing, "apps/deployments") == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
        "`selector` does not match template `labels`",
    ]
    empty = _errors(_deployment({}, {"app": "web"}), "apps/deployments")
    assert empty == [
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"
    ]
    empty_labels = _errors(_deployment({"matchLabels": {}}, {"app": "web"}), "apps/deployments")
    assert "MatchLabels:map[string]string{}, " in empty_labels[0]


def test_replicaset_template_rules():
    rs = _deployment({"matchLabels": {"app": "web"}}, {"app": "web"})
    rs["spec"]["replicas"] = -1
    rs["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert _errors(rs, "apps/replicasets") == [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]


def _service(**spec: object) -> dict:
    return {"metadata": {"name": "web", "namespace": "default"}, "spec": spec}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"ports": [{"port": 80}]}, []),
        ({}, ["spec.ports: Required value"]),
        ({"clusterIP": "None"}, []),
        ({"type": "ExternalName", "externalName": "example.com"}, []),
        (
            {"type": "Balanced", "ports": [{"port": 80}]},
            [
                'spec.type: Unsupported value: "Balanced": supported values: "ClusterIP", "ExternalName", '
                '"LoadBalancer", "NodePort"'
            ],
        ),
        ({"ports": [{"port": 80, "name": "http"}, {"port": 443}]}, ["spec.ports[1].name: Required value"]),
        (
            {"ports": [{"port": 80, "name": "http"}, {"port": 81, "name": "http"}]},
            ['spec.ports[1].name: Duplicate value: "http"'],
        ),
        (
            {"ports": [{"port": 70000, "targetPort": 0}]},
            [
                "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
            ],
        ),
    ],
)
def test_service_ports(spec, expected):
    assert _errors(_service(**spec), "services") == expected


def test_custom_resource_types_are_checked():
    identity = {
        "metadata": {"name": "demo", "namespace": "default"},
        "spec": {"type": "zero", "clientID": None, "auxiliaryTenantIDs": None, "clientPassword": {"name": 5}},
    }
    assert _errors(identity, "aadpodidentity.k8s.io/azureidentities") == [
        'spec.type: Invalid value: "string": spec.type in body must be of type integer: "string"',
        'spec.clientID: Invalid value: "null": spec.clientID in body must be of type string: "null"',
        'spec.clientPassword.name: Invalid value: "integer": spec.clientPassword.name in body must be of type '
        'string: "integer"',
    ]


def test_validate_raises_invalid_status():
    pod = _pod()
    pod["spec"]["containers"][0]["image"] = ""
    pods = CATALOG.named("pods")
    assert pods is not None
    with pytest.raises(KubeApiError) as caught:
        validate(pod, pods)
    assert caught.value.code == 422
    assert caught.value.status["message"] == 'Pod "demo" is invalid: spec.containers[0].image: Required value'
    assert caught.value.status["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].image"}
    ]
    valid = copy.deepcopy(_pod())
    validate(valid, pods)  # no exception
