"""Clusters of their own for the tests that need another Kubernetes version or node count than ``kube``'s."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from podid.sandbox import Endpoints, Sandbox
from tests.kube.conftest import KubeCluster, cluster_spec, write_kubeconfig


def extra_cluster(
    sandbox: Sandbox, endpoints: Endpoints, directory: Path, name: str, version: str, nodes: int = 3
) -> KubeCluster:
    """A cluster named ``name`` at ``version`` (the kubectl dispatcher runs that minor) with ``nodes`` nodes."""
    assert sandbox.cloud is not None
    spec = cluster_spec(endpoints, name, version)
    spec = replace(spec, nodes=spec.nodes[:nodes])
    access = sandbox.cloud.kube.ensure_cluster(spec)
    kubeconfig = write_kubeconfig(directory / "config", access, endpoints.ca_cert)
    return KubeCluster(spec, access, kubeconfig, endpoints.ca_cert)
