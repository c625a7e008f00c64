"""Owners of applications and service principals: list them, add one to an application.

In the sandbox every owner is a service principal: the one that created the object through Graph, or one added
with ``POST /applications/{id}/owners/$ref`` (https://learn.microsoft.com/graph/api/application-post-owners).
"""

from __future__ import annotations

import re

from podid.sandbox.graph._request import GraphRequest, GraphResponse
from podid.sandbox.graph.errors import GraphBadRequest, GraphNotFound
from podid.sandbox.graph.handlers import SP_TYPE, find_application, find_service_principal, sp_to_graph

_REFERENCE = re.compile(r"/directoryObjects/(?P<id>[^/]+)$", re.IGNORECASE)


def list_application_owners(request: GraphRequest) -> GraphResponse:
    request.caller.require_read()
    return _owners(request, find_application(request).owners)


def list_service_principal_owners(request: GraphRequest) -> GraphResponse:
    request.caller.require_read()
    return _owners(request, find_service_principal(request).owners)


def _owners(request: GraphRequest, owners: list[str]) -> GraphResponse:
    found = (request.tenant.directory.service_principal(object_id) for object_id in owners)
    value = [{"@odata.type": SP_TYPE, **sp_to_graph(sp)} for sp in found if sp is not None]
    return 200, {"@odata.context": request.context("directoryObjects"), "value": value}


def add_application_owner(request: GraphRequest) -> GraphResponse:
    """``{"@odata.id": ".../directoryObjects/{id}"}``; owning an application is not enough to add an owner."""
    request.caller.require_manage()
    app = find_application(request)
    reference = request.json().get("@odata.id")
    found = _REFERENCE.search(reference) if isinstance(reference, str) else None
    if found is None:
        raise GraphBadRequest(f"Invalid object identifier '{reference}'.")
    owner = request.tenant.directory.service_principal(found["id"])
    if owner is None:
        raise GraphNotFound(found["id"])
    if owner.object_id in app.owners:
        raise GraphBadRequest(
            "One or more added object references already exist for the following modified properties: 'owners'."
        )
    request.tenant.directory.add_application_owner(app, owner.object_id)
    return 204, None


ROUTES = [
    ("GET", "/servicePrincipals/{id}/owners", list_service_principal_owners),
    ("GET", "/applications/{id}/owners", list_application_owners),
    ("POST", "/applications/{id}/owners/$ref", add_application_owner),
]
