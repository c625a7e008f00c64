"""Kubeconfig files as az aks get-credentials leaves them: entries merged by name, current-context set, other
entries kept, mode 0600; another cluster under the same names is a conflict in az's words; removal takes out only
the cluster entry that is ours, with its context and user, and the file only when nothing else is left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from podid.provision import kubeconfig

CLUSTER_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"


def credentials(name: str, server: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": "Q0E="}}],
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
    assert kubeconfig.entry(document, "contexts", "aks") is not None
    assert kubeconfig.entry(document, "contexts", "nope") is None


def test_another_cluster_under_the_same_name_is_a_conflict() -> None:
    wanted = kubeconfig.names("rg", "aks")
    ours = credentials("aks", "https://ours")
    foreign = credentials("aks", "https://elsewhere")
    same = lambda entry: kubeconfig.same_server(entry, ours)  # noqa: E731
    assert kubeconfig.conflict(foreign, wanted, same) == ("aks", "clusters")
    assert kubeconfig.conflict(ours, wanted, same) is None
    assert kubeconfig.conflict(credentials("other", "https://o"), wanted, same) is None
    elsewhere = {**ours, "contexts": [{"name": "aks", "context": {"cluster": "other", "user": "u"}}]}
    assert kubeconfig.conflict(elsewhere, wanted, same) == ("aks", "contexts")
    assert kubeconfig.refusal("aks", "clusters") == (
        "A different object named aks already exists in clusters in your kubeconfig file."
    )
    marked = kubeconfig.claimed(foreign, CLUSTER_ID)
    assert kubeconfig.claimed_by(marked["clusters"][0], CLUSTER_ID.upper())
    assert not kubeconfig.claimed_by(foreign["clusters"][0], CLUSTER_ID)


def test_remove_takes_out_only_our_cluster_then_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    kubeconfig.write(path, credentials("other", "https://o"))
    kubeconfig.write(path, kubeconfig.claimed(credentials("aks", "https://a"), CLUSTER_ID))
    mine = lambda entry: kubeconfig.claimed_by(entry, CLUSTER_ID)  # noqa: E731
    assert not kubeconfig.remove(path, kubeconfig.names("rg", "other"), mine)
    assert kubeconfig.remove(path, kubeconfig.names("rg", "aks"), mine)
    document = yaml.safe_load(path.read_text())
    assert [entry["name"] for entry in document["users"]] == ["clusterUser_rg_other"]
    assert [entry["name"] for entry in document["clusters"]] == ["other"]
    assert document["current-context"] == ""
    assert not kubeconfig.remove(path, kubeconfig.names("rg", "aks"), mine)
    assert kubeconfig.remove(path, kubeconfig.names("rg", "other"), lambda entry: True) and not path.exists()
