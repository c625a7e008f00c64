"""Write the OpenAPI v3 documents of the kinds the sandbox serves, per Kubernetes minor version.

    python scripts/openapi_schemas.py KUBECTL_VALIDATE

The argument is a git checkout of github.com/kubernetes-sigs/kubectl-validate, whose
pkg/openapiclient/builtins/1.NN/{api,apis/<group>}/<version>.json are kubernetes/kubernetes'
api/openapi-spec/v3/*_openapi.json of each release branch (its cmd/download-builtin-schemas copies them). For each
minor and served group-version the operations (``paths``) of the served resources and subresources are kept, and
the schemas reachable from them and from the served kinds, as kube-apiserver's document has them. A release that
lacks a served kind (authentication.k8s.io/v1's SelfSubjectReview before 1.28) takes it from the nearest one.

Four files are written into the podid.sandbox.kube.openapi package:
  schemas.jsonl   one schema a line, ``<name>\\t<JSON>`` (compact, sorted keys); a schema unchanged between
                  releases is one line
  paths.jsonl     one path item a line, with the resource's names as placeholders (``«kind»``, ``«model»``, …,
                  see openapi/paths.py) and its parameters as ``"«parameter:N»"``; each is checked to give back
                  the upstream item exactly
  parameters.jsonl  one operation parameter a line
  versions.json   the source's commit; per minor and group-version its schemas' lines, its resources' names and
                  its paths (resource, subresource, path template, line)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))
from podid.sandbox.kube.openapi.paths import Names, fill, with_parameters  # noqa: E402

OUT = SRC / "podid" / "sandbox" / "kube" / "openapi"
MINORS = tuple(f"1.{n}" for n in range(27, 34))  # the kubectl releases the sandbox is used with
# The served resources of each group-version (kube/machinery/resources.py's BUILTIN_TYPES): plural → kind.
SERVED: dict[str, dict[str, str]] = {
    "api/v1": {
        "namespaces": "Namespace",
        "nodes": "Node",
        "pods": "Pod",
        "services": "Service",
        "endpoints": "Endpoints",
        "serviceaccounts": "ServiceAccount",
        "secrets": "Secret",
        "configmaps": "ConfigMap",
        "events": "Event",
        "replicationcontrollers": "ReplicationController",
    },
    "apis/apps/v1": {
        "deployments": "Deployment",
        "replicasets": "ReplicaSet",
        "daemonsets": "DaemonSet",
        "statefulsets": "StatefulSet",
    },
    "apis/batch/v1": {"jobs": "Job", "cronjobs": "CronJob"},
    "apis/policy/v1": {"poddisruptionbudgets": "PodDisruptionBudget"},
    "apis/discovery.k8s.io/v1": {"endpointslices": "EndpointSlice"},
    "apis/autoscaling/v2": {"horizontalpodautoscalers": "HorizontalPodAutoscaler"},
    "apis/autoscaling/v1": {"horizontalpodautoscalers": "HorizontalPodAutoscaler"},
    "apis/coordination.k8s.io/v1": {"leases": "Lease"},
    "apis/events.k8s.io/v1": {"events": "Event"},
    "apis/apiextensions.k8s.io/v1": {"customresourcedefinitions": "CustomResourceDefinition"},
    "apis/apiregistration.k8s.io/v1": {"apiservices": "APIService"},
    "apis/networking.k8s.io/v1": {"ingresses": "Ingress"},
    "apis/rbac.authorization.k8s.io/v1": {
        "clusterroles": "ClusterRole",
        "clusterrolebindings": "ClusterRoleBinding",
        "roles": "Role",
        "rolebindings": "RoleBinding",
    },
    "apis/authorization.k8s.io/v1": {
        "selfsubjectaccessreviews": "SelfSubjectAccessReview",
        "selfsubjectrulesreviews": "SelfSubjectRulesReview",
    },
    "apis/authentication.k8s.io/v1": {"selfsubjectreviews": "SelfSubjectReview"},
    "apis/authentication.k8s.io/v1beta1": {"selfsubjectreviews": "SelfSubjectReview"},
}
# Subresources whose operations are kept; the API server lists those it serves (and no others) at run time.
SUBRESOURCES = frozenset(
    {"status", "scale", "log", "binding", "eviction", "token", "finalize", "exec", "attach", "portforward"}
)
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
COMMON = tuple(_META + n for n in ("APIResourceList", "DeleteOptions", "Patch", "Status", "WatchEvent"))

Document = dict[str, Any]
Schemas = dict[str, Any]


def git(checkout: str, *args: str) -> str:
    return subprocess.run(["git", "-C", checkout, *args], capture_output=True, text=True, check=True).stdout


def document(checkout: str, minor: str, group_version: str) -> Document | None:
    path = f"HEAD:pkg/openapiclient/builtins/{minor}/{group_version}.json"
    try:
        return dict(json.loads(git(checkout, "show", path)))
    except subprocess.CalledProcessError:
        return None  # the group-version is not served by default in that release


def compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def references(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*map(references, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
    return found.union(*map(references, node.values())) if node else found


def closure(schemas: Schemas, start: set[str]) -> Schemas:
    kept: Schemas = {}
    pending = list(start)
    while pending:
        name = pending.pop()
        if name not in kept and name in schemas:
            kept[name] = schemas[name]
            pending.extend(references(schemas[name]))
    return kept


def model(schemas: Schemas, group_version: str, kind: str) -> str:
    """The schema name of ``kind`` in its own group-version (not a meta type)."""
    group, version = split(group_version)
    for name, schema in schemas.items():
        gvks = schema.get("x-kubernetes-group-version-kind", [])
        if not name.startswith(_META) and {"group": group, "kind": kind, "version": version} in gvks:
            return name
    return ""


def split(group_version: str) -> tuple[str, str]:
    parts = group_version.split("/")
    return ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])


def resource_paths(paths: dict[str, Any], group_version: str, plural: str) -> dict[tuple[str, str], Any]:
    """(subresource, path template) → path item of one resource: its collection, object, watch and subresources."""
    found = {}
    for path, item in paths.items():
        rest = path.removeprefix(f"/{group_version}/").split("/")
        rest = rest[1:] if rest[0] == "watch" else rest
        rest = rest[2:] if rest[:1] == ["namespaces"] and rest[1:2] == ["{namespace}"] and len(rest) > 2 else rest
        if rest[0] != plural or (len(rest) > 2 and (len(rest) > 3 or rest[2] not in SUBRESOURCES)):
            continue
        template = "«prefix»" + path.removeprefix(f"/{group_version}").replace(f"/{plural}", "/«plural»", 1)
        found[rest[2] if len(rest) == 3 else "", template] = item
    return found


def pooled(node: Any, parameters: Pool) -> Any:
    """The path item with each parameter replaced by ``"«parameter:N»"``, N its line in parameters.jsonl."""
    if isinstance(node, list):
        return [pooled(v, parameters) for v in node]
    if not isinstance(node, dict):
        return node
    return {
        k: [f"«parameter:{parameters.add(compact(p))}»" for p in v] if k == "parameters" else pooled(v, parameters)
        for k, v in node.items()
    }


def template(item: Any, names: Names, parameters: Pool) -> str:
    """The path item with its parameters pooled and its resource's names replaced by placeholders; it must give
    back the upstream item exactly."""
    text = compact(item)
    group, version = names.group, names.version
    for key in ("list_model", "model"):
        if value := getattr(names, key):
            text = text.replace(f'/{value}"', f'/«{key}»"')
    text = text.replace(f'"tags":["{names.tag}"]', '"tags":["«tag»"]')
    text = re.sub(rf'("operationId":"[a-z]+){names.operation}', r"\1«operation»", text)
    if names.kind:
        gvk = compact({"group": group, "kind": names.kind, "version": version})
        text = text.replace(gvk, '{"group":"«group»","kind":"«kind»","version":"«version»"}')
        text = re.sub(rf"(«operation»(?:Namespaced)?){names.kind}(?![a-z])", r"\1«kind»", text)
        text = re.sub(rf'(?<=[ "]){names.kind}(?=[ ".,])', "«kind»", text)
    text = compact(pooled(json.loads(text), parameters))
    if fill(with_parameters(text, parameters.lines), names) != compact(item):
        raise SystemExit(f"the template of {names} does not give the upstream item back")
    return text


def nearest(minor: str) -> list[str]:
    return sorted(MINORS, key=lambda m: (abs(MINORS.index(m) - MINORS.index(minor)), -MINORS.index(m)))


def group_version_entry(
    documents: dict[str, Document | None], minor: str, group_version: str, pools: tuple[Pool, Pool, Pool]
) -> dict[str, Any]:
    """The schemas, resources and paths of one minor's group-version document."""
    schema_lines, lines, parameters = pools
    order = nearest(minor)
    own_doc = documents[minor] or documents[order[1]] or {}
    own = own_doc.get("components", {}).get("schemas", {})
    schemas = closure(own, set(COMMON))
    group, version = split(group_version)
    entry: dict[str, Any] = {"resources": {}, "paths": []}
    root = own_doc.get("paths", {}).get(f"/{group_version}/")
    if root is not None:
        names = Names(group, version, "", "", "", "")
        entry["paths"].append(["", "", "«prefix»/", lines.add(template(root, names, parameters))])
    for plural, kind in SERVED[group_version].items():
        source = next(d for m in order if (d := documents[m]) and resource_paths(d["paths"], group_version, plural))
        source_schemas = source["components"]["schemas"]
        names = Names(
            group,
            version,
            kind,
            plural,
            model(source_schemas, group_version, kind),
            model(source_schemas, group_version, kind + "List"),
        )
        entry["resources"][plural] = [kind, names.model, names.list_model]
        items = resource_paths(source["paths"], group_version, plural)
        for (subresource, path), item in sorted(items.items()):
            entry["paths"].append([plural, subresource, path, lines.add(template(item, names, parameters))])
        roots = {names.model, names.list_model} - {""} | references(list(items.values()))
        schemas |= {n: own.get(n, s) for n, s in closure(source_schemas, roots).items()}
    entry["schemas"] = [schema_lines.add(f"{name}\t{compact(schema)}") for name, schema in sorted(schemas.items())]
    return entry


