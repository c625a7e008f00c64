"""Write src/podid/sandbox/kube/machinery/protobuf_schema.py from the Go types of the kinds the sandbox serves.

    python scripts/protobuf_schema.py API APIMACHINERY APIEXTENSIONS \
        > src/podid/sandbox/kube/machinery/protobuf_schema.py
    ruff format src/podid/sandbox/kube/machinery/protobuf_schema.py

The arguments are git checkouts of github.com/kubernetes/api, kubernetes/apimachinery and
kubernetes/apiextensions-apiserver (their HEAD is read). Each struct field's ``protobuf:"<wire>,<number>,..."``
tag gives its field number and its ``json:"..."`` tag its JSON name and omitempty; the Go type decides how it
decodes (pointer, slice, map, named types resolved), since a few tags carry a wrong wire type.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field

# package → (checkout index, files, import path)
SOURCES = {
    "core": (0, ["core/v1/types.go"], "k8s.io/api/core/v1"),
    "apps": (0, ["apps/v1/types.go"], "k8s.io/api/apps/v1"),
    "batch": (0, ["batch/v1/types.go"], "k8s.io/api/batch/v1"),
    "coordination": (0, ["coordination/v1/types.go"], "k8s.io/api/coordination/v1"),
    "scheduling": (0, ["scheduling/v1alpha3/types.go"], "k8s.io/api/scheduling/v1alpha3"),  # a Job's pod groups
    "rbac": (0, ["rbac/v1/types.go"], "k8s.io/api/rbac/v1"),
    "networking": (0, ["networking/v1/types.go"], "k8s.io/api/networking/v1"),
    "authorization": (0, ["authorization/v1/types.go"], "k8s.io/api/authorization/v1"),
    "authentication": (0, ["authentication/v1/types.go"], "k8s.io/api/authentication/v1"),
    "autoscaling": (0, ["autoscaling/v1/types.go"], "k8s.io/api/autoscaling/v1"),
    "policy": (0, ["policy/v1/types.go"], "k8s.io/api/policy/v1"),
    "discovery": (0, ["discovery/v1/types.go"], "k8s.io/api/discovery/v1"),
    "events": (0, ["events/v1/types.go"], "k8s.io/api/events/v1"),
    "meta": (1, ["pkg/apis/meta/v1/types.go", "pkg/apis/meta/v1/watch.go"], "k8s.io/apimachinery/pkg/apis/meta/v1"),
    "apiextensions": (
        2,
        ["pkg/apis/apiextensions/v1/types.go", "pkg/apis/apiextensions/v1/types_jsonschema.go"],
        "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1",
    ),
}
OTHER_IMPORTS = {
    "k8s.io/apimachinery/pkg/api/resource": "resource",
    "k8s.io/apimachinery/pkg/util/intstr": "intstr",
    "k8s.io/apimachinery/pkg/runtime": "runtime",
    "k8s.io/apimachinery/pkg/types": "types",
}
# Types with their own JSON form (decoded by _protobuf), or strings under another name.
SPECIAL = {
    "meta.Time": "time",
    "meta.MicroTime": "microtime",
    "meta.FieldsV1": "raw",
    "resource.Quantity": "quantity",
    "intstr.IntOrString": "intorstring",
    "runtime.RawExtension": "raw",
    "apiextensions.JSON": "raw",
    "apiextensions.JSONSchemaPropsOrArray": "schemaorarray",
    "apiextensions.JSONSchemaPropsOrBool": "schemaorbool",
    "apiextensions.JSONSchemaPropsOrStringArray": "schemaorstrings",
    "types.UID": "string",
    "types.NodeName": "string",
}
SCALARS = {"string": "string", "bool": "bool", "int32": "int", "int64": "int", "float64": "double", "[]byte": "bytes"}
GROUPS = {
    "core": "v1",
    "apps": "apps/v1",
    "batch": "batch/v1",
    "coordination": "coordination.k8s.io/v1",
    "scheduling": "scheduling.k8s.io/v1alpha3",
    "rbac": "rbac.authorization.k8s.io/v1",
    "networking": "networking.k8s.io/v1",
    "authorization": "authorization.k8s.io/v1",
    "authentication": "authentication.k8s.io/v1",
    "autoscaling": "autoscaling/v1",
    "policy": "policy/v1",
    "discovery": "discovery.k8s.io/v1",
    "apiextensions": "apiextensions.k8s.io/v1",
    "events": "events.k8s.io/v1",
    "meta": "meta.k8s.io/v1",
}
# The served kinds (_resources.BUILTIN_TYPES) and the bodies of subresources and deletes.
ROOTS = [
    "core.Namespace",
    "core.Node",
    "core.Pod",
    "core.Service",
    "core.Endpoints",
    "core.ServiceAccount",
    "core.Secret",
    "core.ConfigMap",
    "core.Event",
    "core.Binding",
    "core.ReplicationController",
    "apps.Deployment",
    "apps.ReplicaSet",
    "apps.DaemonSet",
    "apps.StatefulSet",
    "batch.Job",
    "batch.CronJob",
    "coordination.Lease",
    "apiextensions.CustomResourceDefinition",
    "networking.Ingress",
    "rbac.ClusterRole",
    "rbac.ClusterRoleBinding",
    "rbac.Role",
    "rbac.RoleBinding",
    "authorization.SelfSubjectAccessReview",
    "authorization.SelfSubjectRulesReview",
    "authentication.TokenRequest",
    "authentication.SelfSubjectReview",
    "autoscaling.Scale",
    "autoscaling.HorizontalPodAutoscaler",  # served in v1 too; kubectl autoscale creates it there
    "policy.PodDisruptionBudget",
    "policy.Eviction",
    "discovery.EndpointSlice",
    "meta.DeleteOptions",
    "events.Event",  # events.k8s.io/v1, the core events in another version
]
# What responses carry besides objects: Status failures and watch events (and each root's list, when it has one).
RESPONSES = ["meta.Status", "meta.WatchEvent"]
FIELD_LINE = re.compile(r"^\t(?:(\w+)\s+)?([\w.\[\]*]+)\s+`([^`]*)`")


@dataclass
class Types:
    structs: dict[str, tuple[str, dict[str, str], list[tuple[str | None, str, str]]]] = field(default_factory=dict)
    named: dict[str, tuple[str, dict[str, str], str]] = field(default_factory=dict)


def git(checkout: str, *args: str) -> str:
    return subprocess.run(["git", "-C", checkout, *args], capture_output=True, text=True, check=True).stdout


def parse(types: Types, package: str, text: str) -> None:
    imports = {}
    for alias, path in re.findall(r'^\s*(\w+)?\s*"([^"]+)"$', text, re.M):
        key = next((k for k, v in SOURCES.items() if v[2] == path), None) or OTHER_IMPORTS.get(path)
        if key:
            imports[alias or path.rsplit("/", 1)[1]] = key
    current: list[tuple[str | None, str, str]] | None = None
    for line in text.splitlines():
        if m := re.match(r"^type (\w+) struct ?\{(\})?$", line):
            fields: list[tuple[str | None, str, str]] = []
            types.structs[f"{package}.{m.group(1)}"] = (package, imports, fields)
            current = None if m.group(2) else fields
        elif line == "}":
            current = None
        elif m := re.match(r"^type (\w+) ([\w.\[\]*]+)$", line):
            types.named[f"{package}.{m.group(1)}"] = (package, imports, m.group(2))
        elif current is not None and (m := FIELD_LINE.match(line)) and "protobuf:" in m.group(3):
            current.append((m.group(1), m.group(2), m.group(3)))


def element(types: Types, package: str, imports: dict[str, str], go_type: str) -> str:
    """The schema type of a (non-slice, non-map) Go type."""
    go_type = go_type.lstrip("*")
    if go_type in SCALARS:
        return SCALARS[go_type]
    alias, _, name = go_type.rpartition(".")
    qualified = f"{imports[alias] if alias else package}.{name}"
    if qualified in SPECIAL:
        return SPECIAL[qualified]
    if qualified in types.named:
        named_package, named_imports, underlying = types.named[qualified]
        if underlying.startswith("[]") and underlying != "[]byte":  # protobuf wraps a named slice: items = 1
            return "list:" + element(types, named_package, named_imports, underlying[2:])
        return resolve(types, named_package, named_imports, underlying)[1]
    assert qualified in types.structs, qualified
    return qualified


def resolve(types: Types, package: str, imports: dict[str, str], go_type: str) -> tuple[str, str]:
    """(container: "", "LIST" or "MAP", element type) of a field's Go type."""
    bare = go_type.lstrip("*")
    if bare.startswith("[]") and bare != "[]byte":
        return "LIST", element(types, package, imports, bare[2:])
    if bare.startswith("map["):
        return "MAP", element(types, package, imports, bare.split("]", 1)[1])
    alias, _, name = bare.rpartition(".")
    qualified = f"{imports[alias] if alias else package}.{name}"
    if qualified in types.named and qualified not in SPECIAL:
        named_package, named_imports, underlying = types.named[qualified]
        if underlying.startswith(("[]", "map[")) and underlying != "[]byte":
            return resolve(types, named_package, named_imports, underlying)
    return "", element(types, package, imports, bare)


