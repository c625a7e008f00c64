"""How SDK failures read in external-dns' log (azcore for Go's ResponseError text) and which kind they are.

Covers: an ARM error response as the request line (no query), status, error code and indented JSON between
separator lines; a body that is not JSON verbatim; an empty body; no error code; a credential that got no
token (NMI's plain-text answer) keeps azure-identity's own message and is a ForbiddenError.
"""

import json
from http import HTTPStatus

import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.core.pipeline.transport import HttpRequest, RequestsTransportResponse
from azure.mgmt.core.exceptions import ARMErrorFormat

from podid.workloads.externaldns.errors import ForbiddenError, SoftError
from podid.workloads.externaldns.provider.azure_errors import SEPARATOR, describe, translate

URL = "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/dnsZones"


def response(status: int, body: str, content_type: str = "application/json") -> RequestsTransportResponse:
    raw = requests.Response()
    raw.status_code, raw.reason, raw._content = status, HTTPStatus(status).phrase, body.encode()
    raw.headers["Content-Type"] = content_type
    return RequestsTransportResponse(HttpRequest("GET", URL + "?api-version=2018-05-01"), raw)


def test_arm_error_reads_as_azcore_prints_it():
    body = json.dumps({"error": {"code": "AuthorizationFailed", "message": "no read"}})
    err = HttpResponseError(response=response(403, body), error_format=ARMErrorFormat)
    assert describe(err) == (
        f"GET {URL}\n{SEPARATOR}\nRESPONSE 403: 403 Forbidden\nERROR CODE: AuthorizationFailed\n{SEPARATOR}\n"
        '{\n  "error": {\n    "code": "AuthorizationFailed",\n    "message": "no read"\n  }\n}\n'
        f"{SEPARATOR}\n"
    )


def test_bodies_that_are_not_arm_errors():
    plain = describe(HttpResponseError(response=response(502, "upstream gone", "text/plain")))
    assert plain == f"GET {URL}\n{SEPARATOR}\nRESPONSE 502: 502 Bad Gateway\nERROR CODE UNAVAILABLE\n{SEPARATOR}\n" + (
        f"upstream gone\n{SEPARATOR}\n"
    )
    assert "\nResponse contained no body\n" in describe(HttpResponseError(response=response(503, "")))


def test_a_credential_without_a_token_keeps_its_own_words():
    nmi = response(404, "getting assigned identities for pod kube-addons/x failed\n", "text/plain")
    err = ClientAuthenticationError(message="Operation returned an invalid status 'Not Found'", response=nmi)
    assert describe(err) == str(err)
    assert "getting assigned identities for pod kube-addons/x failed" in describe(err)
    assert type(translate(err)) is ForbiddenError


def test_throttling_keeps_the_retry_after():
    raw = response(429, json.dumps({"error": {"code": "TooManyRequests", "message": "slow"}}))
    raw.internal_response.headers["Retry-After"] = "7"
    error = translate(HttpResponseError(response=raw, error_format=ARMErrorFormat))
    assert isinstance(error, SoftError) and (error.status, error.code, error.retry_after) == (429, "TooManyRequests", 7)
