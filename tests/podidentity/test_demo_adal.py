"""The demo's adal (go-autorest autorest/adal v0.8.2) against a scripted metadata endpoint on a local socket.

Covers: the request adal sends (GET, Metadata, sorted query, client_id only when given); retryForIMDS: a 404 is
asked 5 times, sleeping 2, 6, 14, 30 and 60 s (the last sleep too), a 400 once, a 404 then 200 gives the token;
adal's error texts with the body as sent; the token's fields as strings and ``%+v``; go-autorest's texts for a
refused ARM list and for a token that cannot be had; a connection that cannot be made is retried with the same
pauses (no spinning) and reported as Go's dial error; a demo round against NMI's 404 logs go-autorest's error
(main.go:73) after adal's five attempts, then the MSI line (main.go:87) after five more, and starts again without
the --retry-wait-time pause.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from podid.workloads.demo import Demo, DemoConfig, Klog, adal, compute
from podid.workloads.demo.adal import MSI_ENDPOINT, RefreshError, Token

TOKEN = (
    b'{"access_token":"t","refresh_token":"","expires_in":"3599","expires_on":"9","not_before":"8",'
    b'"resource":"https://management.azure.com/","token_type":"Bearer"}'
)
NOT_FOUND = (404, b"no azure identity found for request clientID \n")
ARM = "https://management.azure.com/"
ARM_QUERY = "?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F"


class Script:
    """Replies to give in order (the last one repeats) and the requests seen."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, bytes]] = []
        self.seen: list[tuple[str, str, str | None]] = []


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Iterator[Script]:
    scripted = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.removeprefix("http://169.254.169.254")  # the endpoint adal asks, through HTTP_PROXY
            scripted.seen.append((self.command, path, self.headers.get("Metadata")))
            status, body = scripted.replies[min(len(scripted.seen), len(scripted.replies)) - 1]
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.delenv("PODID_POD_IP", raising=False)
    yield scripted
    server.shutdown()
    server.server_close()


def test_a_404_is_asked_five_times_with_adals_backoff(script: Script) -> None:
    script.replies = [NOT_FOUND]
    slept: list[float] = []
    with pytest.raises(RefreshError) as caught:
        adal.refresh("https://management.azure.com/", sleep=slept.append)
    assert slept == [2, 6, 14, 30, 60] and len(script.seen) == 5
    assert caught.value.status == 404
    assert caught.value.message == (
        "adal: Refresh request failed. Status Code = '404'. Response body: no azure identity found for request "
        "clientID \n"
    )
    path = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F"
    assert script.seen[0] == ("GET", path, "true")


def test_a_400_is_not_retried(script: Script) -> None:
    script.replies = [(400, b'{"error":"invalid_request"}\n')]
    slept: list[float] = []
    with pytest.raises(RefreshError) as caught:
        adal.refresh("https://management.azure.com/", "cid", sleep=slept.append)
    assert (slept, len(script.seen), caught.value.status) == ([], 1, 400)
    query = "api-version=2018-02-01&client_id=cid&resource=https%3A%2F%2Fmanagement.azure.com%2F"
    assert script.seen[0][1] == "/metadata/identity/oauth2/token?" + query  # url.Values.Encode: sorted keys


def test_a_retried_404_then_the_token(script: Script) -> None:
    script.replies = [NOT_FOUND, (200, TOKEN)]
    slept: list[float] = []
    token = adal.refresh("https://management.azure.com/", sleep=slept.append)
    assert slept == [2]
    assert token == Token("t", "", "3599", "9", "8", "https://management.azure.com/", "Bearer")
    assert token.go_format() == (
        "&{AccessToken:t RefreshToken: ExpiresIn:3599 ExpiresOn:9 NotBefore:8 "
        "Resource:https://management.azure.com/ Type:Bearer}"
    )


def test_autorest_texts(script: Script, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_token() -> Token:
        raise RefreshError("adal: Refresh request failed. Status Code = '403'. Response body: no\n", 403)

    with pytest.raises(compute.ListFailed) as refused_token:
        compute.count_vms(no_token, "sub", "rg")
    assert str(refused_token.value) == (
        "azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token for request to "
        "https://management.azure.com/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Compute/"
        "virtualMachines?api-version=2019-12-01: StatusCode=403 -- Original Error: adal: Refresh request failed. "
        "Status Code = '403'. Response body: no\n"
    )
    script.replies = [(403, b'{"error":{"code":"AuthorizationFailed","message":"The client \'x\' may \\"not\\"."}}')]
    with pytest.raises(compute.ListFailed) as refused:
        compute.count_vms(lambda: Token("t", "", "", "", "", "", ""), "sub", "rg", os.environ["HTTP_PROXY"])
    assert str(refused.value) == (
        "compute.VirtualMachinesClient#List: Failure responding to request: StatusCode=403 -- Original Error: "
        'autorest/azure: Service returned an error. Status=403 Code="AuthorizationFailed" '
        'Message="The client \'x\' may \\"not\\"."'
    )


def test_a_connection_that_cannot_be_made_is_retried_with_the_same_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """retryForIMDS retries when the send failed too, sleeping as for a 404: a demo that cannot connect waits."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # the discard port: nothing listens
    slept: list[float] = []
    with pytest.raises(RefreshError) as caught:
        adal.refresh(ARM, sleep=slept.append)
    assert (slept, caught.value.status) == ([2, 6, 14, 30, 60], None)
    assert caught.value.message == (
        f'adal: Failed to execute the refresh request. Error = \'Get "{MSI_ENDPOINT}{ARM_QUERY}": '
        "dial tcp 169.254.169.254:80: connect: connection refused'"
    )


def test_a_demo_round_against_nmis_404_logs_after_adals_retries(script: Script) -> None:
    script.replies = [NOT_FOUND]
    slept: list[float] = []
    stream = io.StringIO()
    demo = Demo(DemoConfig("sub", "cid", "rg", retry_wait_seconds=60), Klog(stream=stream), sleep=slept.append)
    assert demo.run_once() is False  # no token: the loop starts again at once
    assert slept == [2, 6, 14, 30, 60] * 2 and len(script.seen) == 10
    lines = [line.split("] ", 1) for line in stream.getvalue().splitlines()]
    path = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines?api-version=2019-12-01"
    assert [(header[0] + header.rsplit(":", 1)[-1], message) for header, message in lines] == [
        (
            "E73",
            f"failed list all vm, error: azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token for "
            f"request to https://management.azure.com{path}: StatusCode=404 -- Original Error: adal: Refresh request "
            "failed. Status Code = '404'. Response body: no azure identity found for request clientID ",
        ),
        (
            "E87",
            f"failed to refresh ServicePrincipalTokenFromMSI using the MSI endpoint ({MSI_ENDPOINT}), error: adal: "
            "Refresh request failed. Status Code = '404'. Response body: no azure identity found for request clientID ",
        ),
    ]
