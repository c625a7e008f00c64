"""A CustomResourceDefinition's operations (``paths``), as apiextensions-apiserver describes them.

k8s.io/apiextensions-apiserver pkg/controller/openapi/builder/builder.go: generateBuilder's routes (list, create
and deletecollection on the collection, a namespaced kind's list for all namespaces, read, replace, delete and
patch on an object; no watch routes), buildRoute's descriptions (descriptionFor), operation ids and tags
(k8s.io/apiserver pkg/endpoints/openapi GetOperationIDAndTags), media types (JSON and YAML; JSON, merge and apply
patches) and responses, with each options struct's query parameters (endpoints.AddObjectParams) as the built-in
kinds' operations of the same release describe them. Parameters every operation of a path takes sit on the path
(kube-openapi builder3). A version's status and scale subresources add read, replace and patch on
``{name}/status`` (the kind's schema) and ``{name}/scale`` (autoscaling/v1 Scale).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.openapi.paths import Names, operation_id

_REF = "#/components/schemas/"
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_MEDIA = ("application/json", "application/yaml")
_PATCHES = ("application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json")
_STATUS_TEXT = {"200": "OK", "201": "Created", "202": "Accepted"}
SCALE_MODEL = "io.k8s.api.autoscaling.v1.Scale"
# verb → (responses, query parameters: the fields of Get/List/Create/Update/Patch/DeleteOptions)
_LIST = (
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
)
_WRITE = ("dryRun", "fieldManager", "fieldValidation")
_DELETE = ("dryRun", "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential", "orphanDependents")
_VERBS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "list": (("200",), _LIST),
    "post": (("200", "201", "202"), _WRITE),
    "deletecollection": (("200",), _LIST),
    "get": (("200",), ("resourceVersion",)),
    "put": (("200", "201"), _WRITE),
    "delete": (("200", "202"), (*_DELETE, "propagationPolicy")),
    "patch": (("200",), (*_WRITE, "force")),
}
Parameters = Callable[[str, str], Obj | None]  # (action, name) → the parameter a built-in kind's operation has


def paths(names: Names, namespaced: bool, parameters: Parameters, subresources: Sequence[str] = ()) -> dict[str, str]:
    """Path → path item (JSON text) of one served version of a CRD, with its ``subresources``."""
    root = f"{names.prefix}/{names.plural}"
    routes: list[tuple[str, str, str, str, str]] = []  # path, method, action, operation verb, operation id
    if namespaced:
        routes.append((root, "get", "list", "list", f"list{names.kind}ForAllNamespaces"))
        root = f"{names.prefix}/namespaces/{{namespace}}/{names.plural}"
    scope = "Namespaced" if namespaced else ""
    for path, method, action, verb in (
        (root, "get", "list", "list"),
        (root, "post", "post", "create"),
        (root, "delete", "deletecollection", "deletecollection"),
        (f"{root}/{{name}}", "get", "get", "read"),
        (f"{root}/{{name}}", "put", "put", "replace"),
        (f"{root}/{{name}}", "delete", "delete", "delete"),
        (f"{root}/{{name}}", "patch", "patch", "patch"),
    ):
        routes.append((path, method, action, verb, f"{verb}{scope}{names.kind}"))
    for sub in subresources:  # buildRoute's operation: the subresource title-cased after the kind
        for method, action, verb in (("get", "get", "read"), ("put", "put", "replace"), ("patch", "patch", "patch")):
            routes.append((f"{root}/{{name}}/{sub}", method, action, verb, f"{verb}{scope}{names.kind}{sub.title()}"))
    items: dict[str, Obj] = {}
    for path, method, action, verb, operation in routes:
        items.setdefault(path, {})[method] = _operation(names, path, action, verb, operation, parameters)
    return {path: json.dumps(_hoist(item), sort_keys=True, separators=(",", ":")) for path, item in items.items()}


def _operation(names: Names, path: str, action: str, verb: str, operation: str, parameters: Parameters) -> Obj:
    responses, query = _VERBS[action]
    body = f"{_META}Status" if action in ("delete", "deletecollection") else names.list_model
    body = names.model if action not in ("list", "delete", "deletecollection") else body
    sub = path.rsplit("/", 1)[1] if path.endswith(("/status", "/scale")) else ""
    body = SCALE_MODEL if sub == "scale" else body
    found = [parameters(action, name) for name in ("pretty", *query)]
    path_parameters: list[Obj | None] = [_path_parameter(names, "name")] if "{name}" in path else []
    path_parameters += [parameters(action, "namespace")] if "{namespace}" in path else []
    op: Obj = {
        "description": _description(names.kind, verb, sub),
        "operationId": _operation_id(operation, names),
        "parameters": sorted((p for p in [*found, *path_parameters] if p), key=lambda p: (p["name"], p["in"])),
        "responses": {
            **{code: _response(code, body) for code in responses},
            "401": {"description": "Unauthorized"},
        },
        "tags": [names.tag],
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": names.group, "kind": names.kind, "version": names.version},
    }
    if action in ("post", "put", "patch", "delete"):
        op["requestBody"] = _request_body(action, body)
    return op


def _description(kind: str, verb: str, sub: str = "") -> str:
    """descriptionFor (``read status of the specified CronTab`` on a subresource)."""
    of = f" {sub} of" if sub else ""
    if verb == "list":
        return f"list objects of kind {kind}"
    if verb in ("read", "replace"):
        return f"{verb}{of} the specified {kind}"
    if verb == "patch":
        return f"partially update{of} the specified {kind}"
    if verb == "deletecollection":
        return f"delete collection of {kind}"
    article = " an " if kind[:1].lower() in "aeiou" else " a "  # endpoints.GetArticleForNoun
    return f"{verb}{article}{kind}"


def _operation_id(operation: str, names: Names) -> str:
    """GetOperationIDAndTags: the verb, then the group and version, then the rest ("deletecollection" is "delete")."""
    verb = next(v for v in ("list", "create", "delete", "read", "replace", "patch") if operation.startswith(v))
    return verb + names.operation + operation_id(operation.removeprefix(verb), capitalize=True)


def _path_parameter(names: Names, name: str) -> Obj:
    description = f"name of the {names.kind}"
    return {"description": description, "in": "path", "name": name, "required": True, "schema": _STRING}


_STRING = {"type": "string", "uniqueItems": True}


def _response(code: str, model: str) -> Obj:
    content = {media: {"schema": {"$ref": _REF + model}} for media in _MEDIA}
    return {"content": content, "description": _STATUS_TEXT[code]}


def _request_body(action: str, model: str) -> Obj:
    if action == "patch":
        return {"content": {m: {"schema": {"$ref": f"{_REF}{_META}Patch"}} for m in _PATCHES}, "required": True}
    if action == "delete":
        return {"content": {m: {"schema": {"$ref": f"{_REF}{_META}DeleteOptions"}} for m in _MEDIA}}
    return {"content": {m: {"schema": {"$ref": _REF + model}} for m in _MEDIA}, "required": True}


def _hoist(item: Obj) -> Obj:
    """Parameters every operation of the path takes move to the path (kube-openapi builder3)."""
    operations = list(item.values())
    common = [p for p in operations[0]["parameters"] if all(p in op["parameters"] for op in operations[1:])]
    for op in operations:
        op["parameters"] = [p for p in op["parameters"] if p not in common]
        if not op["parameters"]:
            del op["parameters"]
    return {**item, "parameters": common} if common else item
