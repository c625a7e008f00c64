"""Responses in protobuf where the client prefers it, on a cluster at 1.33 (so the dispatcher runs kubectl 1.33).

kubectl 1.33's typed clients send ``Accept: application/vnd.kubernetes.protobuf,application/json``: ``create``
gets the created object, ``describe`` the object and lists (events, pods) and ``events -w`` a watch stream, all in
protobuf, and an AlreadyExists Status in protobuf is printed as kubectl prints it. Over HTTP, the Accept header
decides as the apiserver's negotiation does (highest q first, ``*/*`` is JSON, Table stays JSON); a protobuf watch
is length-prefixed WatchEvent frames; a custom resource asked for in protobuf is the serializer's 406; the
kubernetes Python client (``Accept: application/json``) still gets JSON.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.sandbox import Endpoints, Sandbox
from podid.sandbox.kube.machinery.protobuf import PROTOBUF, decode_body
from tests.kube.conftest import KUBECTL, KubeCluster, Kubectl, new_cluster
from tests.kube.protobuf_wire import decode_status, frames, unwrap

KUBECTL_ACCEPT = f"{PROTOBUF},application/json"


@pytest.fixture(scope="module")
def kube133(sandbox: Sandbox, endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> KubeCluster:
    return new_cluster(sandbox, endpoints, tmp_path_factory.mktemp("kube133"), "protobuf133", "1.33.3")


@pytest.fixture(scope="module")
def core133(kube133: KubeCluster) -> Iterator[k8s.CoreV1Api]:
    api_client = k8s_config.new_client_from_config(config_file=str(kube133.kubeconfig))
    yield k8s.CoreV1Api(api_client)
    api_client.close()


def _responses(stderr: str) -> list[tuple[str, str]]:
    """(Accept, Content-Type) of each request and its response in kubectl's -v=8 log."""
    pairs, accept, in_response = [], "", False
    for line in stderr.splitlines():
        header, _, value = line.strip().partition(": ")
        if '"Request"' in line or '"Response"' in line:
            in_response = '"Response"' in line
        elif header == "Accept" and not in_response:
            accept = value
        elif header == "Content-Type" and in_response:
            pairs.append((accept, value))
            in_response = False
    return pairs


def _response_types(stderr: str) -> list[str]:
    return [content_type for _, content_type in _responses(stderr)]