def row(types: Types, message: str, go_field: tuple[str | None, str, str]) -> tuple[int, str, str, str]:
    name, go_type, tags = go_field
    package, imports, _ = types.structs[message]
    number = int(re.search(r'protobuf:"[^,]*,(\d+)', tags).group(1))  # type: ignore[union-attr]
    json_tag = re.search(r'json:"([^"]*)"', tags)
    json_parts = json_tag.group(1).split(",") if json_tag else [name or ""]
    container, kind = resolve(types, package, imports, go_type)
    inline = (name is None and not json_parts[0]) or "inline" in json_parts[1:]
    flags = [container] if container else []
    if inline:
        flags.append("INLINE")
    pointer, omitempty = go_type.startswith("*"), "omitempty" in json_parts[1:]
    if (pointer or not omitempty) and not container and kind not in types.structs:
        flags.append("KEEP")
    if pointer and not container:
        flags.append("POINTER")
    return number, "" if inline else json_parts[0] or name or "", kind, " | ".join(flags) or "0"


def all_roots(types: Types) -> list[str]:
    """The served kinds, their lists, then what else responses carry."""
    return [*ROOTS, *(f"{root}List" for root in ROOTS if f"{root}List" in types.structs), *RESPONSES]


def closure(types: Types, roots: list[str]) -> dict[str, list[tuple[int, str, str, str]]]:
    messages: dict[str, list[tuple[int, str, str, str]]] = {}
    todo = list(roots)
    while todo:
        message = todo.pop()
        if message in messages:
            continue
        messages[message] = sorted(row(types, message, f) for f in types.structs[message][2])
        for _, _, kind, _ in messages[message]:
            base = kind.rpartition(":")[2]
            todo += [base] if base in types.structs else []
            todo += ["apiextensions.JSONSchemaProps"] if base.startswith("schemaor") else []
    return messages


