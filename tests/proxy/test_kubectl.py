"""kubectl with an AKS-shaped server name (``https://<dns-prefix>-<hash>.hcp.<region>.azmk8s.io``) through
HTTPS_PROXY, as with a kubeconfig from real AKS; a name no cluster has is refused by the proxy."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from podid.sandbox import Endpoints
from tests.podidentity.conftest import Clients, Cluster


def kubectl(endpoints: Endpoints, kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(kubeconfig.parent)}
    env["HTTPS_PROXY"] = endpoints.proxy_url
    return subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def kubeconfig_for(cluster: Cluster, server: str, path: Path) -> Path:
    """The cluster's admin kubeconfig, pointed at ``server`` as AKS's own kubeconfigs are."""
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    for entry in config["clusters"]:
        entry["cluster"]["server"] = server
    path.write_text(yaml.safe_dump(config))
    return path


def test_kubectl_reaches_the_cluster_by_its_fqdn(
    endpoints: Endpoints, clients: Clients, proxy_cluster: Cluster, tmp_path: Path
) -> None:
    fqdn = clients.aks.managed_clusters.get(proxy_cluster.group, proxy_cluster.name).fqdn
    assert fqdn.endswith(".hcp.westus2.azmk8s.io")
    config = kubeconfig_for(proxy_cluster, f"https://{fqdn}:443", tmp_path / "config")
    done = kubectl(endpoints, config, "get", "namespace", "kube-system", "-o", "name")
    assert (done.returncode, done.stdout, done.stderr) == (0, "namespace/kube-system\n", "")


def test_a_cluster_name_nobody_has_is_refused(endpoints: Endpoints, proxy_cluster: Cluster, tmp_path: Path) -> None:
    config = kubeconfig_for(proxy_cluster, "https://nobody-1234abcd.hcp.westus2.azmk8s.io:443", tmp_path / "config")
    done = kubectl(endpoints, config, "get", "namespace", "kube-system", "--request-timeout=10s")
    assert done.returncode == 1
    assert done.stderr.endswith("Unable to connect to the server: Forbidden\n"), done.stderr  # the CONNECT's 403
