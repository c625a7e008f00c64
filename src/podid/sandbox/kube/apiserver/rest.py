"""REST verbs on resources: URL → (type, namespace, name, subresource), body decoding, and the responses.

URLs are ``/api/v1/...`` and ``/apis/<group>/<version>/...`` followed by ``[namespaces/<ns>/]<plural>[/<name>
[/<subresource>]]`` (``namespaces/<name>`` itself is the Namespace). Bodies are JSON (also when the Python
client sends no Content-Type), YAML or protobuf (``machinery.protobuf``). Lists honour label and field selectors,
``limit`` and ``continue``; ``Accept: ...;as=Table`` gets a Table, ``as=PartialObjectMetadata[List]`` metadata only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from aiohttp import web

from podid.sandbox.kube.apiserver import crd_versions, fieldmanager, negotiation
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.machinery.encoding import dumps, load_yaml, loads
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_str, dig
from podid.sandbox.kube.machinery.patching import apply_patch
from podid.sandbox.kube.machinery.protobuf import PROTOBUF, decode_body
from podid.sandbox.kube.machinery.resources import Catalog, ResourceType
from podid.sandbox.kube.machinery.status import bad_request, method_not_allowed, path_not_found, unsupported_media_type
from podid.sandbox.kube.printing.tables import render_table
from podid.sandbox.kube.rbac.escalation import confirm_no_escalation
from podid.sandbox.kube.storage.cluster import DeleteOptions

JSON = "application/json"
_BODY_TYPES = (JSON, "application/yaml", PROTOBUF)
_STATUS_SUBRESOURCE = "status"
# Kinds whose registry answers a DELETE with the deleted object; the others answer a Success Status naming it.
_RETURN_DELETED = frozenset({"Pod", "Service"})


@dataclass(frozen=True)
class Target:
    rt: ResourceType
    namespace: str  # "" for cluster-scoped resources and lists across namespaces
    name: str  # "" for collections
    subresource: str


@dataclass(frozen=True)
class View:
    """Another version of a stored kind, as served (events.k8s.io/v1 Events are core/v1 Events): its type and the
    conversion of a stored object into it."""

    rt: ResourceType
    convert: Callable[[Obj], Obj]


def custom_view(context: ApiContext, target: Target) -> tuple[Target, View | None]:
    """A custom kind asked for in another version than its storage version: its stored objects' target, and the
    view that converts them (``crd_versions``); ``target`` itself otherwise."""
    stored = crd_versions.storage_type(context.cluster, target.rt)
    if stored is None:
        return target, None
    convert = lambda obj: crd_versions.served(context.cluster, target.rt, obj)  # noqa: E731
    return Target(stored, target.namespace, target.name, target.subresource), View(target.rt, convert)


@dataclass
class ListResult:
    items: list[Obj]
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None


def parse_target(catalog: Catalog, group: str, version: str, segments: list[str]) -> Target | None:
    """The resource a path names, or None when it names nothing served."""
    namespace = ""
    if len(segments) >= 3 and segments[0] == "namespaces":
        candidate = catalog.lookup(group, version, segments[2])
        if candidate is not None and candidate.namespaced:
            namespace, segments = segments[1], segments[2:]
    if not 1 <= len(segments) <= 3:
        return None
    rt = catalog.lookup(group, version, segments[0])
    if rt is None or (rt.namespaced and not namespace and len(segments) > 1):
        return None
    name = segments[1] if len(segments) > 1 else ""
    return Target(rt, namespace, name, segments[2] if len(segments) > 2 else "")


def flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("true", "1")


def json_response(body: Obj, status: int = 200) -> web.Response:
    return _bytes_response(dumps(body), status)


def status_response(request: web.Request, body: Obj, status: int = 200) -> web.Response:
    """A Status in the encoding the client prefers (JSON or protobuf)."""
    return (
        negotiation.protobuf_response(body, status)
        if negotiation.prefers_protobuf(request)
        else json_response(body, status)
    )


def _bytes_response(body: bytes, status: int = 200) -> web.Response:
    """An API object's JSON as the apiserver's serializer writes it: encoding/json's Encoder ends it with a newline
    (k8s.io/apimachinery pkg/runtime/serializer/json/json.go)."""
    headers = {"Cache-Control": "no-cache, private"}
    return web.Response(body=body + b"\n", status=status, content_type=JSON, headers=headers)


async def read_body(request: web.Request, rt: ResourceType | None = None) -> Obj:
    """A POST/PUT body of ``rt`` as a JSON object (YAML, protobuf allowed); malformed input is a 400 like the
    apiserver's."""
    media_type = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if media_type == PROTOBUF:  # kubectl's typed clients, e.g. ``kubectl create namespace``
        return decode_body(await request.read(), (rt.api_version, rt.kind) if rt else ("", ""))
    if media_type not in ("", "*/*", JSON, "application/yaml"):
        raise unsupported_media_type(_BODY_TYPES)
    text = (await request.read()).decode("utf-8", errors="replace")
    try:
        value = load_yaml(text) if media_type == "application/yaml" else loads(text)
    except (ValueError, yaml.YAMLError) as error:
        raise bad_request(f"couldn't get version/kind; json parse error: {error}") from None
    if not isinstance(value, dict):
        raise bad_request("couldn't get version/kind; json parse error: the body is not a JSON object")
    return value


