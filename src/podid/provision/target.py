"""Where provisioning goes: endpoints, a credential and a CA bundle, and nothing else.

``sandbox_target(data_dir)`` reads the ``endpoints.json`` a running sandbox publishes and logs in as its operator
(ClientSecretCredential with the sandbox authority, no instance discovery, the sandbox CA bundle).
``azure_target()`` uses DefaultAzureCredential and the public cloud, and refuses an environment that points at a
sandbox (what ``podid sandbox env`` exports), so a sandbox's credentials never reach Entra ID; through the sandbox's
proxy (``podid sandbox env --proxy``) every request for Azure's hosts reaches the sandbox, so it proceeds. Steps
never ask which one they have. Every call ends within a bounded time, naming what to check when it does not
(``retry``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any, TypeVar

import requests
from azure.core.credentials import TokenCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import ClientSecretCredential

from podid.config import SettingsError
from podid.provision.errors import NotFound, ProvisionError, Unauthenticated, translate
from podid.provision.retry import BoundedRetry, timeouts

T = TypeVar("T")
ARM_SCOPE = "https://management.azure.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
PUBLIC_ARM_URL = "https://management.azure.com/"
PUBLIC_GRAPH_URL = "https://graph.microsoft.com/"
PUBLIC_AUTHORITY = "https://login.microsoftonline.com"
ENDPOINTS_FILE = "endpoints.json"
SANDBOX_CHECK = "check that the sandbox is running and answers (`podid sandbox status`)"
PROXIED_CHECK = "check that the sandbox and its proxy are running and answer (`podid sandbox status`)"
AZURE_CHECK = "check the network and proxy settings (HTTPS_PROXY, NO_PROXY), and https://azure.status.microsoft"
NO_CREDENTIAL = (
    "no Azure credential: run `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET "
    "(--debug shows what each credential said)"
)


@dataclass(frozen=True)
class Target:
    """One cloud to provision: how to reach ARM and who we are there."""

    name: str  # "sandbox" | "azure"
    arm_url: str
    subscription_id: str
    tenant_id: str
    credential: TokenCredential = field(repr=False)
    authority: str = PUBLIC_AUTHORITY
    ca_bundle: str | None = None  # None: the system trust store
    graph_url: str = PUBLIC_GRAPH_URL  # Microsoft Graph (v1.0 below it)
    # where DNS names can be resolved directly; None means "ask the zone's own name servers"
    dns_server: tuple[str, int] | None = None
    operator_client_id: str | None = None
    control_url: str | None = None  # the sandbox's own control surface (/_sandbox/); Azure has none
    operator_secret: str | None = field(default=None, repr=False)
    # proxies, netrc and CA variables from the environment; requests reads them again for every request
    trust_env: bool = True
    check: str = AZURE_CHECK  # what to look at when an endpoint does not answer

    def retry_policy(self) -> BoundedRetry:
        return BoundedRetry(self.check)

    def credential_options(self) -> dict[str, Any]:
        """azure-identity's options for a credential of this target: its transport, and its retries bounded."""
        return {"transport": self.transport(), "retry_policy_class": partial(BoundedRetry, self.check)}

    @cached_property
    def session(self) -> requests.Session:
        """One HTTP session for every client: connections and the loaded CA bundle are shared."""
        return _session(self.trust_env)

    def transport(self) -> RequestsTransport:
        """An azure-core transport over the shared session (clients close it; the session stays open)."""
        return RequestsTransport(
            session=self.session, session_owner=False, connection_verify=self.ca_bundle or True, **timeouts()
        )

    def client_options(self) -> dict[str, Any]:
        # azure-core's NetworkTraceLoggingPolicy logs bodies then, but only while its logger is at DEBUG
        # (`podid --debug`, which redacts secrets from every line)
        options = {"base_url": self.arm_url, "credential_scopes": [ARM_SCOPE], "transport": self.transport()}
        return options | {"retry_policy": self.retry_policy(), "logging_enable": True}

    def mgmt(self, client_class: type[T], **kwargs: Any) -> T:
        """An azure-mgmt-* client for this target's subscription."""
        return client_class(self.credential, self.subscription_id, **self.client_options(), **kwargs)  # type: ignore[call-arg]


