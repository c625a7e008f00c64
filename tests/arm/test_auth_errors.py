"""Bearer-token failures at the ARM front door and at Graph: each gets 401 with Azure's code.

Covers: a missing token (AuthenticationFailed, with a WWW-Authenticate challenge); an expired token, by moving
the clock of a sandbox of its own past the token's lifetime through /_sandbox/clock (ExpiredAuthenticationToken,
dates as .NET prints them; Graph's "Lifetime validation failed"); a token for another audience
(InvalidAuthenticationTokenAudience; Graph's "Invalid audience"); a real token whose payload was edited to
claim the operator's object id, a token signed by another key, and a string that is no JWT
(InvalidAuthenticationToken).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from podid.sandbox import Endpoints
from tests.conftest import ARM_SCOPE, GRAPH_SCOPE, ServicePrincipalLogin, control_call, credential_for, start_sandbox

LIFETIME = 3599


@pytest.fixture(scope="module")
def outsider(make_service_principal: Callable[[str], ServicePrincipalLogin]) -> ServicePrincipalLogin:
    return make_service_principal("auth-errors")


def arm_get(endpoints: Endpoints, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(
        f"{endpoints.arm_url}subscriptions/{endpoints.subscription_id}/resourcegroups",
        params={"api-version": "2024-11-01"},
        headers=headers,
        verify=endpoints.ca_bundle,
        timeout=30,
    )


def graph_get(endpoints: Endpoints, token: str) -> requests.Response:
    return requests.get(
        f"{endpoints.arm_url}v1.0/servicePrincipals",
        headers={"Authorization": f"Bearer {token}"},
        verify=endpoints.ca_bundle,
        timeout=30,
    )


def error_of(response: requests.Response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def test_missing_token(endpoints: Endpoints) -> None:
    response = arm_get(endpoints, None)
    assert error_of(response) == (
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
    )
    assert response.headers["WWW-Authenticate"].startswith(f'Bearer authorization_uri="{endpoints.authority}/')


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """A sandbox of its own: its clock only moves forward, which would expire every other test's tokens."""
    sandbox, endpoints = start_sandbox(tmp_path_factory.mktemp("expiry"))
    yield endpoints
    sandbox.stop()


def test_expired_token(own_sandbox: Endpoints) -> None:
    operator = own_sandbox.operator
    credential = credential_for(own_sandbox, operator.client_id, operator.client_secret)
    arm_token, graph_token = credential.get_token(ARM_SCOPE).token, credential.get_token(GRAPH_SCOPE).token
    assert arm_get(own_sandbox, arm_token).status_code == 200
    moved = control_call(own_sandbox, "POST", "/clock", json={"advanceSeconds": LIFETIME + 60})
    assert moved.status_code == 200, moved.text
    status, code, message = error_of(arm_get(own_sandbox, arm_token))
    assert (status, code) == (401, "ExpiredAuthenticationToken")
    expiry = datetime.fromtimestamp(jwt.decode(arm_token, options={"verify_signature": False})["exp"], UTC)
    # .NET's invariant general format, as ARM prints it: '6/15/2026 8:22:51 AM'
    stamp = f"{expiry.month}/{expiry.day}/{expiry.year} {expiry:%I:%M:%S %p}".replace(" 0", " ")
    assert message.startswith(f"The access token expiry UTC time '{stamp}' is earlier than current UTC time '")
    assert re.fullmatch(r".*'\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d [AP]M'\.", message), message
    assert error_of(graph_get(own_sandbox, graph_token)) == (
        401,
        "InvalidAuthenticationToken",
        "Lifetime validation failed, the token is expired.",
    )


def test_wrong_audience(endpoints: Endpoints, outsider: ServicePrincipalLogin) -> None:
    credential = credential_for(endpoints, outsider.app_id, outsider.secret)
    status, code, message = error_of(arm_get(endpoints, credential.get_token(GRAPH_SCOPE).token))
    assert (status, code) == (401, "InvalidAuthenticationTokenAudience")
    assert message.startswith("The access token has been obtained for wrong audience or resource 'https://graph.")
    vault_token = credential.get_token("https://vault.azure.net/.default").token
    assert error_of(graph_get(endpoints, vault_token)) == (
        401,
        "InvalidAuthenticationToken",
        "Access token validation failure. Invalid audience.",
    )


def _tampered(token: str, **claims: str) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    edited = base64.urlsafe_b64encode(json.dumps({**body, **claims}).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"


def _forged(token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers=jwt.get_unverified_header(token))


@pytest.mark.parametrize("mangle", ["tampered", "forged", "garbage"])
def test_invalid_token(endpoints: Endpoints, outsider: ServicePrincipalLogin, mangle: str) -> None:
    token = credential_for(endpoints, outsider.app_id, outsider.secret).get_token(ARM_SCOPE).token
    bad = {
        "tampered": lambda: _tampered(token, oid=endpoints.operator.object_id, appid=endpoints.operator.client_id),
        "forged": lambda: _forged(token),
        "garbage": lambda: "not-a-jwt",
    }[mangle]()
    assert error_of(arm_get(endpoints, bad)) == (401, "InvalidAuthenticationToken", "The access token is invalid.")
    graph_status, graph_code, _ = error_of(graph_get(endpoints, bad))
    assert (graph_status, graph_code) == (401, "InvalidAuthenticationToken")