def test_kubectl_133_create_describe_and_errors(kube133: KubeCluster, tmp_path: Path, unique: str) -> None:
    kubectl = Kubectl(kube133.kubeconfig, tmp_path / "cache")
    version = kubectl("version", "--client", "-o", "json")
    assert '"minor": "33"' in version
    created = kubectl.run("-v=8", "create", "namespace", unique)
    assert created.stdout == f"namespace/{unique} created\n"
    assert _response_types(created.stderr) == [PROTOBUF]
    kubectl("-n", unique, "create", "configmap", "settings", "--from-literal=mode=fast")
    kubectl("-n", unique, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=0")

    described = kubectl.run("-v=8", "-n", unique, "describe", "configmap", "settings")
    assert "mode:\n----\nfast" in described.stdout
    assert "Events:  <none>" in described.stdout
    # the builder reads the configmap as JSON; describe's typed client reads it and lists its events in protobuf
    typed = [content_type for accept, content_type in _responses(described.stderr) if accept == KUBECTL_ACCEPT]
    assert typed == [PROTOBUF, PROTOBUF]
    deployment = kubectl("-n", unique, "describe", "deployment", "web")
    assert "Replicas:               0 desired" in deployment
    assert "nginx:1.25" in deployment

    again = kubectl.run("-v=8", "create", "namespace", unique, check=False)
    assert again.returncode == 1
    assert again.stderr.splitlines()[-1] == f'Error from server (AlreadyExists): namespaces "{unique}" already exists'
    assert _response_types(again.stderr) == [PROTOBUF]


def test_kubectl_133_events_watch_in_protobuf(
    kube133: KubeCluster, core133: k8s.CoreV1Api, tmp_path: Path, unique: str
) -> None:
    core133.create_namespace({"metadata": {"name": unique}})
    command = [KUBECTL, f"--kubeconfig={kube133.kubeconfig}", f"--cache-dir={tmp_path}", "-v=8", "-n", unique]
    with subprocess.Popen(
        [*command, "events", "-w", "--request-timeout=6s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as watcher:
        assert watcher.stdout is not None
        event = {
            "metadata": {"name": "web.1"},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": unique},
            "reason": "Pulled",
            "message": 'Container image "nginx:1.25" already present on machine',
            "type": "Normal",
            "source": {"component": "kubelet"},
            "count": 1,
            "firstTimestamp": datetime.now(UTC).isoformat(),
            "lastTimestamp": datetime.now(UTC).isoformat(),
        }
        line = ""
        for _ in range(20):  # the watch may start after the create: create until it shows one
            core133.create_namespaced_event(unique, {**event, "metadata": {"name": f"web.{_}"}})
            line = watcher.stdout.readline()
            if "Pulled" in line:
                break
        stderr = watcher.communicate(timeout=30)[1]
    assert line.split()[1:4] == ["Normal", "Pulled", "Pod/web"]
    assert line.rstrip().endswith('Container image "nginx:1.25" already present on machine')
    assert f"{PROTOBUF};stream=watch" in _response_types(stderr)


def _get(kube: KubeCluster, path: str, accept: str, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {kube.access.admin_token}", "Accept": accept}
    return requests.get(kube.access.server_url + path, headers=headers, params=params, verify=kube.ca_cert, timeout=20)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (KUBECTL_ACCEPT, PROTOBUF),
        (f"{PROTOBUF}, */*", PROTOBUF),
        (f"{PROTOBUF};q=0.5, application/json", "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (f"application/json;q=0.1, {PROTOBUF}", PROTOBUF),
        (f"{PROTOBUF};q=0, application/json", "application/json"),
        ("", "application/json"),
    ],
)
def test_accept_decides(kube133: KubeCluster, core133: k8s.CoreV1Api, accept: str, expected: str) -> None:
    response = _get(kube133, "/api/v1/namespaces/default", accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == expected


def test_objects_lists_and_statuses_in_protobuf(kube133: KubeCluster, core133: k8s.CoreV1Api, unique: str) -> None:
    core133.create_namespace({"metadata": {"name": unique}})
    core133.create_namespaced_config_map(unique, {"metadata": {"name": "settings"}, "data": {"mode": "fast"}})
    path = f"/api/v1/namespaces/{unique}/configmaps"
    as_json = _get(kube133, f"{path}/settings", "application/json").json()
    one = _get(kube133, f"{path}/settings", KUBECTL_ACCEPT)
    assert unwrap(one.content)[:2] == ("v1", "ConfigMap")
    assert decode_body(one.content) == as_json

    listed_json = _get(kube133, path, "application/json").json()
    listed = _get(kube133, path, KUBECTL_ACCEPT)
    # items of a protobuf list carry no apiVersion/kind (their messages have no TypeMeta)
    items = [{k: v for k, v in item.items() if k not in ("apiVersion", "kind")} for item in listed_json["items"]]
    assert decode_body(listed.content) == {**listed_json, "items": items}

    missing = _get(kube133, f"{path}/absent", KUBECTL_ACCEPT)
    assert (missing.status_code, missing.headers["Content-Type"]) == (404, PROTOBUF)
    assert decode_status(missing.content) == _get(kube133, f"{path}/absent", "application/json").json()

    table = _get(kube133, path, f"application/json;as=Table;v=v1;g=meta.k8s.io,{KUBECTL_ACCEPT}")
    assert table.json()["kind"] == "Table"


def test_watch_in_protobuf(kube133: KubeCluster, core133: k8s.CoreV1Api, unique: str) -> None:
    core133.create_namespace({"metadata": {"name": unique}})
    core133.create_namespaced_config_map(unique, {"metadata": {"name": "first"}})
    path = f"/api/v1/namespaces/{unique}/configmaps"
    watch = _get(kube133, path, f"{PROTOBUF};stream=watch", watch="true", timeoutSeconds="1")
    assert watch.headers["Content-Type"] == f"{PROTOBUF};stream=watch"
    names = {}
    for event_type, obj in frames(watch.content):
        decoded = decode_body(obj)
        names[decoded["metadata"]["name"]] = (event_type, decoded["kind"])
    assert names == {"first": ("ADDED", "ConfigMap"), "kube-root-ca.crt": ("ADDED", "ConfigMap")}


def test_custom_resources_are_not_acceptable_in_protobuf(
    kube133: KubeCluster, core133: k8s.CoreV1Api, unique: str
) -> None:
    core133.create_namespace({"metadata": {"name": unique}})
    custom = k8s.CustomObjectsApi(core133.api_client)
    identity = {"apiVersion": "aadpodidentity.k8s.io/v1", "kind": "AzureIdentity", "metadata": {"name": "id"}}
    custom.create_namespaced_custom_object("aadpodidentity.k8s.io", "v1", unique, "azureidentities", identity)
    path = f"/apis/aadpodidentity.k8s.io/v1/namespaces/{unique}/azureidentities"
    for suffix, go_type in (("/id", "*unstructured.Unstructured"), ("", "*unstructured.UnstructuredList")):
        refused = _get(kube133, path + suffix, KUBECTL_ACCEPT)
        assert (refused.status_code, refused.headers["Content-Type"]) == (406, PROTOBUF)
        assert decode_status(refused.content) == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": f"object {go_type} does not implement the protobuf marshalling interface and cannot be "
            "encoded to a protobuf message",
            "reason": "NotAcceptable",
            "code": 406,
        }
    assert _get(kube133, path + "/id", "application/json").json()["metadata"]["name"] == "id"


def test_the_python_client_gets_json(core133: k8s.CoreV1Api) -> None:
    response = core133.read_namespace("default", _preload_content=False)
    assert response.headers["Content-Type"] == "application/json"
    assert core133.list_namespace().items