def _accepts(request: web.Request, kind: str) -> bool:
    accept = request.headers.get("Accept", "")
    return any(f"as={kind}" in part.replace(" ", "") for part in accept.split(","))


# reads


def list_response(context: ApiContext, request: web.Request, target: Target, view: View | None = None) -> web.Response:
    """The objects of ``target`` (as ``view`` shows them, when given)."""
    if view is None:
        target, view = custom_view(context, target)
    cluster = context.cluster
    items = cluster.list_objects(
        target.rt,
        target.namespace or None,
        request.query.get("labelSelector", ""),
        request.query.get("fieldSelector", ""),
    )
    result = _page(items, cluster.objects.resource_version, request)
    shown = view.rt if view is not None else target.rt
    if view is not None:
        result.items = [view.convert(obj) for obj in result.items]
    if _accepts(request, "Table"):
        now = cluster.clock.utcnow()
        table = render_table(
            shown,
            result.items,
            now=now,
            resource_version=str(result.resource_version),
            continue_token=result.continue_token,
            include_object=request.query.get("includeObject", ""),
            kubernetes_version=context.kubernetes_version,
        )
        return json_response(table)
    metadata: Obj = {"resourceVersion": str(result.resource_version)}
    if result.continue_token:
        metadata |= {"continue": result.continue_token, "remainingItemCount": result.remaining}
    if _accepts(request, "PartialObjectMetadataList"):
        partial = [_partial(obj) for obj in result.items]
        body = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}
        return json_response({**body, "items": partial})
    head = {"kind": shown.list_kind, "apiVersion": shown.api_version, "metadata": metadata}
    if negotiation.prefers_protobuf(request):
        return negotiation.protobuf_response({**head, "items": result.items})
    return _bytes_response(context.encoding.document(head, result.items))


def _page(items: list[Obj], version: int, request: web.Request) -> ListResult:
    """``limit``/``continue``: the token carries the last key returned."""
    token = request.query.get("continue", "")
    if token:
        try:
            after = tuple(json.loads(base64.urlsafe_b64decode(token.encode())).get("start", []))
        except (ValueError, AttributeError):
            raise bad_request("continue key is not valid: illegal base64 data") from None
        items = [obj for obj in items if _sort_key(obj) > after]
    limit = request.query.get("limit", "")
    if not limit.isdigit() or int(limit) <= 0 or len(items) <= int(limit):
        return ListResult(items, version)
    page, rest = items[: int(limit)], items[int(limit) :]
    start = json.dumps({"rv": version, "start": list(_sort_key(page[-1]))}).encode()
    return ListResult(page, version, base64.urlsafe_b64encode(start).decode(), len(rest))


def _sort_key(obj: Obj) -> tuple[str, str]:
    return as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))


def _partial(obj: Obj) -> Obj:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def object_response(
    context: ApiContext, request: web.Request, target: Target, obj: Obj, status: int = 200
) -> web.Response:
    obj = crd_versions.served(context.cluster, target.rt, obj)
    if _accepts(request, "Table"):
        now = context.cluster.clock.utcnow()
        include = request.query.get("includeObject", "")
        table = render_table(
            target.rt, [obj], now=now, include_object=include, kubernetes_version=context.kubernetes_version
        )
        return json_response(table, status)
    if _accepts(request, "PartialObjectMetadata"):
        return json_response(_partial(obj), status)
    if negotiation.prefers_protobuf(request):
        return negotiation.protobuf_response(obj, status)
    return _bytes_response(context.encoding.encode(obj), status)


# writes


def dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    if any(v != "All" for v in values):
        raise bad_request(f"Invalid dry run value: {values}")
    return bool(values)


