"""The long-running operations' URLs: the headers a slow PUT or DELETE answers with, and the status and result
routes every provider's operations are polled on (the state machine is ``operations.Operations``)."""

from __future__ import annotations

from typing import Any

from podid.sandbox.arm._request import ArmRequest, ArmResponse, ok
from podid.sandbox.arm._routing import Route
from podid.sandbox.arm.operations import RETRY_AFTER, Operation, Operations

Request = ArmRequest[Operations]


def lro_headers(request: ArmRequest[Any], operation: Operation, *, location: bool) -> dict[str, str]:
    """The LRO headers for the initial response: absolute URLs on this host."""
    subscription = request.params.get("subscriptionId", "")
    base = f"/subscriptions/{subscription}/providers/{operation.namespace}/locations/{operation.location}"
    headers = {
        "Azure-AsyncOperation": request.url(f"{base}/operations/{operation.id}"),
        "Retry-After": RETRY_AFTER,
    }
    if location:
        headers["Location"] = request.url(f"{base}/operationresults/{operation.id}")
    return headers


def _operation_status(request: Request) -> ArmResponse:
    operation = request.backend.poll(request.params["operationId"])
    return ok(operation.status_body(), **({"Retry-After": RETRY_AFTER} if operation.status == "InProgress" else {}))


def _operation_result(request: Request) -> ArmResponse:
    operation = request.backend.poll(request.params["operationId"])
    if operation.status == "InProgress":
        return ArmResponse(202, None, {"Location": request.url(request.path), "Retry-After": RETRY_AFTER})
    if operation.error is not None:
        raise operation.error
    return ArmResponse(204)


_LOCATION = "/subscriptions/{subscriptionId}/providers/{namespace}/locations/{location}"
# Served with the sandbox's Operations as their backend, whichever provider started the operation.
ROUTES = [
    Route("GET", _LOCATION + "/operations/{operationId}", _operation_status, "", authorize=False),
    Route("GET", _LOCATION + "/operationresults/{operationId}", _operation_result, "", authorize=False),
    Route(
        "GET", "/subscriptions/{subscriptionId}/operationresults/{operationId}", _operation_result, "", authorize=False
    ),
]
