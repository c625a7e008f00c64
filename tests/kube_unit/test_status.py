"""Status failure bodies, compared whole against what the apiserver sends.

Covers: NotFound / AlreadyExists / Conflict (the stale-resourceVersion text) for core and grouped resources,
Invalid with causes and aggregated messages, BadRequest, Unauthorized, Forbidden (namespaced, cluster-scoped,
subresource, with an authorizer reason), MethodNotAllowed, Expired, InternalError, reason-less errors, and the
FieldError formatting of values (strings quoted, numbers bare, maps as Go ``%#v``).
"""

from __future__ import annotations

import pytest

from podid.sandbox.kube.machinery import status
from podid.sandbox.kube.machinery.resources import AAD_POD_IDENTITY_TYPES, BUILTIN_TYPES, Catalog

CATALOG = Catalog(BUILTIN_TYPES + AAD_POD_IDENTITY_TYPES)
PODS = CATALOG.named("pods")
DEPLOYMENTS = CATALOG.named("apps/deployments")
NODES = CATALOG.named("nodes")
IDENTITIES = CATALOG.named("aadpodidentity.k8s.io/azureidentities")
assert PODS and DEPLOYMENTS and NODES and IDENTITIES

HEAD = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}


def test_not_found_core_and_grouped():
    assert status.not_found(PODS, "demo").status == {
        **HEAD,
        "message": 'pods "demo" not found',
        "reason": "NotFound",
        "details": {"name": "demo", "kind": "pods"},
        "code": 404,
    }
    grouped = status.not_found(DEPLOYMENTS, "web").status
    assert grouped["message"] == 'deployments.apps "web" not found'
    assert grouped["details"] == {"name": "web", "group": "apps", "kind": "deployments"}


def test_path_not_found():
    assert status.path_not_found().status == {
        **HEAD,
        "message": "the server could not find the requested resource",
        "reason": "NotFound",
        "details": {},
        "code": 404,
    }


def test_already_exists_and_conflict():
    exists = status.already_exists(IDENTITIES, "demo")
    assert exists.code == 409
    assert exists.status["message"] == 'azureidentities.aadpodidentity.k8s.io "demo" already exists'
    assert exists.status["details"] == {"name": "demo", "group": "aadpodidentity.k8s.io", "kind": "azureidentities"}
    conflict = status.conflict(PODS, "x")
    assert conflict.status == {
        **HEAD,
        "message": 'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your '
        "changes to the latest version and try again",
        "reason": "Conflict",
        "details": {"name": "x", "kind": "pods"},
        "code": 409,
    }


def test_invalid_with_one_and_several_causes():
    one = status.invalid(PODS, "demo", [status.required("spec.containers[0].image")])
    assert one.status == {
        **HEAD,
        "message": 'Pod "demo" is invalid: spec.containers[0].image: Required value',
        "reason": "Invalid",
        "details": {
            "name": "demo",
            "kind": "Pod",
            "causes": [
                {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].image"}
            ],
        },
        "code": 422,
    }
    errors = [
        status.invalid_value("spec.replicas", -1, "must be greater than or equal to 0"),
        status.required("spec.selector"),
        status.required("spec.selector"),
    ]
    several = status.invalid(DEPLOYMENTS, "web", errors)
    assert several.status["message"] == (
        'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, '
        "spec.selector: Required value]"
    )
    assert several.status["details"]["group"] == "apps"
    assert len(several.status["details"]["causes"]) == 3


