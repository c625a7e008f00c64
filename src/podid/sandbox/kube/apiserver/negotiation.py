"""Which encoding a response takes, from the request's ``Accept``, and the protobuf responses themselves.

Clauses are read as goautoneg reads them (highest ``q`` first, then the more specific; ``q=0`` refuses), and the
first one a serializer matches wins, in the apiserver's order: JSON (also for ``*/*`` and ``application/*``),
YAML, protobuf (k8s.io/apiserver pkg/endpoints/handlers/negotiation/negotiate.go ``NegotiateMediaTypeOptions``).
So kubectl's and client-go's ``application/vnd.kubernetes.protobuf, */*`` gets protobuf, ``...protobuf;q=0.5,
application/json`` and the Python client's ``application/json`` get JSON. YAML and what matches nothing are
answered in JSON here.

Custom resources have no protobuf message: the CRD handler offers protobuf (its objects' Status and Table are
built-in) and its serializer refuses the object with 406 NotAcceptable (apiextensions-apiserver
pkg/apiserver/customresource_handler.go; apimachinery pkg/runtime/serializer/protobuf/protobuf.go
``errNotMarshalable``), a Status written in protobuf.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from podid.sandbox.kube.machinery import protobuf_encode
from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.protobuf import PROTOBUF

WATCH_STREAM = PROTOBUF + ";stream=watch"
_JSON_TYPES = frozenset({"application/json", "application/*", "*/*", "application/yaml"})
_HEADERS = {"Cache-Control": "no-cache, private"}


def prefers_protobuf(request: web.Request) -> bool:
    for media_type in _clauses(request.headers.get("Accept", "")):
        if media_type == PROTOBUF:
            return True
        if media_type in _JSON_TYPES:
            return False
    return False


def _clauses(accept: str) -> list[str]:
    """The media types of ``accept`` in goautoneg's order (ParseAccept: by q, then type and subtype not ``*``)."""
    ranked = []
    for position, clause in enumerate(accept.split(",")):
        media_type, *params = (part.strip() for part in clause.split(";"))
        pairs = [param.partition("=") for param in params]
        q = next((_quality(value) for key, _, value in pairs if key.strip() == "q"), 1.0)
        if media_type and q > 0:
            kind, _, sub = media_type.lower().partition("/")
            ranked.append((-q, kind == "*", sub == "*", position, media_type.lower()))
    return [entry[-1] for entry in sorted(ranked)]


def _quality(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        return 0.0


def can_encode(obj: Obj) -> bool:
    return protobuf_encode.message_of(obj) is not None


def protobuf_response(obj: Obj, status: int = 200) -> web.Response:
    """``obj`` in protobuf; a custom resource (or list of them) is the serializer's 406."""
    if not can_encode(obj):
        obj, status = not_marshalable(obj), 406
    headers = {"Content-Type": PROTOBUF, **_HEADERS}
    return web.Response(body=protobuf_encode.encode_object(obj), status=status, headers=headers)


def not_marshalable(obj: Obj) -> Obj:
    go_type = "*unstructured.UnstructuredList" if "items" in obj else "*unstructured.Unstructured"
    message = (
        f"object {go_type} does not implement the protobuf marshalling interface and cannot be encoded to a "
        "protobuf message"
    )
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "NotAcceptable",
        "code": 406,
    }


def watch_frame(event: Obj, convert: Callable[[Obj], Obj] | None) -> bytes | None:
    """One protobuf watch frame; None for an object without a message, on which upstream's watch encoder fails and
    ends the stream (k8s.io/apiserver pkg/endpoints/handlers/watch.go ``serveWatchHandler``)."""
    obj = event["object"]
    if convert is not None and event["type"] != "ERROR":
        obj = convert(obj)
    return protobuf_encode.watch_frame(event["type"], obj) if can_encode(obj) else None
