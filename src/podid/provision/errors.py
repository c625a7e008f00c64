"""Failures of Azure and Kubernetes calls, translated once, by status, into a short hierarchy::

    ProvisionError                 a call failed; str() is "(Code) message" or the message
     ├── NotFound                  404
     ├── Conflict                  409, 412 (exists, being deleted, etag mismatch)
     ├── Forbidden                 403 (AuthorizationFailed, LinkedAuthorizationFailed)
     │    └── Unauthenticated      401, or no credential could get a token
     ├── BadRequest                400 and other 4xx: the request itself is wrong
     └── Transient                 408, 429, 5xx, unreachable endpoints, PrincipalNotFound: worth retrying
          └── TimedOut             waited long enough for something that did not happen

Callers catch at the level they care about (a step treats NotFound as "absent", a role-assignment create retries
Transient for a bounded time, the CLI prints ``str(error)``). Retriable codes are named here, not string-tested
elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseTimeoutError,
)
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

# a new principal is not yet visible to ARM's RBAC service (Entra replication delay): retry
PRINCIPAL_NOT_FOUND = "PrincipalNotFound"
RETRIABLE_CODES = frozenset({PRINCIPAL_NOT_FOUND, "TooManyRequests", "SubscriptionRequestsThrottled"})
RETRIABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
ROLE_ASSIGNMENT_EXISTS = "RoleAssignmentExists"


class ProvisionError(Exception):
    """A failed call to Azure or Kubernetes: HTTP status (if any), service error code (if any) and message."""

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __str__(self) -> str:
        return f"({self.code}) {self.message}" if self.code else self.message


class NotFound(ProvisionError):
    pass


class Conflict(ProvisionError):
    pass


class Forbidden(ProvisionError):
    pass


class Unauthenticated(Forbidden):
    pass


class BadRequest(ProvisionError):
    pass


class Transient(ProvisionError):
    pass


class TimedOut(Transient):
    pass


def _by_status(status: int | None, code: str | None) -> type[ProvisionError]:
    if code in RETRIABLE_CODES or status in RETRIABLE_STATUSES:
        return Transient
    return {404: NotFound, 409: Conflict, 412: Conflict, 403: Forbidden, 401: Unauthenticated}.get(
        status or 0, BadRequest if status and 400 <= status < 500 else ProvisionError
    )


def _first_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[:1]) or text


def _from_azure(error: AzureError) -> ProvisionError:
    if isinstance(error, HttpResponseError) and error.response is not None:
        odata = error.error
        code = odata.code if odata is not None else None
        message = odata.message if odata is not None and odata.message else _first_line(error.message)
        return _by_status(error.status_code, code)(message, code, error.status_code)
    timeouts = ServiceRequestTimeoutError | ServiceResponseTimeoutError
    if isinstance(error, ClientAuthenticationError):
        if isinstance(error.__cause__, timeouts):  # the token endpoint did not answer: nothing was refused
            return _from_azure(error.__cause__)
        return Unauthenticated(_first_line(error.message))
    if isinstance(error, timeouts):
        return TimedOut(_first_line(error.message))  # podid's retry policy names the endpoint and what to check
    if isinstance(error, ServiceRequestError):
        return Transient(f"cannot reach the endpoint: {_first_line(error.message)}")
    return ProvisionError(_first_line(error.message))


def _from_kubernetes(error: ApiException) -> ProvisionError:
    status = int(error.status) if error.status else None
    message, code = str(error.reason or ""), None
    if error.body:
        try:
            body: Any = json.loads(error.body)
        except ValueError:
            body = None
        if isinstance(body, dict):
            message, code = str(body.get("message") or message), body.get("reason") or None
    return _by_status(status, code)(message or f"Kubernetes API error {status}", code, status)


def translate(error: BaseException) -> ProvisionError:
    """The ProvisionError for an SDK or client failure; a ProvisionError is returned unchanged."""
    if isinstance(error, ProvisionError):
        return error
    if isinstance(error, AzureError):
        return _from_azure(error)
    if isinstance(error, ApiException):
        return _from_kubernetes(error)
    if isinstance(error, Urllib3Error | ConnectionError):
        return Transient(f"cannot reach the Kubernetes API server: {error}")
    raise TypeError(f"not a client error: {error!r}")


TRANSLATABLE: tuple[type[BaseException], ...] = (
    ProvisionError,
    AzureError,
    ApiException,
    Urllib3Error,
    ConnectionError,
)


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise SDK and client failures inside the block as ProvisionErrors."""
    try:
        yield
    except ProvisionError:
        raise
    except TRANSLATABLE as error:
        raise translate(error) from error