def _read_endpoints(data_dir: Path) -> dict[str, Any]:
    path = data_dir / ENDPOINTS_FILE
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise NotFound(f"no sandbox has been started in {data_dir}: run `podid sandbox start`") from None
    except (OSError, ValueError) as error:
        raise ProvisionError(f"cannot read {path}: {error}") from error


def _session(trust_env: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = trust_env
    return session


def sandbox_target(data_dir: Path) -> Target:
    """The sandbox whose endpoints.json is in ``data_dir``, as its operator (Owner on the subscription)."""
    raw = _read_endpoints(data_dir)
    operator = raw["operator"]
    credential = ClientSecretCredential(
        raw["tenant_id"],
        operator["client_id"],
        operator["client_secret"],
        authority=raw["authority"],
        disable_instance_discovery=True,
        transport=RequestsTransport(session=_session(trust_env=False), connection_verify=raw["ca_cert"], **timeouts()),
        retry_policy_class=partial(BoundedRetry, SANDBOX_CHECK),
        logging_enable=True,  # as the clients' (client_options)
    )
    return Target(
        name="sandbox",
        arm_url=raw["arm_url"],
        subscription_id=raw["subscription_id"],
        tenant_id=raw["tenant_id"],
        credential=credential,
        authority=raw["authority"],
        ca_bundle=raw["ca_cert"],  # every endpoint is the sandbox's: its CA alone, quicker to load per connection
        graph_url=raw["arm_url"],  # the sandbox serves Graph under /v1.0/ on its ARM host
        dns_server=(raw["dns_host"], int(raw["dns_port"])) if raw.get("dns_port") else None,
        operator_client_id=operator["client_id"],
        control_url=raw["arm_url"].rstrip("/") + "/_sandbox/",
        operator_secret=operator["client_secret"],
        trust_env=False,  # a local endpoint: no proxy applies, and the CA is given explicitly
        check=SANDBOX_CHECK,
    )


def _sign_in_failure(error: ClientAuthenticationError) -> ProvisionError:
    """One line for DefaultAzureCredential's report of every credential it tried: the one that failed to sign in,
    or, when none could even try, how to give it one."""
    message = str(error.message or "")
    if not message.startswith("DefaultAzureCredential failed"):
        return translate(error)
    tried = [line.strip() for line in message.splitlines() if line.startswith("\t")]
    failed = [line for line in tried if "AADSTS" in line or "Authentication failed" in line]
    if failed:
        return Unauthenticated(f"Azure sign-in failed: {failed[0]}")
    return Unauthenticated(NO_CREDENTIAL)


def _subscription(credential: TokenCredential, subscription_id: str | None, check: str) -> tuple[str, str]:
    """(subscription id, tenant id): the one asked for, or the only one the credential can see."""
    from azure.mgmt.resource.subscriptions import SubscriptionClient  # real Azure only: spare the sandbox the import

    client = SubscriptionClient(credential, retry_policy=BoundedRetry(check), transport=RequestsTransport(**timeouts()))
    try:
        if subscription_id:
            found = client.subscriptions.get(subscription_id)
            return str(found.subscription_id), str(found.tenant_id)
        subscriptions = list(client.subscriptions.list())
    except ClientAuthenticationError as error:
        raise _sign_in_failure(error) from error
    except Exception as error:
        raise translate(error) from error
    if len(subscriptions) != 1:
        raise ProvisionError(
            f"{len(subscriptions)} subscriptions are visible: set AZURE_SUBSCRIPTION_ID to the one to use"
        )
    return str(subscriptions[0].subscription_id), str(subscriptions[0].tenant_id)


# what `podid sandbox env` exports, by what it holds: a sandbox endpoint or proxy, its CA, its ids, its az login
_SANDBOX_VARIABLES = {
    "AZURE_AUTHORITY_HOST": ("authority",),
    "PODID_ARM_URL": ("arm_url",),
    "REQUESTS_CA_BUNDLE": ("ca_bundle", "ca_cert"),
    "CURL_CA_BUNDLE": ("ca_bundle", "ca_cert"),
    "SSL_CERT_FILE": ("ca_bundle", "ca_cert"),
    "AZURE_CLIENT_ID": ("operator.client_id",),
    "AZURE_TENANT_ID": ("tenant_id",),
    "AZURE_SUBSCRIPTION_ID": ("subscription_id",),
    "HTTPS_PROXY": ("proxy_url",),  # `podid sandbox env --proxy`: Azure's hostnames played by the sandbox
    "HTTP_PROXY": ("proxy_url",),
}


def _field(endpoints: Mapping[str, Any], dotted: str) -> str:
    value: Any = endpoints
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return str(value).rstrip("/").lower() if value else ""


def sandbox_variable(environ: Mapping[str, str], sandboxes: Iterable[Mapping[str, Any]]) -> str | None:
    """The first environment variable that points at one of these sandboxes (their endpoints.json), if any."""
    for endpoints in sandboxes:
        for variable, keys in _SANDBOX_VARIABLES.items():
            value = environ.get(variable, "").rstrip("/").lower()
            if value and value in {_field(endpoints, key) for key in keys}:
                return variable
        az_dir = endpoints.get("data_dir")
        if az_dir and environ.get("AZURE_CONFIG_DIR") == str(Path(az_dir) / "azure"):
            return "AZURE_CONFIG_DIR"
    return None


# the hosts a sandbox credential must never reach directly: Entra ID's token endpoint and ARM
_AZURE_HOSTS = (PUBLIC_AUTHORITY + "/", PUBLIC_ARM_URL)


def _first(environ: Mapping[str, str], *names: str) -> str:
    """The first of these variables that is set, as requests reads its CA bundle variables."""
    for name in names:
        if value := environ.get(name):
            return value.rstrip("/")
    return ""


def _proxy_setting(environ: Mapping[str, str], name: str) -> str:
    """A proxy variable as requests reads it (urllib's getproxies_environment): the lower-case spelling wins
    whenever it is present, even empty, over the upper-case one
    (https://github.com/python/cpython/blob/3.11/Lib/urllib/request.py)."""
    value = environ[name.lower()] if name.lower() in environ else environ.get(name, "")
    return value.rstrip("/")


def proxied_sandbox(environ: Mapping[str, str], sandboxes: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The sandbox whose proxy carries every request to Azure's hosts in this environment: HTTPS_PROXY is its proxy,
    NO_PROXY exempts neither Entra ID nor ARM, and the CA bundle requests reads is its (a request for Azure can
    then only reach the sandbox, and one that reached Azure would fail its TLS check)."""
    from requests.utils import should_bypass_proxies

    no_proxy = _proxy_setting(environ, "NO_PROXY") or None
    if any(should_bypass_proxies(url, no_proxy) for url in _AZURE_HOSTS):
        return None
    for endpoints in sandboxes:
        proxy, bundle = _field(endpoints, "proxy_url"), _field(endpoints, "ca_bundle")
        proxied = bool(proxy) and _proxy_setting(environ, "HTTPS_PROXY").lower() == proxy
        if proxied and bool(bundle) and _first(environ, "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE").lower() == bundle:
            return endpoints
    return None


def azure_target(subscription_id: str | None = None, sandboxes: Iterable[Mapping[str, Any]] = ()) -> Target:
    """Real Azure with DefaultAzureCredential (az login, environment, managed identity, ...); refused, before any
    request, when the environment points at one of ``sandboxes`` without its proxy in effect (through the proxy,
    Azure's public endpoints are the sandbox's: the code a user runs on Azure, exercised against it)."""
    from azure.identity import DefaultAzureCredential

    sandboxes = list(sandboxes)
    variable, proxied = sandbox_variable(os.environ, sandboxes), proxied_sandbox(os.environ, sandboxes)
    if variable and proxied is None:
        raise SettingsError(
            f"--target azure refused: {variable} points at the podid sandbox (`podid sandbox env` set it); "
            "unset the variables it exported, or use a new shell"
        )
    credential = DefaultAzureCredential(**timeouts())
    check = PROXIED_CHECK if proxied else AZURE_CHECK
    subscription, tenant = _subscription(credential, subscription_id or os.environ.get("AZURE_SUBSCRIPTION_ID"), check)
    # DNS is not HTTP: no proxy carries it, so the zone's name servers (Azure DNS's names) are the sandbox's server
    dns_server = (proxied["dns_host"], int(proxied["dns_port"])) if proxied and proxied.get("dns_port") else None
    return Target("azure", PUBLIC_ARM_URL, subscription, tenant, credential, dns_server=dns_server, check=check)
