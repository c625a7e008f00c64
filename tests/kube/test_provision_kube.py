"""podid's Kubernetes wrapper (``provision.kube.Kube``, wire dicts over the kubernetes client) on a sandbox cluster.

Covers: ``list_at`` returns the objects and the list's resourceVersion; ``watch`` from it yields the changes made
afterwards to objects matching its label selector only, in order, and ends when the server closes the watch at
its timeout. (A watch from a version older than the cluster keeps raises: test_persistence.py, after a restart.)
"""

from __future__ import annotations

import time

import pytest

from podid.provision.kube import Kube, KubeObject
from tests.kube.conftest import KubeCluster


def _secret(namespace: str, name: str, label: str) -> KubeObject:
    meta = {"name": name, "namespace": namespace, "labels": {"watched": label}}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "stringData": {"k": "v"}}


@pytest.fixture
def wrapper(kube: KubeCluster) -> Kube:
    return Kube.from_file(kube.kubeconfig)


def test_watch_from_a_list_sees_later_changes_of_its_selector_only(wrapper: Kube, namespace: str, unique: str) -> None:
    selector = f"watched={unique}"
    wrapper.create(_secret(namespace, "before", unique))
    listed, version = wrapper.list_at("Secret", namespace, selector)
    assert [item["metadata"]["name"] for item in listed] == ["before"] and int(version) > 0
    wrapper.create(_secret(namespace, "other", f"{unique}-not"))
    wrapper.create(_secret(namespace, "after", unique))
    assert wrapper.delete("Secret", namespace, "before")
    events = [(kind, obj["metadata"]["name"]) for kind, obj in wrapper.watch("Secret", namespace, selector, version, 1)]
    assert events == [("ADDED", "after"), ("DELETED", "before")]


def test_a_watch_ends_at_its_timeout(wrapper: Kube, namespace: str, unique: str) -> None:
    _, version = wrapper.list_at("Secret", namespace, f"watched={unique}")
    began = time.monotonic()
    assert list(wrapper.watch("Secret", namespace, f"watched={unique}", version, timeout=1)) == []
    assert time.monotonic() - began < 10  # closed by the server at timeoutSeconds, not by a client read timeout
