"""Merge a cluster's credentials into a kubeconfig file, as ``az aks get-credentials`` does, and take them out.

Entries (clusters, users, contexts) are replaced by name, ``current-context`` is set to the new context, and
everything else in the file is kept. The file is written with mode 0600.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

SECTIONS = ("clusters", "users", "contexts")


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


def merged(existing: dict[str, Any], addition: dict[str, Any]) -> dict[str, Any]:
    result = {"apiVersion": "v1", "kind": "Config", "preferences": {}, **existing}
    for section in SECTIONS:
        new = addition.get(section) or []
        names = {entry["name"] for entry in new}
        result[section] = [entry for entry in existing.get(section) or [] if entry["name"] not in names] + new
    result["current-context"] = addition.get("current-context") or result.get("current-context")
    return result


def write(path: Path, addition: dict[str, Any]) -> None:
    _write(path, merged(load(path), addition))


def has_context(path: Path, context: str) -> bool:
    return any(entry.get("name") == context for entry in load(path).get("contexts") or [])


def remove(path: Path, context: str) -> bool:
    """Take the context and its cluster and user out of the file; delete the file when nothing is left."""
    document = load(path)
    contexts = [entry for entry in document.get("contexts") or [] if entry.get("name") == context]
    if not contexts:
        return False
    used = contexts[0].get("context") or {}
    drop = {"contexts": context, "clusters": used.get("cluster"), "users": used.get("user")}
    for section, name in drop.items():
        document[section] = [entry for entry in document.get(section) or [] if entry.get("name") != name]
    if document.get("current-context") == context:
        document["current-context"] = ""
    if not any(document.get(section) for section in SECTIONS):
        path.unlink()
    else:
        _write(path, document)
    return True
