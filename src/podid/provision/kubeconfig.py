"""Merge a cluster's credentials into a kubeconfig file, as ``az aks get-credentials`` does, and take them out.

Entries (clusters, users, contexts) are merged by name, ``current-context`` is set to the new context, and
everything else in the file is kept. The file is written with mode 0600. An entry of the same name that belongs
to another cluster (another server or CA) is a conflict: az asks before overwriting it and refuses without a
TTY (azure-cli, src/azure-cli/azure/cli/command_modules/acs/custom.py, ``_handle_merge``). podid marks the
cluster entries it writes with an extension (as minikube does with ``cluster_info``), so that it recognises
them without asking AKS for the credentials again, and ``podid down`` removes only those.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

SECTIONS = ("clusters", "users", "contexts")
EXTENSION = "podid"
Entry = dict[str, Any]
Ours = Callable[[Entry], bool]  # whether an entry reaches the cluster being merged


def names(group: str, cluster: str) -> dict[str, str]:
    """The entry names AKS's clusterUser kubeconfig uses (context and cluster: the cluster's name)."""
    return {"clusters": cluster, "users": f"clusterUser_{group}_{cluster}", "contexts": cluster}


def load(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(yaml.safe_dump(document, default_flow_style=False))
    temporary.chmod(0o600)
    os.replace(temporary, path)


def entry(document: dict[str, Any], section: str, name: str) -> Entry | None:
    return next((item for item in document.get(section) or [] if item.get("name") == name), None)


def claimed(addition: dict[str, Any], cluster_id: str) -> dict[str, Any]:
    """The credentials with podid's mark on their cluster entries: the ARM id of the cluster they reach."""
    mark = {"name": EXTENSION, "extension": {"cluster": cluster_id}}
    clusters = [
        {**item, "cluster": {**item["cluster"], "extensions": [mark]}} for item in addition.get("clusters") or []
    ]
    return {**addition, "clusters": clusters}


def claimed_by(item: Entry, cluster_id: str) -> bool:
    extensions = (item.get("cluster") or {}).get("extensions") or []
    marks = [ext.get("extension") or {} for ext in extensions if ext.get("name") == EXTENSION]
    return any(str(mark.get("cluster", "")).lower() == cluster_id.lower() for mark in marks)


def same_server(item: Entry, credentials: dict[str, Any]) -> bool:
    """The entry reaches the cluster these credentials are for: same server and CA."""
    theirs = entry(credentials, "clusters", str(item.get("name"))) or {}
    keys = ("server", "certificate-authority-data")
    return all((item.get("cluster") or {}).get(key) == (theirs.get("cluster") or {}).get(key) for key in keys)


def conflict(document: dict[str, Any], wanted: dict[str, str], ours: Ours) -> tuple[str, str] | None:
    """(name, section) of an entry of another cluster under these names (a cluster entry that is not ours, or
    a context pointing elsewhere); None when the names are free or already ours."""
    found = entry(document, "clusters", wanted["clusters"])
    if found is not None and not ours(found):
        return wanted["clusters"], "clusters"
    context = entry(document, "contexts", wanted["contexts"])
    if context is not None and (context.get("context") or {}).get("cluster") != wanted["clusters"]:
        return wanted["contexts"], "contexts"
    return None


def question(name: str) -> str:
    return f"A different object named {name} already exists in your kubeconfig file.\nOverwrite?"


def refusal(name: str, section: str) -> str:
    return f"A different object named {name} already exists in {section} in your kubeconfig file."


def merged(existing: dict[str, Any], addition: dict[str, Any]) -> dict[str, Any]:
    result = {"apiVersion": "v1", "kind": "Config", "preferences": {}, **existing}
    for section in SECTIONS:
        new = addition.get(section) or []
        added = {item["name"] for item in new}
        result[section] = [item for item in existing.get(section) or [] if item["name"] not in added] + new
    result["current-context"] = addition.get("current-context") or result.get("current-context")
    return result


def write(path: Path, addition: dict[str, Any]) -> None:
    _write(path, merged(load(path), addition))


def _uses(item: Entry, key: str) -> Any:
    return (item.get("context") or {}).get(key)


def remove(path: Path, wanted: dict[str, str], ours: Ours) -> bool:
    """Take out the cluster entry if it is ours, with the contexts that use it and their users (unless another
    context still uses them); the file goes only when nothing else is left in it."""
    document = load(path)
    found = entry(document, "clusters", wanted["clusters"])
    if found is None or not ours(found):
        return False
    contexts = document.get("contexts") or []
    dropped = {item.get("name") for item in contexts if _uses(item, "cluster") == wanted["clusters"]}
    left = [item for item in contexts if item.get("name") not in dropped]
    users = {_uses(item, "user") for item in contexts if item.get("name") in dropped}
    users -= {_uses(item, "user") for item in left}
    document["contexts"] = left
    document["clusters"] = [item for item in document.get("clusters") or [] if item is not found]
    document["users"] = [item for item in document.get("users") or [] if item.get("name") not in users]
    if document.get("current-context") in dropped:
        document["current-context"] = ""
    if any(document.get(section) for section in SECTIONS):
        _write(path, document)
    else:
        path.unlink()
    return True
