"""Streaming responses: watches (JSON lines in a chunked response) and container logs (``pods/log``).

A watch starts its subscription before anything is written, so a client that lists then watches from the
list's resourceVersion (kubectl's delete wait) misses nothing. It ends after ``timeoutSeconds`` (else the
apiserver's 30-minute minimum request timeout) or when the client goes away. Logs are the container's log
file; ``follow`` keeps sending what the workload writes until the container stops or the pod goes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from podid.sandbox.kube.apiserver import negotiation
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.apiserver.rest import JSON, Target, View, custom_view, flag, list_response
from podid.sandbox.kube.machinery.encoding import dumps
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig, labels_of
from podid.sandbox.kube.machinery.selectors import SelectorError, parse_field_selector, parse_label_selector
from podid.sandbox.kube.machinery.status import bad_request
from podid.sandbox.kube.printing.tables import render_table

DEFAULT_WATCH_SECONDS = 1800
_CLIENT_CHECK_SECONDS = 5.0
_FOLLOW_POLL_SECONDS = 0.2


def _matcher(target: Target, label_selector: str, field_selector: str) -> Callable[[Obj], bool]:
    try:
        labels = parse_label_selector(label_selector) if label_selector else None
        fields = parse_field_selector(field_selector, target.rt.kind) if field_selector else None
    except SelectorError as error:
        raise bad_request(str(error)) from None
    api_version, kind, namespace = target.rt.api_version, target.rt.kind, target.namespace

    def matches(obj: Obj) -> bool:
        return (
            obj.get("kind") == kind
            and obj.get("apiVersion") == api_version
            and (not namespace or dig(obj, "metadata", "namespace") == namespace)
            and (labels is None or labels.matches(labels_of(obj)))
            and (fields is None or fields.matches(obj))
        )

    return matches


async def list_or_watch(
    context: ApiContext, request: web.Request, target: Target, view: View | None = None
) -> web.StreamResponse:
    """``GET`` on a collection: its objects, or with ``watch`` their changes (as ``view`` shows them, when given)."""
    if flag(request, "watch"):
        return await watch(context, request, target, view)
    return list_response(context, request, target, view)


async def watch(
    context: ApiContext, request: web.Request, target: Target, view: View | None = None
) -> web.StreamResponse:
    """Changes to the objects of ``target`` (as ``view`` shows them, when given)."""
    if view is None:
        target, view = custom_view(context, target)
    cluster = context.cluster
    query = request.query
    matches = _matcher(target, query.get("labelSelector", ""), query.get("fieldSelector", ""))
    version = query.get("resourceVersion")
    initial = cluster.list_objects(target.rt, target.namespace or None) if version in (None, "", "0") else []
    subscription = cluster.hub.subscribe(matches, resource_version=version, initial=initial)
    timeout = query.get("timeoutSeconds", "")
    seconds = int(timeout) if timeout.isdigit() else DEFAULT_WATCH_SECONDS
    table = "as=Table" in request.headers.get("Accept", "").replace(" ", "")
    binary = not table and negotiation.prefers_protobuf(request)
    content_type = negotiation.WATCH_STREAM if binary else JSON
    response = web.StreamResponse(headers={"Content-Type": content_type, "Cache-Control": "no-cache, private"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                event = await asyncio.wait_for(anext(subscription), min(left, _CLIENT_CHECK_SECONDS))
            except TimeoutError:
                if request.transport is None or request.transport.is_closing():
                    break
                continue
            except StopAsyncIteration:
                break
            if not binary:
                await response.write(_line(context, target, event, table, view))
            elif (frame := negotiation.watch_frame(event, view.convert if view else None)) is not None:
                await response.write(frame)
            else:
                break
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        subscription.close()
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


def _line(context: ApiContext, target: Target, event: Obj, table: bool, view: View | None) -> bytes:
    if event["type"] == "ERROR":
        return dumps(event) + b"\n"
    obj = view.convert(event["object"]) if view is not None else event["object"]
    if table:
        now, version = context.cluster.clock.utcnow(), context.kubernetes_version
        rendered = render_table(view.rt if view else target.rt, [obj], now=now, kubernetes_version=version)
        return dumps({"type": event["type"], "object": rendered}) + b"\n"
    if view is not None:
        return dumps({"type": event["type"], "object": obj}) + b"\n"
    return context.encoding.event(event["type"], obj)


# logs


def pick_container(pod: Obj, wanted: str) -> str:
    spec = as_dict(pod.get("spec"))
    names = [as_str(dig(c, "name")) for c in as_list(spec.get("containers"))]
    init_names = [as_str(dig(c, "name")) for c in as_list(spec.get("initContainers"))]
    pod_name = as_str(dig(pod, "metadata", "name"))
    if wanted:
        if wanted not in names + init_names:
            raise bad_request(f"container {wanted} is not valid for pod {pod_name}")
        return wanted
    if len(names) == 1:
        return names[0]
    message = f"a container name must be specified for pod {pod_name}, choose one of: [{' '.join(names)}]"
    if init_names:
        message += f" or one of the init containers: [{' '.join(init_names)}]"
    raise bad_request(message)


def _log_file(context: ApiContext, pod: Obj, name: str, previous: bool) -> tuple[Path | None, bool]:
    """The log file to serve and whether the container still runs; raises the kubelet's 400s."""
    pod_name = as_str(dig(pod, "metadata", "name"))
    if not dig(pod, "spec", "nodeName"):
        raise bad_request(f"pod {pod_name} does not have a host assigned")
    found = context.kubelet.container(pod, name)
    if found is None:
        raise bad_request(f'container "{name}" in pod "{pod_name}" is waiting to start: ContainerCreating')
    run, container = found
    if previous:
        if container.restart_count == 0 or not container.last_state:
            raise bad_request(f'previous terminated container "{name}" in pod "{pod_name}" not found')
        return run.files.log_path(name, container.restart_count - 1), False
    if "waiting" in container.state:
        if container.restart_count == 0:
            reason = as_str(container.state["waiting"].get("reason"))
            raise bad_request(f'container "{name}" in pod "{pod_name}" is waiting to start: {reason}')
        return run.files.log_path(name, container.restart_count - 1), False  # the last instance, backing off
    if container.workload is None:
        return None, container.running
    return run.files.log_path(name, container.restart_count), container.running


