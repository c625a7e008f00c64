"""The few Microsoft Graph calls the az-style commands make, as the Azure CLI makes them.

Graph has no official client among podid's dependencies, so these go through azure-core's pipeline (the
SDKs' own transport, retry and bearer-token policies): resolve a client id or name to a service principal's
object id, and object ids to display names for ``role assignment list``.
"""

from __future__ import annotations

from typing import Any

from azure.core import PipelineClient
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.core.rest import HttpRequest

from podid.provision.errors import ProvisionError, translated
from podid.provision.target import GRAPH_SCOPE, Target


class Graph:
    def __init__(self, target: Target) -> None:
        self._client: PipelineClient[HttpRequest, Any] = PipelineClient(
            base_url=target.graph_url.rstrip("/") + "/v1.0",
            policies=[target.retry_policy(), BearerTokenCredentialPolicy(target.credential, GRAPH_SCOPE)],
            transport=target.transport(),
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        with translated():
            response = self._client.send_request(HttpRequest(method, self._client.format_url(path), **kwargs))
            response.raise_for_status()
        return dict(response.json())

    def service_principal_id(self, name: str) -> str | None:
        """The object id of the service principal with this appId/servicePrincipalName, if any."""
        found = self._send(
            "GET", "/servicePrincipals", params={"$filter": f"servicePrincipalNames/any(c:c eq '{name}')"}
        )
        return next((str(item["id"]) for item in found.get("value", [])), None)

    def application_id(self, app_id: str) -> str | None:
        """The object id of the application registration with this appId, if any."""
        found = self._send("GET", "/applications", params={"$filter": f"appId eq '{app_id}'"})
        return next((str(item["id"]) for item in found.get("value", [])), None)

    def display_names(self, object_ids: list[str]) -> dict[str, str]:
        """object id → what az shows as principalName (UPN, first service principal name, or display name)."""
        if not object_ids:
            return {}
        body = {"ids": object_ids, "types": ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"]}
        found = self._send("POST", "/directoryObjects/getByIds", json=body)
        names = {}
        for item in found.get("value", []):
            names[str(item["id"])] = str(
                item.get("userPrincipalName")
                or (item.get("servicePrincipalNames") or [None])[0]
                or item.get("displayName")
                or ""
            )
        return names


def try_graph(call: Any, *args: Any) -> Any:
    """Run a Graph call; None when Graph cannot answer (az then warns and carries on)."""
    try:
        return call(*args)
    except ProvisionError:
        return None
