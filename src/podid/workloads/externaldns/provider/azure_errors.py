"""azure-mgmt-dns failures, worded as external-dns logs them and sorted into our error tree (`errors.py`).

external-dns v0.14+ talks to ARM through azcore for Go, whose `ResponseError` prints the request line, the
status, Azure's error code and the indented JSON body between separator lines, e.g.

    GET https://management.azure.com/subscriptions/…/resourceGroups/dns-rg/providers/Microsoft.Network/dnsZones
    --------------------------------------------------------------------------------
    RESPONSE 403: 403 Forbidden
    ERROR CODE: AuthorizationFailed
    --------------------------------------------------------------------------------
    {
      "error": { … }
    }
    --------------------------------------------------------------------------------

`describe` writes that for every ARM error response, so a log line greps the same on the sandbox and on Azure.
A credential that could not get a token has no ARM response; its own message (with NMI's or Entra's reason)
is the text then.
"""

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from ..errors import ExternalDnsError, ForbiddenError, SoftError, error_from_status

SEPARATOR = "-" * 80


def _pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def _is_token_failure(err: AzureError) -> bool:
    """The credential could not get a token: no ARM error body (NMI's plain text, Entra's OAuth2 JSON)."""
    return isinstance(err, ClientAuthenticationError) and err.error is None


def describe(err: AzureError) -> str:
    """The failure as external-dns would print it (see the module docstring)."""
    response = getattr(err, "response", None)
    if response is None or not isinstance(err, HttpResponseError) or _is_token_failure(err):
        return str(err)
    url = urlsplit(response.request.url)
    code = err.error.code if err.error is not None else None
    body = response.text()
    lines = [
        f"{response.request.method} {url.scheme}://{url.netloc}{url.path}",
        SEPARATOR,
        f"RESPONSE {response.status_code}: {response.status_code} {response.reason}",
        f"ERROR CODE: {code}" if code else "ERROR CODE UNAVAILABLE",
        SEPARATOR,
        _pretty(body) if body else "Response contained no body",
        SEPARATOR,
    ]
    return "\n".join(lines) + "\n"


def translate(err: AzureError) -> ExternalDnsError:
    """An SDK failure as our error tree: by HTTP status, else by kind of failure."""
    message = describe(err)
    if _is_token_failure(err):
        return ForbiddenError(message)
    if isinstance(err, HttpResponseError) and err.status_code is not None:
        code = err.error.code if err.error is not None else None
        headers: Mapping[str, str] = getattr(err.response, "headers", None) or {}
        return error_from_status(err.status_code, code, message, headers.get("Retry-After"))
    if isinstance(err, ServiceRequestError | ServiceResponseError):
        return SoftError(message)  # connection failures and timeouts
    return ExternalDnsError(message)


def as_soft(err: AzureError) -> SoftError:
    """`translate`, but any failure is worth retrying at the next interval."""
    error = translate(err)
    if isinstance(error, SoftError):
        return error
    return SoftError(str(error), status=error.status, code=error.code)


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except AzureError as err:
        raise translate(err) from err
