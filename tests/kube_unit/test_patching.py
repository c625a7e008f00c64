"""``apply_patch``: the PATCH entry point choosing the format from the Content-Type.

Covers: strategic merge for built-ins (the kubectl 1.20 body as bytes), 415 for strategic merge on custom
resources with the apiserver's accepted-types text, JSON merge patch (RFC 7386) as kubectl sends it for CRs,
JSON patch (RFC 6902) as MIC sends it for ``/status/status``, server-side apply bodies, media-type parameters,
and the 400/422 Status errors of malformed or inapplicable patches.
"""

from __future__ import annotations

import json

import pytest

from podid.sandbox.kube.machinery.patching import accepted_patch_types, apply_patch, merge_patch
from podid.sandbox.kube.machinery.resources import AAD_POD_IDENTITY_TYPES, BUILTIN_TYPES, Catalog
from podid.sandbox.kube.machinery.status import KubeApiError

CATALOG = Catalog(BUILTIN_TYPES + AAD_POD_IDENTITY_TYPES)
PODS = CATALOG.named("pods")
BINDINGS = CATALOG.named("aadpodidentity.k8s.io/azureidentitybindings")
ASSIGNED = CATALOG.named("aadpodidentity.k8s.io/azureassignedidentities")
assert PODS and BINDINGS and ASSIGNED

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "demo", "namespace": "default"},
    "spec": {"containers": [{"name": "main", "image": "busybox:1.35", "command": ["sleep", "3600"]}]},
}
BINDING = {
    "apiVersion": "aadpodidentity.k8s.io/v1",
    "kind": "AzureIdentityBinding",
    "metadata": {"name": "demo-binding", "namespace": "default"},
    "spec": {"azureIdentity": "demo", "selector": "demo-id1"},
}


def test_strategic_merge_patch_body_from_kubectl():
    body = (
        b'{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},'
        b'"spec":{"$setElementOrder/containers":[{"name":"main"}],'
        b'"containers":[{"image":"busybox:1.36","name":"main"}]}}'
    )
    result = apply_patch(POD, body, "application/strategic-merge-patch+json", PODS)
    assert result["spec"]["containers"][0] == {"name": "main", "image": "busybox:1.36", "command": ["sleep", "3600"]}


def test_merge_patch_on_custom_resource_from_kubectl():
    body = '{"metadata":{"annotations":{"a":"b"}},"spec":{"selector":"demo-id2"}}'
    result = apply_patch(BINDING, body, "application/merge-patch+json", BINDINGS)
    assert result["spec"] == {"azureIdentity": "demo", "selector": "demo-id2"}
    assert result["metadata"]["annotations"] == {"a": "b"}


def test_merge_patch_replaces_lists_and_null_deletes():
    body = json.dumps({"spec": {"containers": [{"name": "main", "image": "x"}]}, "metadata": {"namespace": None}})
    result = apply_patch(POD, body, "application/merge-patch+json; charset=utf-8", PODS)
    assert result["spec"]["containers"] == [{"name": "main", "image": "x"}]  # no merge keys in RFC 7386
    assert "namespace" not in result["metadata"]


@pytest.mark.parametrize(
    ("target", "patch", "expected"),
    [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_rfc7386_examples(target, patch, expected):
    assert merge_patch(target, patch) == expected


def test_json_patch_as_mic_sends_it():
    assigned = {"kind": "AzureAssignedIdentity", "metadata": {"name": "x"}, "status": {"status": "Created"}}
    body = b'[{"op":"replace","path":"/status/status","value":"Assigned"}]'
    result = apply_patch(assigned, body, "application/json-patch+json", ASSIGNED)
    assert result["status"] == {"status": "Assigned"}
    assert assigned["status"] == {"status": "Created"}


def test_json_patch_on_builtin():
    body = (
        '[{"op":"add","path":"/metadata/labels","value":{"app":"demo"}},'
        '{"op":"remove","path":"/spec/containers/0/command"}]'
    )
    result = apply_patch(POD, body, "application/json-patch+json", PODS)
    assert result["metadata"]["labels"] == {"app": "demo"}
    assert "command" not in result["spec"]["containers"][0]


def test_server_side_apply_body_is_merged():
    body = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: demo\nspec:\n  containers:\n  - name: main\n    image: x:2\n"
    result = apply_patch(POD, body, "application/apply-patch+yaml", PODS)
    assert result["spec"]["containers"][0]["image"] == "x:2"
    assert result["spec"]["containers"][0]["command"] == ["sleep", "3600"]
    created = apply_patch({}, '{"spec": {"selector": "s"}}', "application/apply-patch+yaml", BINDINGS)
    assert created == {"spec": {"selector": "s"}}


def test_strategic_merge_patch_on_custom_resource_is_415():
    with pytest.raises(KubeApiError) as caught:
        apply_patch(BINDING, b"{}", "application/strategic-merge-patch+json", BINDINGS)
    assert caught.value.code == 415
    assert caught.value.status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        "reason": "UnsupportedMediaType",
        "code": 415,
    }


@pytest.mark.parametrize("content_type", [None, "", "application/json", "text/plain"])
def test_unknown_patch_media_types_are_415(content_type):
    with pytest.raises(KubeApiError) as caught:
        apply_patch(POD, b"{}", content_type, PODS)
    assert caught.value.code == 415
    assert "application/strategic-merge-patch+json" in caught.value.status["message"]
    assert accepted_patch_types(PODS)[2] == "application/strategic-merge-patch+json"


@pytest.mark.parametrize(
    ("content_type", "body", "code", "message"),
    [
        ("application/merge-patch+json", b"{not json", 400, "Invalid JSON Patch"),
        ("application/merge-patch+json", b"[1]", 400, "Invalid JSON Patch"),
        ("application/merge-patch+json", b"null", 400, "Invalid JSON Patch"),
        (
            "application/strategic-merge-patch+json",
            b"[1]",
            400,
            "json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
        (
            "application/json-patch+json",
            b'{"op":"add"}',
            400,
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        ),
        (
            "application/json-patch+json",
            b'[{"op":"replace","path":"/status/phase","value":"Running"}]',
            422,
            "the server rejected our request due to an error in our request",
        ),
        (
            "application/json-patch+json",
            b'[{"op":"test","path":"/metadata/name","value":"other"}]',
            422,
            "the server rejected our request due to an error in our request",
        ),
        ("application/json-patch+json", b'[{"op":"frobnicate","path":"/a"}]', 422, None),
        ("application/json-patch+json", b'[{"op":"replace","path":"","value":5}]', 422, None),
        ("application/strategic-merge-patch+json", b"\xff\xfe", 400, None),
        ("application/apply-patch+yaml", b"- a\n- b\n", 400, None),
    ],
)
def test_invalid_patches(content_type, body, code, message):
    with pytest.raises(KubeApiError) as caught:
        apply_patch(POD, body, content_type, PODS)
    assert caught.value.code == code
    assert caught.value.status["reason"] == ("BadRequest" if code == 400 else "Invalid")
    if message is not None:
        assert caught.value.status["message"] == message


def test_strategic_null_body_is_an_empty_patch():
    assert apply_patch(POD, b"null", "application/strategic-merge-patch+json", PODS) == POD
