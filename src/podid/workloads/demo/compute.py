"""The demo's ``doARMOperations`` call: ``compute.VirtualMachinesClient.List`` of azure-sdk-for-go v40.4.0
(services/compute/mgmt/2019-12-01) through go-autorest v0.10.0, with its error texts
(Azure/go-autorest autorest/error.go, autorest/authorization.go, autorest/azure/azure.go at autorest/v0.10.0).

* The bearer token cannot be had: ``azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token for
  request to <url>: StatusCode=<adal's status or 0> -- Original Error: <adal's message>`` (the client and the
  list wrap a DetailedError unchanged).
* ARM refuses: ``compute.VirtualMachinesClient#List: Failure responding to request: StatusCode=<s> -- Original
  Error: autorest/azure: Service returned an error. Status=<s> Code="…" Message="…"``.
* The request cannot be sent: ``… Failure sending request: StatusCode=0 -- Original Error: <the error>``.

The demo's client is ``compute.NewVirtualMachinesClient``: ``DefaultBaseURI``, https://management.azure.com,
reached as Go reaches it (``HTTPS_PROXY``, the CA from the environment); ``base_uri`` is
``NewVirtualMachinesClientWithBaseURI``'s. Messages name the URL the request was sent to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

from podid.workloads.demo.adal import SEND_ERRORS, RefreshError, Token

DEFAULT_BASE_URI = "https://management.azure.com"
API_VERSION = "2019-12-01"
_CLIENT = "compute.VirtualMachinesClient#List"
_TIMEOUT_SECONDS = 30.0


class ListFailed(Exception):
    """The error the Go SDK returns, as ``%+v`` prints it."""


def count_vms(
    token: Callable[[], Token], subscription_id: str, resource_group: str, base_uri: str = DEFAULT_BASE_URI
) -> int:
    """The number of VMs on the first page of the resource group's list."""
    path = (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.Compute/"
        f"virtualMachines?api-version={API_VERSION}"
    )
    try:
        bearer = token().access_token
    except RefreshError as error:
        raise ListFailed(
            f"azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token for request to "
            f"{base_uri}{path}: StatusCode={error.status or 0} -- Original Error: {error.message}"
        ) from error
    try:
        response = requests.get(
            base_uri + path, headers={"Authorization": f"Bearer {bearer}"}, timeout=_TIMEOUT_SECONDS
        )
    except SEND_ERRORS as error:
        raise ListFailed(f"{_CLIENT}: Failure sending request: StatusCode=0 -- Original Error: {error}") from error
    if response.status_code != 200:
        raise ListFailed(
            f"{_CLIENT}: Failure responding to request: StatusCode={response.status_code} -- Original Error: "
            f"{_request_error(response)}"
        )
    return len(response.json().get("value") or [])


def _request_error(response: requests.Response) -> str:
    """azure.WithErrorUnlessStatusCode's RequestError, from the OData error in the body."""
    try:
        body = response.json()
    except ValueError:
        return f"autorest/azure: error response cannot be parsed: {_go_quote(response.text)} error: <nil>"
    found = body.get("error", body) if isinstance(body, dict) else {}
    service = found if isinstance(found, dict) and found.get("message") else {}
    if not service:
        details = [body] if isinstance(body, dict) and body else None
        service = {"code": "Unknown", "message": "Unknown service error", "details": details}
    return f"autorest/azure: Service returned an error. Status={response.status_code} {_service_error(service)}"


def _service_error(error: dict[str, Any]) -> str:
    """ServiceError.Error: Code and Message quoted, then whichever optional members are present."""
    text = f"Code={_go_quote(str(error.get('code', '')))} Message={_go_quote(str(error.get('message', '')))}"
    if isinstance(error.get("target"), str):
        text += f" Target={_go_quote(error['target'])}"
    for member, label in (("details", "Details"), ("innererror", "InnerError"), ("additionalInfo", "AdditionalInfo")):
        if error.get(member) is not None:
            text += f" {label}={json.dumps(error[member], separators=(',', ':'), sort_keys=True)}"
    return text


def _go_quote(value: str) -> str:
    """Go's %q for the printable text ARM sends: a JSON string without ASCII escaping."""
    return json.dumps(value, ensure_ascii=False)
