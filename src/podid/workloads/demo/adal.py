"""The managed identity token the Go demo gets through go-autorest's adal v0.8.2 (the version aad-pod-identity
v1.6.3's go.mod pins), speaking the same HTTP (Azure/go-autorest autorest/adal/token.go at autorest/adal/v0.8.2).

``refresh`` is ``NewServicePrincipalTokenFromMSI[WithUserAssignedID](...).Refresh()``: a GET of the fixed
endpoint ``MSI_ENDPOINT`` with ``Metadata: true``, retried by ``retryForIMDS`` (5 attempts; on a connection
error or 404, 408, 410, 429 and every 5xx; sleeping 2, 6, 14, 30, then 60 s: the delay grows by 2^attempt s, capped
at 60 s, and is slept after the last attempt too). Failures carry adal's own texts; a connection that cannot be
made is Go's ``dial tcp`` error.

The request goes to ``MSI_ENDPOINT`` as Go's default transport sends it: through ``HTTP_PROXY`` when the
environment names one (``http.ProxyFromEnvironment``), which in a sandbox pod is the sandbox's proxy acting for
the pod, as NMI's iptables rule catches the request on a node.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
import urllib3.exceptions

MSI_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token"  # adal.GetMSIVMEndpoint()
IMDS_ADDRESS = "169.254.169.254:80"
USER_AGENT = "Go/go1.15 (amd64-linux) go-autorest/adal/v1.0.0"  # adal.UserAgent() in the golang:1.15 build
MAX_ATTEMPTS = 5  # defaultMaxMSIRefreshAttempts
MAX_DELAY_SECONDS = 60
RETRY_CODES = frozenset({408, 429, 500, 502, 503, 504, 404, 410, 501, 505, 506, 507, 508, 510, 511})
_TIMEOUT_SECONDS = 30.0
# a request that could not be sent: requests' errors, and urllib3's, which requests does not wrap everywhere
SEND_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError)


@dataclass(frozen=True)
class Token:
    """adal.Token: every field as the JSON gave it (json.Number keeps the text)."""

    access_token: str
    refresh_token: str
    expires_in: str
    expires_on: str
    not_before: str
    resource: str
    type: str

    def go_format(self) -> str:
        """``%+v`` of a ``*adal.Token``, as the demo's mismatch line prints it."""
        return (
            f"&{{AccessToken:{self.access_token} RefreshToken:{self.refresh_token} ExpiresIn:{self.expires_in} "
            f"ExpiresOn:{self.expires_on} NotBefore:{self.not_before} Resource:{self.resource} Type:{self.type}}}"
        )


class RefreshError(Exception):
    """A failed refresh; ``status`` is the response's when adal returns a TokenRefreshError, else None."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message, self.status = message, status


Sleep = Callable[[float], None]


def refresh(resource: str, client_id: str | None = None, sleep: Sleep = time.sleep) -> Token:
    """One ``Refresh()``: the token, or ``RefreshError`` with adal's message."""
    query = {"api-version": "2018-02-01", "resource": resource, **({"client_id": client_id} if client_id else {})}
    path = "?" + urlencode(sorted(query.items()))  # url.Values.Encode sorts by key
    response, failure = _retry_for_imds(MSI_ENDPOINT + path, sleep)
    if response is None:
        raise RefreshError(f"adal: Failed to execute the refresh request. Error = '{_go_url_error(path, failure)}'")
    if response.status_code != 200:
        raise RefreshError(
            f"adal: Refresh request failed. Status Code = '{response.status_code}'. Response body: {response.text}",
            response.status_code,
        )
    return _token(response.text)


def _retry_for_imds(url: str, sleep: Sleep) -> tuple[requests.Response | None, OSError | None]:
    """retryForIMDS: the last response (None with the error when the last attempt could not connect)."""
    response: requests.Response | None = None
    failure: OSError | None = None
    delay = 0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        response, failure = _send(url)
        if response is not None and response.status_code not in RETRY_CODES:
            return response, None
        delay = min(delay + 2**attempt, MAX_DELAY_SECONDS)
        sleep(delay)
    return response, failure


def _send(url: str) -> tuple[requests.Response | None, OSError | None]:
    headers = {"Metadata": "true", "User-Agent": USER_AGENT}
    try:
        return requests.get(url, headers=headers, timeout=_TIMEOUT_SECONDS), None
    except SEND_ERRORS as error:
        return None, OSError(go_dial_error(error))


def go_dial_error(error: BaseException) -> str:
    """Go's ``*net.OpError`` for a connect that failed with an errno (``dial tcp 169.254.169.254:80: connect:
    connection refused``), from the OSError under the Python error; otherwise the Python error's text."""
    cause: BaseException | None = error
    while cause is not None and not (isinstance(cause, OSError) and cause.errno):
        cause = cause.__cause__ or cause.__context__
    if not isinstance(cause, OSError) or not cause.errno:
        return str(error)
    reason = os.strerror(cause.errno)  # Go's syscall texts are the C library's, lower-cased
    return f"dial tcp {IMDS_ADDRESS}: connect: {reason[:1].lower()}{reason[1:]}"


def _go_url_error(path: str, failure: OSError | None) -> str:
    """Go's *url.Error for the GET: the method, the quoted URL and the cause."""
    return f'Get "{MSI_ENDPOINT}{path}": {failure}'


def _token(body: str) -> Token:
    if not body.strip(" "):
        raise RefreshError("adal: Empty service principal token received during refresh")
    try:
        found = json.loads(body)
        if not isinstance(found, dict):
            raise ValueError("json: cannot unmarshal into Go value of type adal.Token")
    except ValueError as error:
        raise RefreshError(
            f"adal: Failed to unmarshal the service principal token during refresh. Error = '{error}' JSON = '{body}'"
        ) from error

    def field(name: str) -> str:
        value = found.get(name, "")
        return value if isinstance(value, str) else json.dumps(value)

    names = ("access_token", "refresh_token", "expires_in", "expires_on", "not_before", "resource", "token_type")
    return Token(*(field(name) for name in names))
