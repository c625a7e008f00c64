"""events.k8s.io/v1 Events: the core/v1 Events, in the other version (``events.versions``), as the apiserver serves
one storage under both groups. Each function is a row of the verb table (``apiserver.verbs``).

Reads, lists (field selectors in events.k8s.io's names: ``regarding.name``, ``reportingController``...) and
watches convert the stored events; writes convert the body to core/v1 and store it, after the checks the
apiserver makes of an events.k8s.io/v1 create (k8s.io/kubernetes pkg/apis/core/validation/events.go
``ValidateEventCreate``: ``eventTime``, ``reportingController``, ``reportingInstance``, ``action`` and ``reason``
set, ``type`` Normal or Warning, no ``deprecated…`` field). Deletes act on the stored event.
"""

from __future__ import annotations

import re

from aiohttp import web

from podid.sandbox.kube.apiserver import rest, streams
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.events.versions import EVENTS_API_VERSION, FIELD_LABELS, to_core, to_events_v1
from podid.sandbox.kube.machinery.objects import Obj, as_str, dig
from podid.sandbox.kube.machinery.status import FieldError, bad_request, invalid, invalid_value, required

_TERM = re.compile(r"(^|,)([^,=!]*)(?=!=|==|=)")
_DEPRECATED = ("deprecatedSource", "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount")


def _stored(context: ApiContext, target: rest.Target) -> rest.Target:
    """The core/v1 events the request's events.k8s.io/v1 ones are stored as."""
    return rest.Target(context.cluster.resource_type("events"), target.namespace, target.name, "")


async def list_or_watch(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    view = rest.View(target.rt, to_events_v1)
    return await streams.list_or_watch(context, _core_field_names(request), _stored(context, target), view)


async def read(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    found = context.cluster.read(_stored(context, target).rt, target.namespace, target.name)
    return rest.object_response(context, request, target, to_events_v1(found))


async def create(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    event = to_core(_checked(target, await rest.read_body(request)))
    dry_run = rest.dry_run(request)
    created = context.cluster.create_object(_stored(context, target).rt, target.namespace, event, dry_run=dry_run)
    return rest.object_response(context, request, target, to_events_v1(created), 201)


async def update(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    return await _store(context, request, target, await rest.read_body(request))


async def patch(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    body = await rest.patched_view(context, request, _stored(context, target), rest.View(target.rt, to_events_v1))
    return await _store(context, request, target, body)


async def delete(context: ApiContext, request: web.Request, target: rest.Target) -> web.StreamResponse:
    return await rest.delete(context, request, _stored(context, target))


async def _store(context: ApiContext, request: web.Request, target: rest.Target, event: Obj) -> web.StreamResponse:
    """An update of the stored event to ``event`` (events.k8s.io/v1), answered in events.k8s.io/v1."""
    dry_run = rest.dry_run(request)
    stored = _stored(context, target)
    updated = context.cluster.update_object(stored.rt, target.namespace, target.name, to_core(event), dry_run=dry_run)
    return rest.object_response(context, request, target, to_events_v1(updated))


def _checked(target: rest.Target, event: Obj) -> Obj:
    """ValidateEventCreate for events.k8s.io/v1 (and the body's own apiVersion)."""
    if event.setdefault("apiVersion", EVENTS_API_VERSION) != EVENTS_API_VERSION:
        expected = f"does not match the expected API version ({EVENTS_API_VERSION})"
        raise bad_request(f"the API version in the data ({event['apiVersion']}) {expected}")
    errors: list[FieldError] = [required(name) for name in ("eventTime",) if not event.get(name)]
    if event.get("type") not in ("Normal", "Warning"):
        errors.append(invalid_value("type", "", f"has invalid value: {event.get('type') or ''}"))
    errors += [invalid_value(name, "", "needs to be unset") for name in _DEPRECATED if event.get(name)]
    for name in ("reportingController", "reportingInstance", "action", "reason"):
        if not event.get(name):
            errors.append(required(name))
    if errors:
        raise invalid(target.rt, as_str(dig(event, "metadata", "name")), errors)
    return event


def _core_field_names(request: web.Request) -> web.Request:
    """The request with its field selector in core/v1's field names (an unknown name is the apiserver's 400)."""
    text = request.query.get("fieldSelector", "")
    if not text:
        return request

    def rename(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in FIELD_LABELS:
            raise bad_request(f"field label not supported: {name}")
        return match.group(1) + FIELD_LABELS[name]

    query = request.rel_url.query.copy()
    query["fieldSelector"] = _TERM.sub(rename, text)
    return request.clone(rel_url=request.rel_url.with_query(query))
