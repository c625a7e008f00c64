"""Kubeconfig files as az aks get-credentials leaves them: entries merged by name, current-context set, other
entries kept, mode 0600; removal takes out the context with its cluster and user, and the file when empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from podid.provision import kubeconfig


def credentials(name: str, server: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server}}],
        "users": [{"name": f"clusterUser_rg_{name}", "user": {"token": "t"}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": f"clusterUser_rg_{name}"}}],
        "current-context": name,
    }


def test_merge_replaces_by_name_and_keeps_other_entries(tmp_path: Path) -> None:
    path = tmp_path / "kube" / "config"
    kubeconfig.write(path, credentials("other", "https://o"))
    kubeconfig.write(path, credentials("aks", "https://old"))
    kubeconfig.write(path, credentials("aks", "https://new"))
    document = yaml.safe_load(path.read_text())
    assert [entry["name"] for entry in document["clusters"]] == ["other", "aks"]
    assert document["clusters"][1]["cluster"]["server"] == "https://new"
    assert document["current-context"] == "aks"
    assert path.stat().st_mode & 0o777 == 0o600
    assert kubeconfig.has_context(path, "aks") and not kubeconfig.has_context(path, "nope")


def test_remove_takes_out_one_cluster_then_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    kubeconfig.write(path, credentials("other", "https://o"))
    kubeconfig.write(path, credentials("aks", "https://a"))
    assert kubeconfig.remove(path, "aks")
    document = yaml.safe_load(path.read_text())
    assert [entry["name"] for entry in document["users"]] == ["clusterUser_rg_other"]
    assert document["current-context"] == ""
    assert not kubeconfig.remove(path, "aks")
    assert kubeconfig.remove(path, "other") and not path.exists()
