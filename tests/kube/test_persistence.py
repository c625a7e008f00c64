"""Clusters survive a sandbox restart, and deleting a cluster removes everything it had.

Covers: a second Sandbox on the same data dir serves the cluster on the same URL with the same tokens (the old
kubeconfig keeps working), with its objects, uids and resourceVersions (which keep increasing), pods Running
on the same IPs and their workloads started again; a watch resumed from a version older than the restart gets
410 Expired (an error from podid's own wrapper too); ``delete_cluster`` stops the endpoint and forgets the
objects (a new cluster of the same id starts empty).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.provision.errors import ProvisionError
from podid.provision.kube import Kube
from podid.sandbox import Sandbox
from tests.conftest import start_sandbox
from tests.kube.conftest import Kubectl, cluster_spec, eventually, write_kubeconfig

DEMO_IMAGE = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "sandbox"


def _start(data_dir: Path) -> Sandbox:
    return start_sandbox(data_dir)[0]


@pytest.fixture
def first(data_dir: Path) -> Iterator[Sandbox]:
    sandbox = _start(data_dir)
    yield sandbox
    sandbox.stop()


def _core(kubeconfig: Path) -> tuple[k8s.ApiClient, k8s.CoreV1Api]:
    api = k8s_config.new_client_from_config(config_file=str(kubeconfig))
    return api, k8s.CoreV1Api(api)


def _demo_pod() -> dict[str, object]:
    env = [{"name": "MY_POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]
    container = {"name": "demo", "image": DEMO_IMAGE, "args": ["--retry-wait-time=60"], "env": env}
    return {"metadata": {"name": "demo"}, "spec": {"containers": [container]}}


def test_restart_keeps_clusters_objects_and_pods(data_dir: Path, tmp_path: Path) -> None:
    first = _start(data_dir)
    try:
        kubeconfig, version, before = _populate(first, tmp_path)
    finally:
        first.stop()
    second = _start(data_dir)
    try:
        _check_restored(second, kubeconfig, version, before, tmp_path)
    finally:
        second.stop()


def _populate(first: Sandbox, tmp_path: Path) -> tuple[Path, int, k8s.V1Pod]:
    assert first.cloud is not None and first.endpoints is not None
    endpoints = first.endpoints
    access = first.cloud.kube.ensure_cluster(cluster_spec(endpoints, "keep"))
    kubeconfig = write_kubeconfig(tmp_path / "config", access, endpoints.ca_cert)
    api, core = _core(kubeconfig)
    core.create_namespaced_config_map("default", {"metadata": {"name": "kept"}, "data": {"k": "v"}})
    core.create_namespaced_pod("default", _demo_pod())
    before = eventually(lambda: (p := core.read_namespaced_pod("demo", "default")).status.phase == "Running" and p)
    kubectl = Kubectl(kubeconfig, tmp_path / "cache")
    eventually(lambda: "starting demo pod" in kubectl("logs", "demo"))
    version = int(core.list_namespaced_config_map("default").metadata.resource_version)
    api.close()
    return kubeconfig, version, before


def _check_restored(second: Sandbox, kubeconfig: Path, version: int, before: k8s.V1Pod, tmp_path: Path) -> None:
    assert second.cloud is not None
    api, core = _core(kubeconfig)  # the same kubeconfig: same URL, same token
    assert core.read_namespaced_config_map("kept", "default").data == {"k": "v"}
    pod = core.read_namespaced_pod("demo", "default")
    assert pod.metadata.uid == before.metadata.uid and pod.status.pod_ip == before.status.pod_ip
    assert pod.status.phase == "Running"
    assert second.cloud.kube.pod_by_ip(pod.status.pod_ip) is not None
    kubectl = Kubectl(kubeconfig, tmp_path / "cache-after")
    eventually(lambda: kubectl("logs", "demo").count("starting demo pod") == 2)  # the workload ran again
    created = core.create_namespaced_config_map("default", {"metadata": {"name": "after"}})
    assert int(created.metadata.resource_version) > version
    stale = core.list_namespaced_config_map(
        "default", watch=True, resource_version="1", timeout_seconds=2, _preload_content=False
    )
    event = json.loads(stale.data.decode().splitlines()[0])
    assert event["type"] == "ERROR" and event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"
    with pytest.raises(ProvisionError, match="too old resource version"):  # podid's wrapper raises it, too
        list(Kube.from_file(kubeconfig).watch("Pod", "default", "app=none", "1", timeout=2))
    api.close()


def test_delete_cluster_removes_endpoint_and_objects(first: Sandbox, tmp_path: Path) -> None:
    assert first.cloud is not None and first.endpoints is not None
    spec = cluster_spec(first.endpoints, "gone")
    access = first.cloud.kube.ensure_cluster(spec)
    api, core = _core(write_kubeconfig(tmp_path / "config", access, first.endpoints.ca_cert))
    core.create_namespaced_config_map("default", {"metadata": {"name": "doomed"}})
    api.close()
    port = int(access.server_url.rsplit(":", 1)[1])
    first.cloud.kube.delete_cluster(spec.cluster_id.upper())
    assert first.cloud.kube.cluster(spec.cluster_id) is None

    def refused() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) != 0

    eventually(refused)
    again = first.cloud.kube.ensure_cluster(spec)
    api, core = _core(write_kubeconfig(tmp_path / "again", again, first.endpoints.ca_cert))
    assert "doomed" not in [c.metadata.name for c in core.list_namespaced_config_map("default").items]
    assert again.admin_token != access.admin_token
    api.close()