@pytest.mark.parametrize(
    ("error", "text", "reason"),
    [
        (
            status.invalid_value("metadata.name", "Foo", "bad"),
            'metadata.name: Invalid value: "Foo": bad',
            "FieldValueInvalid",
        ),
        (status.invalid_value("spec.port", 0, "bad"), "spec.port: Invalid value: 0: bad", "FieldValueInvalid"),
        (status.invalid_value("x", 2.0, "bad"), "x: Invalid value: 2: bad", "FieldValueInvalid"),
        (status.invalid_value("x", True, "bad"), "x: Invalid value: true: bad", "FieldValueInvalid"),
        (status.invalid_value("x", None, "bad"), "x: Invalid value: null: bad", "FieldValueInvalid"),
        (
            status.invalid_value("spec.template.metadata.labels", {"b": "2", "a": "1"}, "no match"),
            'spec.template.metadata.labels: Invalid value: map[string]string{"a":"1", "b":"2"}: no match',
            "FieldValueInvalid",
        ),
        (
            status.not_supported("spec.type", "Foo", ["ClusterIP", "NodePort"]),
            'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "NodePort"',
            "FieldValueNotSupported",
        ),
        (
            status.duplicate("spec.containers[1].name", "main"),
            'spec.containers[1].name: Duplicate value: "main"',
            "FieldValueDuplicate",
        ),
        (status.forbidden_field("spec.x", "not allowed"), "spec.x: Forbidden: not allowed", "FieldValueForbidden"),
        (
            status.required("metadata.name", "name or generateName is required"),
            "metadata.name: Required value: name or generateName is required",
            "FieldValueRequired",
        ),
    ],
)
def test_field_error_texts(error, text, reason):
    assert str(error) == text
    assert error.cause()["reason"] == reason
    assert error.cause()["field"] == text.split(": ", 1)[0]


def test_bad_request_and_unauthorized():
    assert status.bad_request("nope").status == {**HEAD, "message": "nope", "reason": "BadRequest", "code": 400}
    assert status.unauthorized().status == {**HEAD, "message": "Unauthorized", "reason": "Unauthorized", "code": 401}


def test_forbidden_messages():
    listing = status.forbidden("", "pods", user="system:serviceaccount:default:demo", verb="list", namespace="default")
    assert listing.status == {
        **HEAD,
        "message": 'pods is forbidden: User "system:serviceaccount:default:demo" cannot list resource "pods" in API '
        'group "" in the namespace "default"',
        "reason": "Forbidden",
        "details": {"kind": "pods"},
        "code": 403,
    }
    named = status.forbidden("apps", "deployments", user="u", verb="get", name="web", namespace="ns")
    assert named.status["message"] == (
        'deployments.apps "web" is forbidden: User "u" cannot get resource "deployments" in API group "apps" in the '
        'namespace "ns"'
    )
    assert named.status["details"] == {"name": "web", "group": "apps", "kind": "deployments"}
    nodes = status.forbidden("", "nodes", user="u", verb="list")
    assert nodes.status["message"].endswith('cannot list resource "nodes" in API group "" at the cluster scope')
    logs = status.forbidden("", "pods", user="u", verb="get", name="p", namespace="ns", subresource="log")
    assert 'cannot get resource "pods/log"' in logs.status["message"]
    assert logs.status["details"] == {"name": "p", "kind": "pods"}
    path = status.forbidden_path(user="u", verb="get", path="/apis")
    assert path.status["message"] == 'forbidden: User "u" cannot get path "/apis"' and path.status["details"] == {}


def test_method_not_allowed_media_type_expired_internal():
    assert status.method_not_allowed(NODES, "deletecollection").status["message"] == (
        'deletecollection is not supported on resources of kind "nodes"'
    )
    assert status.method_not_allowed().status["message"] == (
        "the server does not allow this method on the requested resource"
    )
    assert status.expired("too old resource version: 5 (20)").status == {
        **HEAD,
        "message": "too old resource version: 5 (20)",
        "reason": "Expired",
        "code": 410,
    }
    assert status.internal_error("boom").status == {
        **HEAD,
        "message": "Internal error occurred: boom",
        "reason": "InternalError",
        "details": {"causes": [{"message": "boom"}]},
        "code": 500,
    }
    assert status.unknown_error("odd").status == {**HEAD, "message": "odd", "code": 500}


def test_kube_api_error_carries_code_and_message():
    error = status.not_found(PODS, "demo")
    assert isinstance(error, Exception)
    assert (error.code, error.reason, str(error)) == (404, "NotFound", 'pods "demo" not found')
