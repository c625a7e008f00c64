"""A CRD with two served versions: objects are stored in the storage version and served in the version asked for
(strategy None rewrites the apiVersion), through the Python client, watches and kubectl; with the Webhook strategy
every conversion fails as the apiserver's does when the webhook cannot be reached."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch

from tests.kube.conftest import Kubectl, crontab_crd

SCHEMA = {
    "openAPIV3Schema": {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"cron": {"type": "string"}}}},
    }
}


def two_versions(group: str, conversion: dict[str, Any]) -> dict[str, Any]:
    versions = [
        {"name": "v1beta1", "served": True, "storage": False, "schema": SCHEMA},
        {"name": "v1", "served": True, "storage": True, "schema": SCHEMA},
    ]
    return crontab_crd(group, versions, conversion=conversion)


def crontab(group: str, version: str, name: str) -> dict[str, Any]:
    return {"apiVersion": f"{group}/{version}", "kind": "CronTab", "metadata": {"name": name}, "spec": {"cron": "* *"}}


def test_objects_are_served_in_the_version_asked_for(
    api_client: k8s.ApiClient, custom: k8s.CustomObjectsApi, namespace: str, unique: str
) -> None:
    group = f"{unique}.versions.example.com"
    extensions = k8s.ApiextensionsV1Api(api_client)
    extensions.create_custom_resource_definition(two_versions(group, {"strategy": "None"}))
    created = custom.create_namespaced_custom_object(
        group, "v1beta1", namespace, "crontabs", crontab(group, "v1beta1", "old")
    )
    assert created["apiVersion"] == f"{group}/v1beta1"
    stream = k8s_watch.Watch().stream(
        custom.list_namespaced_custom_object, group, "v1beta1", namespace, "crontabs", timeout_seconds=5
    )
    first = next(stream)  # the watch is open: its initial ADDED
    custom.create_namespaced_custom_object(group, "v1", namespace, "crontabs", crontab(group, "v1", "new"))
    seen = [(e["type"], e["object"]["metadata"]["name"], e["object"]["apiVersion"]) for e in (first, next(stream))]
    stream.close()
    assert seen == [("ADDED", "old", f"{group}/v1beta1"), ("ADDED", "new", f"{group}/v1beta1")]

    assert custom.get_namespaced_custom_object(group, "v1", namespace, "crontabs", "old")["apiVersion"] == (
        f"{group}/v1"
    )
    for version in ("v1", "v1beta1"):
        listed = custom.list_namespaced_custom_object(group, version, namespace, "crontabs")
        assert {item["apiVersion"] for item in listed["items"]} == {f"{group}/{version}"}
        assert listed["apiVersion"] == f"{group}/{version}"

    patched = custom.patch_namespaced_custom_object(
        group, "v1beta1", namespace, "crontabs", "new", {"spec": {"cron": "0 0"}}
    )
    assert (patched["apiVersion"], patched["spec"]) == (f"{group}/v1beta1", {"cron": "0 0"})
    crd = extensions.read_custom_resource_definition(f"crontabs.{group}")
    assert crd.status.stored_versions == ["v1"]


def test_kubectl_reads_either_version(kubectl: Kubectl, namespace: str, unique: str, tmp_path: Path) -> None:
    group = f"{unique}.versions.example.com"
    (tmp_path / "crd.json").write_text(json.dumps(two_versions(group, {"strategy": "None"})))
    kubectl("apply", "-f", str(tmp_path / "crd.json"))
    (tmp_path / "c.json").write_text(json.dumps(crontab(group, "v1beta1", "daily")))
    assert kubectl("apply", "-n", namespace, "-f", str(tmp_path / "c.json")).strip() == (
        f"crontab.{group}/daily created"
    )
    for version in ("v1", "v1beta1"):
        shown = kubectl("get", "-n", namespace, f"crontabs.{version}.{group}", "daily", "-o", "jsonpath={.apiVersion}")
        assert shown == f"{group}/{version}"


def test_an_unreachable_conversion_webhook_fails_each_conversion(
    api_client: k8s.ApiClient, custom: k8s.CustomObjectsApi, namespace: str, unique: str
) -> None:
    group = f"{unique}.webhook.example.com"
    service = {"name": "converter", "namespace": "default", "path": "/convert"}
    webhook = {"clientConfig": {"service": service}, "conversionReviewVersions": ["v1"]}
    k8s.ApiextensionsV1Api(api_client).create_custom_resource_definition(
        two_versions(group, {"strategy": "Webhook", "webhook": webhook})
    )
    custom.create_namespaced_custom_object(group, "v1", namespace, "crontabs", crontab(group, "v1", "stored"))
    assert custom.get_namespaced_custom_object(group, "v1", namespace, "crontabs", "stored")["spec"] == {"cron": "* *"}

    post = 'Post "https://converter.default.svc:443/convert?timeout=30s": service "converter" not found'
    with pytest.raises(k8s.ApiException) as read:
        custom.get_namespaced_custom_object(group, "v1beta1", namespace, "crontabs", "stored")
    with pytest.raises(k8s.ApiException) as written:
        custom.create_namespaced_custom_object(
            group, "v1beta1", namespace, "crontabs", crontab(group, "v1beta1", "other")
        )
    for error, version in ((read.value, "v1"), (written.value, "v1beta1")):
        status = json.loads(error.body)
        assert (error.status, status.get("reason", "")) == (500, "")
        assert status["message"] == f"conversion webhook for {group}/{version}, Kind=CronTab failed: {post}"
