"""The credential and the azure-mgmt-dns client external-dns builds from azure.json (`provider/azure/config.go`).

Where Entra ID and ARM are: azure.json's `activeDirectoryAuthorityHost` wins, then the endpoints of azure.json's
`cloud`, which must be a name the release played knows (`getCloudConfiguration`; AZURESTACKCLOUD, from v0.19.0,
takes both from azure.json's `activeDirectoryAuthorityHost` and `resourceManagerEndpoint`). In a sandbox pod they
are Azure's own names too: the pod's `HTTPS_PROXY` / `HTTP_PROXY` (the sandbox's proxy, acting for the pod) reach
them, and IMDS at 169.254.169.254, with the SDKs' default transports.

The credential follows `AzureConfig.credential_kind()`, logging what external-dns logs for each kind:
client secret; workload identity (the `AZURE_*` variables the webhook injects, azure.json's tenant and
`userAssignedIdentityID` overriding them); managed identity (`userAssignedIdentityID` as client id) through
IMDS, which in a pod-identity cluster is NMI.

`DnsClient` is azure-mgmt-dns' asyncio client (over aiohttp) with the event loop it runs on, for the synchronous
controller. Tens of thousands of record-set writes are bound by the client's CPU: a write in flight per thread
over requests costs twice the CPU of one on aiohttp, and the threads then contend for the GIL. The credential
stays synchronous (its token is cached; a refresh runs in a worker thread so the loop goes on).
"""

import asyncio
import logging
import ssl
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
from azure.core.credentials import AccessToken, TokenCredential
from azure.core.pipeline.transport import AioHttpTransport
from azure.identity import (
    AzureAuthorityHosts,
    ClientSecretCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)
from azure.mgmt.dns.aio import DnsManagementClient

from podid.workloads._runtime import pod_path

from ..config import AzureConfig, CredentialKind
from ..errors import ConfigError

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RETRIES = 3  # `--azure-maxretries-count`'s default; azure-core still waits out each Retry-After
_PUBLIC_AUTHORITIES = frozenset(
    {AzureAuthorityHosts.AZURE_PUBLIC_CLOUD, AzureAuthorityHosts.AZURE_GOVERNMENT, AzureAuthorityHosts.AZURE_CHINA}
)


@dataclass(frozen=True)
class CloudEndpoints:
    authority: str  # https://login.microsoftonline.com
    arm_url: str  # https://management.azure.com

    @property
    def arm_scope(self) -> str:
        return self.arm_url.rstrip("/") + "/.default"

    @property
    def is_public_cloud(self) -> bool:
        host = self.authority.removeprefix("https://").split("/")[0].lower()
        return host in _PUBLIC_AUTHORITIES


PUBLIC_CLOUD = CloudEndpoints("https://login.microsoftonline.com", "https://management.azure.com")
_US_GOVERNMENT = CloudEndpoints("https://login.microsoftonline.us", "https://management.usgovcloudapi.net")
_CHINA = CloudEndpoints("https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn")
_CLOUDS: Mapping[str, CloudEndpoints] = {
    "AZUREUSGOVERNMENT": _US_GOVERNMENT,
    "AZUREUSGOVERNMENTCLOUD": _US_GOVERNMENT,
    "AZURECHINACLOUD": _CHINA,
}


def _named_cloud(azure: AzureConfig, known: frozenset[str]) -> CloudEndpoints:
    name = azure.cloud.upper()
    if name not in known:  # wrapped as NewAzureProvider and getCredentials wrap it
        raise ConfigError(f"failed to get credentials: failed to get cloud configuration: unknown cloud name: {name}")
    if name == "AZURESTACKCLOUD":
        return CloudEndpoints(azure.active_directory_authority_host, azure.resource_manager_endpoint)
    return _CLOUDS.get(name, PUBLIC_CLOUD)


def cloud_endpoints(azure: AzureConfig, known: frozenset[str]) -> CloudEndpoints:
    """The endpoints of azure.json's cloud; `known`: the cloud names the release played accepts."""
    cloud = _named_cloud(azure, known)
    return CloudEndpoints(authority=azure.active_directory_authority_host or cloud.authority, arm_url=cloud.arm_url)