class Pool:
    """Lines written once, numbered in order of first use."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, line: str) -> int:
        if line not in self._index:
            self._index[line] = len(self.lines)
            self.lines.append(line)
        return self._index[line]


def write_versions(source: dict[str, str], versions: dict[str, dict[str, Any]]) -> None:
    minors = []
    for minor, entries in sorted(versions.items()):
        rows = []
        for gv, entry in sorted(entries.items()):
            paths = ",\n".join(f"      {compact(p)}" for p in entry["paths"])
            rows.append(
                f"    {json.dumps(gv)}: {{\n"
                f'      "schemas": {json.dumps(entry["schemas"])},\n'
                f'      "resources": {compact(entry["resources"])},\n'
                f'      "paths": [\n{paths}\n      ]\n    }}'
            )
        minors.append(f"  {json.dumps(minor)}: {{\n" + ",\n".join(rows) + "\n  }")
    text = f'{{\n"source": {json.dumps(source)},\n"versions": {{\n' + ",\n".join(minors) + "\n}\n}\n"
    (OUT / "versions.json").write_text(text, encoding="utf-8")


def main(checkout: str) -> None:
    schemas, paths, parameters = Pool(), Pool(), Pool()
    versions: dict[str, dict[str, Any]] = {}
    for group_version in SERVED:
        documents = {minor: document(checkout, minor, group_version) for minor in MINORS}
        for minor in MINORS:
            versions.setdefault(minor, {})[group_version] = group_version_entry(
                documents, minor, group_version, (schemas, paths, parameters)
            )
    for name, pool in (("schemas", schemas), ("paths", paths), ("parameters", parameters)):
        (OUT / f"{name}.jsonl").write_text("".join(line + "\n" for line in pool.lines), encoding="utf-8")
    commit = git(checkout, "rev-parse", "HEAD").strip()
    write_versions({"repository": "kubernetes-sigs/kubectl-validate", "commit": commit}, versions)


if __name__ == "__main__":
    main(sys.argv[1])
