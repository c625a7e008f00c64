"""``GET /openapi/v3`` and ``GET /openapi/v3/<group-version>`` as kube-openapi's handler3 answers them.

k8s.io/kube-openapi pkg/handler3/handler.go: HandleDiscovery and HandleGroupVersion, which serve through Go's
http.ServeContent (ETag and Last-Modified, 304 on If-None-Match or If-Modified-Since). A group-version document is
negotiated on Accept (``Vary: Accept``); with ``?hash=`` equal to its ETag it is immutable for a year, with another
hash it redirects (301) to the current one. A group-version not served gets an empty 200, as the handler returns
without writing. Only JSON is written: an Accept that takes nothing but the protobuf form gets 406.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

from aiohttp import web

from podid.sandbox.kube.openapi.documents import Document, Documents
from podid.sandbox.kube.openapi.served import Served

_PREFIX = "/openapi/v3/"
_JSON = "application/json"
_PROTOBUF = ("com.github.proto-openapi.spec.v3.v1.0+protobuf", "com.github.proto-openapi.spec.v3@v1.0+protobuf")


def serve(request: web.Request, documents: Documents, served: Served) -> web.Response:
    """``/openapi/v3`` or a path under ``/openapi/v3/``."""
    if request.path == _PREFIX[:-1]:
        return _serve(request, documents.discovery(served), {})
    return _group_version(request, documents, served)


def _group_version(request: web.Request, documents: Documents, served: Served) -> web.Response:
    path = request.path.removeprefix(_PREFIX)
    headers = {"Vary": "Accept"}
    if not _accepts_json(request.headers.get("Accept") or "*/*"):
        return web.Response(status=406, headers=headers)
    document = documents.group_version(path, served)
    if document is None:
        return web.Response(headers=headers)
    wanted = request.query.get("hash")
    if wanted and wanted != document.etag:
        location = f"{_PREFIX}{path}?hash={document.etag}"
        body = f'<a href="{location}">Moved Permanently</a>.\n\n'  # net/http Redirect's body for a GET
        return web.Response(status=301, text=body, content_type="text/html", headers={**headers, "Location": location})
    if wanted:
        headers |= {"Cache-Control": "public, immutable", "Expires": _a_year_from_now()}
    return _serve(request, document, headers)


def _a_year_from_now() -> str:
    """time.Now().AddDate(1, 0, 0) written as time.RFC1123 in the apiserver's zone, UTC (29 February → 1 March)."""
    now = datetime.now(UTC)
    later = now.replace(year=now.year + 1, day=28) + timedelta(days=now.day - 28)
    return later.strftime("%a, %d %b %Y %H:%M:%S UTC")


def _accepts_json(accept: str) -> bool:
    """goautoneg's order (quality, then the more specific) and the first clause JSON or protobuf matches."""
    clauses = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        kind, _, subtype = media.partition("/")
        quality = next((float(v) for k, _, v in (p.partition("=") for p in params) if k == "q" and _number(v)), 1.0)
        clauses.append((-quality, (kind == "*") + (subtype == "*"), index, kind, subtype))
    for _, _, _, kind, subtype in sorted(clauses):
        if kind not in ("application", "*"):
            continue
        if subtype in ("json", "*"):
            return True
        if subtype in _PROTOBUF:
            return False
    return False


def _number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()


def _serve(request: web.Request, document: Document, headers: dict[str, str]) -> web.Response:
    """http.ServeContent with the ETag set: 304 when the client holds this version, the document otherwise."""
    headers = {**headers, "Etag": f'"{document.etag}"'}
    if _not_modified(request, document):
        return web.Response(status=304, headers=headers)  # writeNotModified drops Last-Modified when an ETag is set
    headers |= {"Last-Modified": email.utils.formatdate(document.modified, usegmt=True), "Accept-Ranges": "bytes"}
    return web.Response(body=document.body, content_type=_JSON, headers=headers)


def _not_modified(request: web.Request, document: Document) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or f'"{document.etag}"' in tags
    since = request.if_modified_since
    return since is not None and int(document.modified) <= since.timestamp()