def _workload_identity(azure: AzureConfig, cloud: CloudEndpoints, env: Mapping[str, str]) -> TokenCredential:
    token_file = env.get("AZURE_FEDERATED_TOKEN_FILE")
    try:
        return WorkloadIdentityCredential(
            tenant_id=azure.tenant_id or env.get("AZURE_TENANT_ID"),
            client_id=azure.user_assigned_identity_id or env.get("AZURE_CLIENT_ID"),
            token_file_path=str(pod_path(token_file)) if token_file else None,  # a container path
            authority=cloud.authority,
            disable_instance_discovery=not cloud.is_public_cloud,
        )
    except ValueError as err:  # a variable the webhook should have set is missing
        raise ConfigError(f"failed to get credentials: {err}") from None


def credential(azure: AzureConfig, cloud: CloudEndpoints, env: Mapping[str, str]) -> TokenCredential:
    """The credential azure.json asks for; ConfigError when it asks for none."""
    try:
        kind = azure.credential_kind()
    except ConfigError as err:
        raise ConfigError(f"failed to get credentials: {err}") from None
    if kind is CredentialKind.CLIENT_SECRET:
        log.info("Using client_id+client_secret to retrieve access token for Azure API.")
        return ClientSecretCredential(
            azure.tenant_id,
            azure.aad_client_id,
            azure.aad_client_secret,
            authority=cloud.authority,
            disable_instance_discovery=not cloud.is_public_cloud,
        )
    if kind is CredentialKind.WORKLOAD_IDENTITY:
        log.info("Using workload identity extension to retrieve access token for Azure API.")
        return _workload_identity(azure, cloud, env)
    log.info("Using managed identity extension to retrieve access token for Azure API.")
    if azure.user_assigned_identity_id:
        log.info("Resolving to user assigned identity, client id is %s.", azure.user_assigned_identity_id)
    else:
        log.info("Resolving to system assigned identity.")
    return ManagedIdentityCredential(client_id=azure.user_assigned_identity_id or None)


class _AsyncCredential:
    """A synchronous credential as the async pipeline asks for one; a token request runs in a worker thread."""

    def __init__(self, credential: TokenCredential) -> None:
        self._credential = credential

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        get_token = self._credential.get_token
        return await asyncio.to_thread(
            get_token, *scopes, claims=claims, tenant_id=tenant_id, enable_cae=enable_cae, **kwargs
        )

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> "_AsyncCredential":
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        return None


def _transport() -> AioHttpTransport:
    """azure-core's default aiohttp transport (proxies from the environment, no cookies, bodies left compressed
    for azure-core), with a TLS context made now. aiohttp's default one is made when aiohttp is imported, and a
    sandbox workload, forked warm, imported it before it had its pod's environment: its SSL_CERT_FILE, which
    Go's crypto/x509 reads at the first handshake (golang/go src/crypto/x509/root_unix.go), would be missed."""
    connector = aiohttp.TCPConnector(ssl=ssl.create_default_context())
    session = aiohttp.ClientSession(
        connector=connector, trust_env=True, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
    )
    return AioHttpTransport(session=session, session_owner=True)


class DnsClient:
    """azure-mgmt-dns' async client on an event loop of its own. `run(coroutine)` runs the loop until the
    coroutine is done; between calls the loop (and the client's pooled connections) wait. Close it after use."""

    def __init__(self, azure: AzureConfig, token_credential: TokenCredential, cloud: CloudEndpoints) -> None:
        self._runner = asyncio.Runner()

        async def build() -> DnsManagementClient:
            return DnsManagementClient(
                _AsyncCredential(token_credential),
                azure.subscription_id,
                base_url=cloud.arm_url,
                credential_scopes=[cloud.arm_scope],
                retry_total=MAX_RETRIES,
                transport=_transport(),
            )

        self.client = self._runner.run(build())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coroutine)

    def close(self) -> None:
        self._runner.run(self.client.close())
        self._runner.close()