async def create(context: ApiContext, request: web.Request, target: Target) -> web.Response:
    body = await read_body(request, target.rt)
    confirm_no_escalation(context.authorizer, request, target.rt, body, None)
    manager = fieldmanager.manager_of(request)
    created = context.cluster.create_object(
        target.rt, target.namespace, body, dry_run=dry_run(request), manager=manager
    )
    return object_response(context, request, target, created, 201)


async def update(context: ApiContext, request: web.Request, target: Target) -> web.Response:
    if target.subresource not in ("", _STATUS_SUBRESOURCE):
        raise method_not_allowed()
    body = await read_body(request, target.rt)
    old = context.cluster.find(target.rt, target.namespace, target.name)
    confirm_no_escalation(context.authorizer, request, target.rt, body, old)
    updated = context.cluster.update_object(
        target.rt,
        target.namespace,
        target.name,
        body,
        subresource=target.subresource,
        dry_run=dry_run(request),
        manager=fieldmanager.manager_of(request, target.subresource),
    )
    return object_response(context, request, target, updated)


async def patch(context: ApiContext, request: web.Request, target: Target) -> web.Response:
    if target.subresource not in ("", _STATUS_SUBRESOURCE):
        raise method_not_allowed()
    cluster = context.cluster
    dry = dry_run(request)
    if fieldmanager.is_apply(request, target.rt):
        where = (target.namespace, target.name, target.subresource)
        applied, status = await fieldmanager.server_side_apply(context, request, target.rt, where, dry)
        return object_response(context, request, target, applied, status)
    body = await request.read()
    current = crd_versions.served(cluster, target.rt, cluster.read(target.rt, target.namespace, target.name))
    patched = apply_patch(current, body, request.headers.get("Content-Type"), target.rt)
    confirm_no_escalation(context.authorizer, request, target.rt, patched, current)
    updated = cluster.update_object(
        target.rt,
        target.namespace,
        target.name,
        patched,
        subresource=target.subresource,
        dry_run=dry,
        manager=fieldmanager.manager_of(request, target.subresource),
    )
    return object_response(context, request, target, updated)


async def patched_view(context: ApiContext, request: web.Request, stored: Target, view: View) -> Obj:
    """What a PATCH makes of an object served as ``view``: the patch applied to the stored one, converted."""
    current = view.convert(context.cluster.read(stored.rt, stored.namespace, stored.name))
    return apply_patch(current, await request.read(), request.headers.get("Content-Type"), view.rt)


async def delete(context: ApiContext, request: web.Request, target: Target) -> web.Response:
    options = await _delete_options(request)
    if not target.name:
        return _delete_collection(context, request, target, options)
    if target.subresource:
        raise method_not_allowed()
    deleted = context.cluster.delete_object(target.rt, target.namespace, target.name, options)
    pending = context.cluster.find(target.rt, target.namespace, target.name) is not None
    if pending or target.rt.kind in _RETURN_DELETED or options.dry_run:
        return object_response(context, request, target, deleted)
    details = {
        "name": target.name,
        "group": target.rt.group,
        "kind": target.rt.plural,
        "uid": deleted["metadata"]["uid"],
    }
    success = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    return status_response(request, {**success, "details": {k: v for k, v in details.items() if v}})


def _delete_collection(
    context: ApiContext, request: web.Request, target: Target, options: DeleteOptions
) -> web.Response:
    cluster = context.cluster
    if "deletecollection" not in target.rt.verbs:
        raise method_not_allowed(target.rt, "deletecollection")
    items = cluster.list_objects(
        target.rt,
        target.namespace or None,
        request.query.get("labelSelector", ""),
        request.query.get("fieldSelector", ""),
    )
    deleted = [cluster.delete_object(target.rt, _sort_key(o)[0], _sort_key(o)[1], options) for o in items]
    metadata = {"resourceVersion": str(cluster.objects.resource_version)}
    return json_response(
        {"kind": target.rt.list_kind, "apiVersion": target.rt.api_version, "metadata": metadata, "items": deleted}
    )


async def _delete_options(request: web.Request) -> DeleteOptions:
    raw = await request.read()
    body: Any = {}
    if raw.strip() and request.content_type == PROTOBUF:  # from a typed Go client set to protobuf
        body = decode_body(raw)
    elif raw.strip():
        try:
            body = loads(raw)
        except ValueError as error:
            raise bad_request(f"couldn't get version/kind; json parse error: {error}") from None
    options = DeleteOptions.from_body(
        as_dict(body), request.query.get("gracePeriodSeconds"), request.query.get("propagationPolicy")
    )
    options.dry_run = options.dry_run or dry_run(request)
    return options


def not_found_path() -> web.Response:
    error = path_not_found()
    return json_response(error.status, error.code)