HEADER = '''"""The protobuf messages of the built-in kinds the sandbox serves (generated by scripts/protobuf_schema.py).

Each message maps a field number to (JSON name, type, flags), read from the ``protobuf:"..."`` and ``json:"..."``
struct tags of the Go types in
  github.com/kubernetes/api@{0}
    core/v1, apps/v1, batch/v1, rbac/v1, networking/v1, authorization/v1, authentication/v1, autoscaling/v1, policy/v1,
    discovery/v1,
    scheduling/v1alpha3, events/v1, coordination/v1 (types.go),
  github.com/kubernetes/apimachinery@{1}
    pkg/apis/meta/v1/types.go and watch.go,
  github.com/kubernetes/apiextensions-apiserver@{2}
    pkg/apis/apiextensions/v1/types.go and types_jsonschema.go.
The Go types, not the tags' wire types, decide how a field decodes (some tags say "bytes" for a double or "rep" for
a string). A type is a scalar (string, int, bool, double, bytes), a message with its own JSON form (time,
microtime, quantity, intorstring, raw, schemaorarray, schemaorbool, schemaorstrings), ``list:<type>`` (a named
slice, which protobuf wraps in a message with items = 1) or a message name.
"""

from typing import Final

LIST: Final = 1  # repeated
MAP: Final = 2  # map entries: messages with key = 1, value = 2
INLINE: Final = 4  # an embedded struct: its fields are the parent's in JSON
KEEP: Final = 8  # a pointer, or a field without omitempty: its zero value is kept, as encoding/json keeps it
POINTER: Final = 16  # a pointer: absent (nil) unless set, where Go's marshallers write every other field

Field = tuple[str, str, int]

# The (apiVersion, kind) of a runtime.Unknown envelope → the message of its raw bytes.
KINDS: Final[dict[tuple[str, str], str]] = {{
'''


def main(checkouts: list[str]) -> None:
    types = Types()
    for package, (index, files, _) in SOURCES.items():
        for path in files:
            parse(types, package, git(checkouts[index], "show", f"HEAD:{path}"))
    out = [HEADER.format(*(git(c, "rev-parse", "HEAD").strip() for c in checkouts))]
    roots = all_roots(types)
    for root in roots:
        package, _, kind = root.partition(".")
        out.append(f'    ("{GROUPS[package]}", "{kind}"): "{root}",\n')
    out.append("}\n\nMESSAGES: Final[dict[str, dict[int, Field]]] = {\n")
    for message, rows in sorted(closure(types, roots).items()):
        out.append(f'    "{message}": {{\n')
        out += [f'        {number}: ("{name}", "{kind}", {flags}),\n' for number, name, kind, flags in rows]
        out.append("    },\n")
    sys.stdout.write("".join(out) + "}\n")


if __name__ == "__main__":
    main(sys.argv[1:4])
