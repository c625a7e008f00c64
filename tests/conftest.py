"""One sandbox per test session, on free ports in a temporary directory, and real clients pointed at it."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from azure.identity import ClientSecretCredential

from podid.sandbox import Endpoints, Sandbox, SandboxConfig

T = TypeVar("T")
ARM_SCOPE = "https://management.azure.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_counter = itertools.count()


def start_sandbox(data_dir: Path, **options: Any) -> tuple[Sandbox, Endpoints]:
    """A sandbox on free ports (unless ``options`` name some) with its state in ``data_dir``, started; the
    caller stops it."""
    ports = {"arm_port": 0, "imds_port": 0, "dns_port": 0, "kube_port_base": 0}
    sandbox = Sandbox(SandboxConfig(data_dir, **{**ports, **options}))
    return sandbox, sandbox.start()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    running, _ = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def endpoints(sandbox: Sandbox) -> Endpoints:
    assert sandbox.endpoints is not None
    return sandbox.endpoints


def credential_for(endpoints: Endpoints, client_id: str, secret: str) -> ClientSecretCredential:
    return ClientSecretCredential(
        endpoints.tenant_id,
        client_id,
        secret,
        authority=endpoints.authority,
        disable_instance_discovery=True,
        connection_verify=endpoints.ca_bundle,
    )


@pytest.fixture(scope="session")
def operator_credential(endpoints: Endpoints) -> ClientSecretCredential:
    return credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)


def mgmt_client(client_class: type[T], endpoints: Endpoints, credential: Any, **kwargs: Any) -> T:
    """An azure-mgmt-* client pointed at the sandbox, as a user would build it."""
    return client_class(
        credential,
        endpoints.subscription_id,
        base_url=endpoints.arm_url,  # type: ignore[call-arg]
        credential_scopes=[ARM_SCOPE],
        connection_verify=endpoints.ca_bundle,
        **kwargs,
    )


@pytest.fixture
def unique() -> str:
    """A name no other test in this session uses (tests share one sandbox)."""
    return f"t{os.getpid() % 1000}x{next(_counter)}"


@dataclass(frozen=True)
class ServicePrincipalLogin:
    """A service principal made through the sandbox's Microsoft Graph, with the secret to sign in as it."""

    app_id: str
    object_id: str
    secret: str


def graph_call(endpoints: Endpoints, credential: Any, method: str, path: str, **kwargs: Any) -> requests.Response:
    """One Microsoft Graph v1.0 request (``path`` below ``/v1.0``) with a token from ``credential``."""
    token = credential.get_token(GRAPH_SCOPE).token
    return requests.request(
        method,
        f"{endpoints.arm_url.rstrip('/')}/v1.0{path}",
        headers={"Authorization": f"Bearer {token}"},
        verify=endpoints.ca_bundle,
        timeout=30,
        **kwargs,
    )


def control_call(endpoints: Endpoints, method: str, path: str, **kwargs: Any) -> requests.Response:
    """One request to the sandbox's control surface (``path`` below ``/_sandbox``, e.g. ``/state``), carrying
    the control token as the sandbox's owner does; extra ``headers`` are added to (or replace) it."""
    headers = {"Authorization": f"Bearer {endpoints.control_token}", **kwargs.pop("headers", {})}
    return requests.request(
        method,
        f"{endpoints.arm_url.rstrip('/')}/_sandbox{path}",
        headers=headers,
        verify=endpoints.ca_bundle,
        timeout=30,
        **kwargs,
    )


@pytest.fixture(scope="session")
def make_service_principal(
    endpoints: Endpoints, operator_credential: ClientSecretCredential
) -> Callable[[str], ServicePrincipalLogin]:
    """Create an app registration, its service principal and a client secret through Graph, as the operator."""

    def create(display_name: str) -> ServicePrincipalLogin:
        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = graph_call(endpoints, operator_credential, "POST", path, json=body)
            assert response.status_code in (200, 201), response.text
            return dict(response.json())

        app = post("/applications", {"displayName": display_name})
        sp = post("/servicePrincipals", {"appId": app["appId"]})
        password = post(f"/applications/{app['id']}/addPassword", {"passwordCredential": {"displayName": "test"}})
        return ServicePrincipalLogin(app["appId"], sp["id"], password["secretText"])

    return create