def _tail(data: bytes, lines: str) -> bytes:
    if not lines.isdigit():
        return data
    count = int(lines)
    if count == 0:
        return b""
    parts = data.splitlines(keepends=True)
    return b"".join(parts[-count:])


async def logs(context: ApiContext, request: web.Request, target: Target) -> web.StreamResponse:
    cluster = context.cluster
    pod = cluster.read(target.rt, target.namespace, target.name)
    name = pick_container(pod, request.query.get("container", ""))
    path, running = _log_file(context, pod, name, flag(request, "previous"))
    raw = path.read_bytes() if path is not None and path.exists() else b""
    data = _tail(raw, request.query.get("tailLines", ""))
    limit = request.query.get("limitBytes", "")
    if limit.isdigit():
        data = data[: int(limit)]
    if not flag(request, "follow") or not running or path is None:
        return web.Response(body=data, content_type="text/plain", charset="utf-8")
    response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
        await response.write(data)
        await _follow(context, pod, name, (path, len(raw)), response)
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


async def _follow(
    context: ApiContext, pod: Obj, name: str, position: tuple[Path, int], response: web.StreamResponse
) -> None:
    """Send what is appended to the log from ``position`` on, until the container stops or restarts."""
    path, offset = position
    while True:
        await asyncio.sleep(_FOLLOW_POLL_SECONDS)
        if path.exists() and path.stat().st_size > offset:
            with path.open("rb") as log:
                log.seek(offset)
                chunk = log.read()
            offset += len(chunk)
            await response.write(chunk)
        current = context.cluster.find(context.cluster.resource_type("pods"), *_key(pod))
        found = context.kubelet.container(current, name) if current is not None else None
        if found is None or not found[1].running or found[0].files.log_path(name, found[1].restart_count) != path:
            return


def _key(pod: Obj) -> tuple[str, str]:
    return as_str(dig(pod, "metadata", "namespace")), as_str(dig(pod, "metadata", "name"))
