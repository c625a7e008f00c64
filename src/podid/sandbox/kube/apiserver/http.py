"""The HTTP front of one cluster's API server: authentication, authorization, discovery and dispatch.

Public (as on AKS, where anonymous requests may read them): ``/version``, the health checks and the service
account issuer discovery (``/.well-known/openid-configuration``, ``/openid/v1/jwks``). Everything else needs a
bearer token (401 Status otherwise) and RBAC's leave (``rbac.authorizer``; 403 Status otherwise). Discovery
answers plain APIVersions/APIGroupList documents whatever the Accept asks, which makes kubectl 1.32 fall back
from aggregated discovery; ``/openapi/v2`` is an empty protobuf document (200 ``application/octet-stream``), enough for
validated ``kubectl apply``, and ``/openapi/v3`` the OpenAPI v3 documents ``kubectl explain`` reads
(``kube.openapi``). Every failure is a
Kubernetes Status.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from podid.sandbox.kube import openapi
from podid.sandbox.kube.apiserver import impersonation, rest, verbs
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.apiserver.crds import CRDS
from podid.sandbox.kube.identity.users import USER, UserInfo
from podid.sandbox.kube.machinery.encoding import dumps
from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.status import (
    KubeApiError,
    forbidden,
    forbidden_path,
    internal_error,
    method_not_allowed,
    request_entity_too_large,
    unknown_error,
)
from podid.sandbox.kube.rbac.authorizer import request_attributes

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_HEALTH = ("/healthz", "/livez", "/readyz")
_PUBLIC = frozenset({"/version", *_HEALTH, "/.well-known/openid-configuration", "/openid/v1/jwks"})
# k8s.io/apiserver's MaxRequestBodyBytes (3 MB) refuses a body over it with 413 RequestEntityTooLarge.
_MAX_BODY = 3 * 1024 * 1024
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def build_app(context: ApiContext) -> web.Application:
    @web.middleware
    async def statuses(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            if request.path not in _PUBLIC:
                caller = context.authenticator.user(request.headers.get("Authorization"))
                request[USER] = impersonation.acting_as(context, request, caller)
                _authorize(context, request, request[USER])
            response = await handler(request)
            # Only a 2xx counts. An exec or port-forward stream (answered 101) changes no object, and its request is
            # a POST over SPDY but a GET over WebSocket (kubectl 1.30+, the Python client): counted, the same `exec`
            # would be a write or not by transport, though kube-apiserver's audit logs both as `create` pods/exec.
            if request.method in _WRITES and 200 <= response.status < 300:
                context.count_write(request.method)
            return response
        except KubeApiError as error:
            return rest.status_response(request, error.status, error.code)
        except web.HTTPRequestEntityTooLarge:  # aiohttp's client_max_size, met while reading the body
            refused = request_entity_too_large(_MAX_BODY)
            return rest.status_response(request, refused.status, refused.code)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            refused = unknown_error(error.reason, error.status)
            return rest.status_response(request, refused.status, refused.code)
        except Exception as error:
            log.exception("%s %s failed", request.method, request.path_qs)
            failure = internal_error(str(error))
            return rest.status_response(request, failure.status, failure.code)

    async def dispatch(request: web.Request) -> web.StreamResponse:
        return await _dispatch(context, request)

    app = web.Application(middlewares=[statuses], client_max_size=_MAX_BODY)
    app.router.add_route("*", "/{tail:(?s:.*)}", dispatch)  # (?s): a decoded path may hold a line feed
    return app


def _authorize(context: ApiContext, request: web.Request, user: UserInfo) -> None:
    """RBAC, after authentication and before anything else (so a forbidden request learns nothing, not even 404)."""
    attributes = request_attributes(request.method, request.path, request.query)
    if context.authorizer.allows(user, attributes):
        return
    if not attributes.resource:
        raise forbidden_path(user=user.name, verb=attributes.verb, path=attributes.path)
    where = {"namespace": attributes.namespace, "name": attributes.name, "subresource": attributes.subresource}
    raise forbidden(attributes.api_group, attributes.resource, user=user.name, verb=attributes.verb, **where)


async def _dispatch(context: ApiContext, request: web.Request) -> web.StreamResponse:
    path = request.path
    if path == openapi.PATH or path.startswith(openapi.PATH + "/"):
        return _openapi(context, request)
    fixed = _fixed(context, path)
    if fixed is not None:
        return fixed if request.method in ("GET", "HEAD") else rest.json_response(*_status(method_not_allowed()))
    segments = [s for s in path.split("/") if s]
    catalog = context.cluster.catalog
    if segments[:1] == ["api"] and len(segments) <= 2:
        document = catalog.api_versions() if len(segments) == 1 else _resource_list(context, "", segments[1])
    elif segments[:1] == ["apis"] and len(segments) <= 3:
        document = _group_document(context, segments[1:])
    else:
        return await _resource_request(context, request, segments)
    return rest.json_response(document) if document is not None else rest.not_found_path()


def _status(error: KubeApiError) -> tuple[Obj, int]:
    return error.status, error.code


def _fixed(context: ApiContext, path: str) -> web.Response | None:
    if path == "/version":  # responsewriters.WriteRawJSON: json.MarshalIndent, two spaces, no trailing newline
        body = json.dumps(context.version_info(), indent=2).encode()
        return web.Response(body=body, content_type=rest.JSON)
    if path in _HEALTH:
        return web.Response(text="ok", content_type="text/plain")
    if path == "/openapi/v2":
        return web.Response(body=b"", content_type="application/octet-stream")
    # json.Marshal'ed documents without the codec's trailing newline, cacheable for an hour
    # (k8s.io/kubernetes pkg/routes/openidmetadata.go)
    if path == "/.well-known/openid-configuration":
        return _oidc_document(context.signer.openid_configuration(context.server_url), rest.JSON)
    if path == "/openid/v1/jwks":
        return _oidc_document(context.signer.jwks(), "application/jwk-set+json")
    return None


def _openapi(context: ApiContext, request: web.Request) -> web.Response:
    """kube-openapi's handler3 over the catalogue's built-in kinds, the subresources served and the CRDs."""
    if request.method not in ("GET", "HEAD"):
        return rest.json_response(*_status(method_not_allowed()))
    crds = context.cluster.objects.objects(CRDS)
    served = openapi.Served.of(context.kubernetes_version, context.cluster.catalog.types, verbs.subresources_of, crds)
    return context.openapi.serve(request, served)


def _oidc_document(document: Obj, content_type: str) -> web.Response:
    headers = {"Cache-Control": "public, max-age=3600"}
    return web.Response(body=dumps(document), content_type=content_type, headers=headers)


def _resource_list(context: ApiContext, group: str, version: str) -> Obj | None:
    return context.cluster.catalog.api_resource_list(group, version)


def _group_document(context: ApiContext, parts: list[str]) -> Obj | None:
    catalog = context.cluster.catalog
    if not parts:
        return catalog.api_group_list()
    if len(parts) == 1:
        return catalog.api_group(parts[0])
    return _resource_list(context, parts[0], parts[1])


async def _resource_request(context: ApiContext, request: web.Request, segments: list[str]) -> web.StreamResponse:
    if segments[:1] == ["api"]:
        group, version, tail = "", segments[1], segments[2:]
    elif segments[:1] == ["apis"]:
        group, version, tail = segments[1], segments[2], segments[3:]
    else:
        return rest.not_found_path()
    target = rest.parse_target(context.cluster.catalog, group, version, tail)
    if target is None:
        return rest.not_found_path()
    if target.subresource and target.subresource not in verbs.subresources_of(target.rt):
        return rest.not_found_path()
    return await verbs.serve(context, request, target)
