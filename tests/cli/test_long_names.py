"""Realistic names work: a resource group, cluster and location whose node resource group name
(MC_<group>_<cluster>_<location>, 67 characters) is over a Kubernetes label value's 63 but within AKS's 80 complete
`podid up` and `podid verify`; the Nodes' kubernetes.azure.com/cluster label carries the name cut as AKS cuts it.
"""

from __future__ import annotations

from pathlib import Path

from podid.provision.kube import Kube
from tests.cli.conftest import PodidRunner

GROUP, CLUSTER, LOCATION = "rg-platform-dns-production", "aks-platform-production-01", "westeurope"


def test_up_and_verify_with_a_long_node_resource_group(podid: PodidRunner, unique: str, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    setting = ["-g", GROUP, "--cluster-name", CLUSTER, "-l", LOCATION, "--kubeconfig", str(kubeconfig)]
    setting += ["--dns-domain", f"{unique}.internal"]  # the session's other setups have zones of their own
    up = podid("up", *setting, "-o", "json")
    assert up.code == 0, up.err
    assert up.json["verification"]["ok"] is True

    node_group = f"MC_{GROUP}_{CLUSTER}_{LOCATION}"
    assert len(node_group) == 67
    nodes = Kube.from_file(kubeconfig, context=CLUSTER).request("GET", "/api/v1/nodes")["items"]
    labels = {node["metadata"]["labels"]["kubernetes.azure.com/cluster"].lower() for node in nodes}
    assert labels == {node_group[:63].lower()}  # the sandbox takes it from the providerID, which AKS lower-cases

    verify = podid("verify", *setting, "-o", "json")
    assert verify.code == 0, verify.err
    assert verify.json["ok"] is True
