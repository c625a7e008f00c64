"""What tests and benchmarks need to drive a sandbox through real clients: start one on free ports, sign in to
it, build azure-mgmt-* clients, call Microsoft Graph and the control surface, call a sandbox address as a pod,
wait for what happens asynchronously, and reset its state between tests.

It imports no test framework, so benchmarks and scripts use it as the tests do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import requests
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import ClientSecretCredential
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from podid.sandbox._config import Endpoints, SandboxConfig

if TYPE_CHECKING:
    from podid.sandbox._runner import Sandbox

T = TypeVar("T")
ARM_SCOPE = "https://management.azure.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_REQUEST_TIMEOUT = 30


def start_sandbox(data_dir: Path, **options: Any) -> tuple[Sandbox, Endpoints]:
    """A sandbox on free ports (unless ``options`` name some) with its state in ``data_dir``, started; the
    caller stops it."""
    from podid.sandbox._runner import Sandbox  # the whole sandbox: only for callers that start one

    ports = {"arm_port": 0, "imds_port": 0, "dns_port": 0, "kube_port_base": 0}
    sandbox = Sandbox(SandboxConfig(data_dir, **{**ports, **options}))
    return sandbox, sandbox.start()


def credential_for(endpoints: Endpoints, client_id: str, secret: str) -> ClientSecretCredential:
    """azure-identity's client-secret credential against the sandbox's Entra ID."""
    return ClientSecretCredential(
        endpoints.tenant_id,
        client_id,
        secret,
        authority=endpoints.authority,
        disable_instance_discovery=True,
        connection_verify=endpoints.ca_bundle,
    )


def operator_credential_for(endpoints: Endpoints) -> ClientSecretCredential:
    """The bootstrap operator's credential (Owner of the subscription)."""
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


def graph_call(endpoints: Endpoints, credential: Any, method: str, path: str, **kwargs: Any) -> requests.Response:
    """One Microsoft Graph v1.0 request (``path`` below ``/v1.0``) with a token from ``credential``."""
    token = credential.get_token(GRAPH_SCOPE).token
    return requests.request(
        method,
        f"{endpoints.arm_url.rstrip('/')}/v1.0{path}",
        headers={"Authorization": f"Bearer {token}"},
        verify=endpoints.ca_bundle,
        timeout=_REQUEST_TIMEOUT,
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
        timeout=_REQUEST_TIMEOUT,
        **kwargs,
    )


class _SourceAddressAdapter(HTTPAdapter):
    """An adapter whose connections are bound to one local address (a pod IP)."""

    def __init__(self, source_ip: str) -> None:
        self._source_address = (source_ip, 0)
        # the caller retries as its client would; urllib3 must not retry underneath it (as azure-core's adapter)
        super().__init__(max_retries=Retry(total=False, redirect=False, raise_on_status=False))

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        pool_kwargs["source_address"] = self._source_address
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def pod_session(pod_ip: str) -> requests.Session:
    """A requests session whose connections leave from ``pod_ip``: a direct caller of a sandbox address (NMI,
    the control surface), which tells pods apart by source address, seen as that pod. ``trust_env`` is off: a
    proxy in this process's environment would carry the request instead, as whoever its credential names."""
    session = requests.Session()
    session.trust_env = False
    adapter = _SourceAddressAdapter(pod_ip)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def pod_transport(pod_ip: str, verify: str | bool = True) -> RequestsTransport:
    """``pod_session`` for one azure-core client or credential, e.g.
    ``ManagedIdentityCredential(transport=pod_transport(ip))``, trusting ``verify`` (a CA bundle's path). A
    client given a transport ignores its own ``connection_verify``. Each caller gets its own session, because a
    client closes its transport when it is closed."""
    return RequestsTransport(
        session=pod_session(pod_ip), session_owner=True, connection_verify=verify, use_env_settings=False
    )


def reset(endpoints: Endpoints) -> dict[str, int]:
    """Bring the sandbox back to its state after bootstrap (``POST /_sandbox/reset``): every resource group,
    role assignment, custom role, application and cluster made since is gone; the operator stays. Returns how
    many of each kind of object went."""
    response = control_call(endpoints, "POST", "/reset")
    if response.status_code != 200:
        raise AssertionError(f"reset answered {response.status_code}: {response.text}")
    return dict(response.json()["removed"])


@dataclass(frozen=True)
class ServicePrincipalLogin:
    """A service principal made through the sandbox's Microsoft Graph, with the secret to sign in as it."""

    app_id: str
    object_id: str
    secret: str


def service_principal_maker(endpoints: Endpoints, credential: Any) -> Callable[[str], ServicePrincipalLogin]:
    """A function that creates an app registration, its service principal and a client secret through Graph,
    as ``credential``'s principal."""

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = graph_call(endpoints, credential, "POST", path, json=body)
        if response.status_code not in (200, 201):
            raise AssertionError(f"POST {path} answered {response.status_code}: {response.text}")
        return dict(response.json())

    def create(display_name: str) -> ServicePrincipalLogin:
        app = post("/applications", {"displayName": display_name})
        sp = post("/servicePrincipals", {"appId": app["appId"]})
        password = post(f"/applications/{app['id']}/addPassword", {"passwordCredential": {"displayName": "test"}})
        return ServicePrincipalLogin(app["appId"], sp["id"], password["secretText"])

    return create


def eventually(
    check: Callable[[], T | None], what: str = "the condition", timeout: float = 30.0, *, interval: float = 0.05
) -> T:
    """Poll ``check`` until it returns something truthy, and return that (controllers, kubelets and
    external-dns act asynchronously, as on a real cluster); AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what} (last result: {result!r})")
        time.sleep(interval)
