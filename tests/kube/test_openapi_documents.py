"""The OpenAPI v3 documents as kube.openapi puts them together, without a server: every served kind is described
where ``kubectl explain`` looks for it (an operation of its path carrying its group-version-kind, and a schema with
the same), in each release; subresources not served are left out; a CRD's document follows apiextensions-apiserver's
builder; a document's hash changes only with what it describes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from podid.sandbox.kube.machinery.resources import AAD_POD_IDENTITY_TYPES, BUILTIN_TYPES, ResourceType
from podid.sandbox.kube.openapi import Served, builtin
from podid.sandbox.kube.openapi.documents import Documents
from podid.sandbox.kube.openapi.paths import Names

RELEASES = builtin.releases()


def served(
    version: str = "1.29.4", crds: tuple[dict[str, Any], ...] = (), subresources: tuple[str, ...] = ()
) -> Served:
    return Served.of(version, BUILTIN_TYPES + AAD_POD_IDENTITY_TYPES, lambda rt: subresources, crds)


def document(documents: Documents, path: str, what: Served) -> dict[str, Any]:
    found = documents.group_version(path, what)
    assert found is not None, path
    return dict(json.loads(found.body))


def described(doc: dict[str, Any], rt: ResourceType) -> bool:
    """kubectl's plaintext template: the kind's group-version-kind on an operation of its path, then its schema."""
    prefix = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
    gvk = {"group": rt.group, "kind": rt.kind, "version": rt.version}
    candidates = [f"{prefix}/{rt.plural}", f"{prefix}/namespaces/{{namespace}}/{rt.plural}"]
    operations = [
        doc["paths"].get(path, {}).get(method, {}) for path in candidates for method in ("get", "post", "put")
    ]
    schemas = doc["components"]["schemas"].values()
    return any(op.get("x-kubernetes-group-version-kind") == gvk for op in operations) and any(
        gvk in s.get("x-kubernetes-group-version-kind", []) for s in schemas
    )


@pytest.mark.parametrize("release", RELEASES)
def test_every_built_in_kind_is_described_in_every_release(release: str) -> None:
    documents, what = Documents(), served(f"{release}.0")
    for rt in BUILTIN_TYPES:
        path = f"apis/{rt.group}/{rt.version}" if rt.group else f"api/{rt.version}"
        assert described(document(documents, path, what), rt), rt.resource_name


def test_a_cluster_serves_its_own_release_or_the_nearest() -> None:
    assert builtin.release("1.29.4") == "1.29"
    assert builtin.release("1.33.3") == "1.33"
    assert builtin.release("1.26.10") == RELEASES[0]
    assert builtin.release("1.40.0") == RELEASES[-1]


def test_only_served_subresources_have_operations() -> None:
    documents = Documents()
    plain = document(documents, "api/v1", served())["paths"]
    assert "/api/v1/namespaces/{namespace}/pods/{name}" in plain
    assert not any(p.endswith(("/log", "/exec", "/status")) for p in plain)
    streams = document(documents, "api/v1", served(subresources=("log", "exec")))["paths"]
    log = streams["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"]
    assert log["operationId"] == "readCoreV1NamespacedPodLog" and log["description"] == "read log of the specified Pod"
    assert "/api/v1/namespaces/{namespace}/pods/{name}/exec" in streams


def crontab(resource_version: str, established: bool = True, description: str = "") -> dict[str, Any]:
    spec_schema = {
        "type": "object",
        "description": description,
        "properties": {
            "port": {"x-kubernetes-int-or-string": True},
            "template": {"type": "object", "x-kubernetes-embedded-resource": True, "id": "dropped"},
        },
    }
    version = {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": spec_schema}}
    names = {"kind": "CronTab", "plural": "crontabs", "singular": "crontab", "listKind": "CronTabList"}
    condition = {"type": "Established", "status": "True" if established else "False"}
    return {
        "metadata": {"name": "crontabs.stable.example.com", "resourceVersion": resource_version},
        "spec": {"group": "stable.example.com", "scope": "Namespaced", "names": names, "versions": [version]},
        "status": {"acceptedNames": names, "conditions": [condition]},
    }


def test_a_crds_document_follows_the_apiextensions_builder() -> None:
    documents = Documents()
    doc = document(documents, "apis/stable.example.com/v1", served(crds=(crontab("7"),)))
    schemas = doc["components"]["schemas"]
    kind = schemas["com.example.stable.v1.CronTab"]
    assert kind["x-kubernetes-group-version-kind"] == [
        {"group": "stable.example.com", "kind": "CronTab", "version": "v1"}
    ]
    assert kind["properties"]["port"]["anyOf"] == [{"type": "integer"}, {"type": "string"}]
    template = kind["properties"]["template"]
    assert "id" not in template and template["required"] == ["kind", "apiVersion"]
    assert set(template["properties"]) == {"apiVersion", "kind", "metadata"}
    assert kind["properties"]["metadata"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
    ]
    assert schemas["com.example.stable.v1.CronTabList"]["description"] == "CronTabList is a list of CronTab"
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry" in schemas  # ObjectMeta's own references
    collection = doc["paths"]["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs"]
    assert collection["delete"]["operationId"] == "deleteStableExampleComV1CollectionNamespacedCronTab"
    assert collection["post"]["description"] == "create a CronTab" and collection["post"]["tags"] == [
        "stableExampleCom_v1"
    ]
    patch = doc["paths"]["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]["patch"]
    assert "application/strategic-merge-patch+json" not in patch["requestBody"]["content"]
    assert {p["name"] for p in patch["parameters"]} == {"dryRun", "fieldManager", "fieldValidation", "force"}
    every = doc["paths"]["/apis/stable.example.com/v1/crontabs"]["get"]
    assert every["operationId"] == "listStableExampleComV1CronTabForAllNamespaces"


def test_hashes_change_only_with_what_they_describe() -> None:
    documents = Documents()
    first = json.loads(documents.discovery(served(crds=(crontab("7"),))).body)["paths"]
    again = json.loads(documents.discovery(served(crds=(crontab("7"),))).body)["paths"]
    rewritten = json.loads(documents.discovery(served(crds=(crontab("8"),))).body)["paths"]
    changed = json.loads(documents.discovery(served(crds=(crontab("9", description="Runs."),))).body)["paths"]
    assert first == again == rewritten  # the same bytes, the same hash
    assert {k: v for k, v in changed.items() if k != "apis/stable.example.com/v1"} == {
        k: v for k, v in first.items() if k != "apis/stable.example.com/v1"
    }
    assert changed["apis/stable.example.com/v1"] != first["apis/stable.example.com/v1"]
    pending = json.loads(documents.discovery(served(crds=(crontab("10", established=False),))).body)["paths"]
    assert "apis/stable.example.com/v1" not in pending


@pytest.mark.parametrize(
    ("group", "version", "tag", "operation"),
    [
        ("", "v1", "core_v1", "CoreV1"),
        ("rbac.authorization.k8s.io", "v1", "rbacAuthorization_v1", "RbacAuthorizationV1"),
        ("authentication.k8s.io", "v1beta1", "authentication_v1beta1", "AuthenticationV1beta1"),
        ("stable.example.com", "v1", "stableExampleCom_v1", "StableExampleComV1"),
    ],
)
def test_operation_tags_and_ids_name_the_group_version(group: str, version: str, tag: str, operation: str) -> None:
    names = Names(group, version, "Kind", "kinds", "", "")
    assert (names.tag, names.operation) == (tag, operation)
