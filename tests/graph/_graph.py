"""Microsoft Graph calls the Graph tests share: a caller per credential, Graph's error triple, grants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from podid.sandbox import Endpoints
from tests.conftest import graph_call

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
DENIED = (403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
Graph = Callable[..., requests.Response]


def caller(endpoints: Endpoints, credential: Any) -> Graph:
    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        return graph_call(endpoints, credential, method, path, **kwargs)

    return call


def error_of(response: requests.Response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def application_of(operator: Graph, app_id: str) -> dict[str, Any]:
    [app] = operator("GET", "/applications", params={"$filter": f"appId eq '{app_id}'"}).json()["value"]
    return dict(app)


def microsoft_graph(operator: Graph) -> dict[str, Any]:
    """The Microsoft Graph service principal: the resource whose app roles are Graph's permissions."""
    [found] = operator("GET", "/servicePrincipals", params={"$filter": f"appId eq '{GRAPH_APP_ID}'"}).json()["value"]
    return dict(found)


def grant(operator: Graph, principal_id: str, permission: str, by: Graph | None = None) -> requests.Response:
    """Grant a Microsoft Graph application permission, as an admin does through Graph (``by``, or the operator)."""
    graph_sp = microsoft_graph(operator)
    role = next(item["id"] for item in graph_sp["appRoles"] if item["value"] == permission)
    body = {"principalId": principal_id, "resourceId": graph_sp["id"], "appRoleId": role}
    return (by or operator)("POST", f"/servicePrincipals/{principal_id}/appRoleAssignments", json=body)
