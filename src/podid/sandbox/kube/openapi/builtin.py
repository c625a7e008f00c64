"""The built-in kinds' documents of each Kubernetes minor as kube-apiserver publishes them (scripts/openapi_schemas.py).

kubernetes/kubernetes api/openapi-spec/v3 of each release branch, as kubernetes-sigs/kubectl-validate keeps them
(pkg/openapiclient/builtins/1.NN; versions.json names the commit). schemas.jsonl holds one schema a line
(``name<TAB>JSON``), paths.jsonl one path item template a line (openapi/paths.py), parameters.jsonl their
parameters, versions.json which of them each minor's group-version documents carry. The files are read at the first
OpenAPI request, not when the sandbox starts, and stay JSON text: a document is put together without parsing them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from itertools import takewhile
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list
from podid.sandbox.kube.openapi.paths import Names, fill, with_parameters

Served = Callable[[str, str], bool]  # (plural, subresource or "") → whether the API server serves it


def _read(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def _schemas() -> tuple[tuple[str, str], ...]:
    lines = _read("schemas.jsonl").splitlines()
    return tuple((name, schema) for name, schema in (line.split("\t", 1) for line in lines))


@cache
def _templates() -> tuple[str, ...]:
    parameters = _read("parameters.jsonl").splitlines()
    return tuple(with_parameters(line, parameters) for line in _read("paths.jsonl").splitlines())


@cache
def _versions() -> dict[str, dict[str, Any]]:
    return dict(json.loads(_read("versions.json"))["versions"])


def releases() -> list[str]:
    """The releases whose documents are known, oldest first."""
    return sorted(_versions(), key=_minor)


def release(kubernetes_version: str) -> str:
    """The release whose documents a cluster of this version serves: its own minor, else the nearest one known."""
    wanted = _minor(kubernetes_version)
    return min(releases(), key=lambda known: (abs(_minor(known) - wanted), -_minor(known)))


def _minor(version: str) -> int:
    parts = version.removeprefix("v").split(".")
    digits = "".join(takewhile(str.isdigit, parts[1] if len(parts) > 1 else ""))
    return int(digits or 0)


def group_versions(release: str) -> frozenset[str]:
    """``api/v1``, ``apis/apps/v1``, …: the documents known for a release."""
    return frozenset(_versions()[release])


def schemas(release: str, group_version: str) -> dict[str, str]:
    """Name → schema (JSON text) of one group-version's document; empty for a group-version not known."""
    lines = _schemas()
    entry = _versions()[release].get(group_version, {})
    return dict(lines[i] for i in entry.get("schemas", ()))


def schema(release: str, name: str) -> Obj:
    """One schema of a release, parsed (the meta types a CRD's document takes from api/v1)."""
    return dict(json.loads(schemas(release, "api/v1")[name]))


def paths(release: str, group_version: str, served: Served) -> dict[str, str]:
    """Path → path item (JSON text) of the served resources and subresources of one group-version's document."""
    entry = _versions()[release].get(group_version, {})
    templates = _templates()
    parts = group_version.split("/")
    group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
    found = {}
    for plural, subresource, path, line in entry.get("paths", ()):
        if plural and not served(plural, subresource):
            continue
        kind, model, list_model = entry["resources"].get(plural, ("", "", ""))
        names = Names(group, version, kind, plural, model, list_model)
        found[fill(path, names)] = fill(templates[line], names)
    return found


@cache
def parameter_table(release: str) -> dict[tuple[str, str], Obj]:
    """(action, name) → an operation parameter, as apps/v1 Deployments' operations have it (for CRDs' operations);
    ("", name) for a parameter of any operation."""
    table: dict[tuple[str, str], Obj] = {}
    deployments = paths(release, "apis/apps/v1", lambda plural, sub: (plural, sub) == ("deployments", ""))
    for item in map(json.loads, deployments.values()):
        shared = as_list(item.get("parameters"))
        for operation in (as_dict(v) for k, v in item.items() if k != "parameters"):
            action = str(operation.get("x-kubernetes-action", ""))
            for parameter in [*shared, *as_list(operation.get("parameters"))]:
                table.setdefault((action, parameter["name"]), parameter)
                table.setdefault(("", parameter["name"]), parameter)
    return table
