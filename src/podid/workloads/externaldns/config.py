"""Flags and azure.json (external-dns `pkg/apis/externaldns/types.go`, `provider/azure/config.go`).

`parse_args` accepts the real flag names with the real defaults, as `--flag=value` or `--flag value`;
repeatable flags (`--source`, `--domain-filter`, ...) are given once per value. Durations are Go durations
(`1m`, `5s`) and are stored in seconds. Bad flags raise ConfigError instead of exiting, because the workload
may run as a thread. The flags and `--registry` values are those of the release played (`release.py`);
`validate` checks what external-dns' `validation.ValidateConfig` checks of them.
"""

import argparse
import enum
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, NoReturn

import yaml

from podid.workloads._runtime import pod_path

from .duration import parse_duration
from .errors import ConfigError
from .plan import DEFAULT_MANAGED_TYPES
from .policy import POLICIES
from .release import NEWEST, Release
from .source import SOURCE_KINDS

PROVIDERS = ("azure", "inmemory")
RECORD_TYPES = ("A", "AAAA", "CNAME", "TXT", "MX", "NS", "SRV", "NAPTR")
LOG_LEVELS: Mapping[str, int] = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
    "panic": logging.CRITICAL,
}
DEFAULT_AZURE_CONFIG_FILE = "/etc/kubernetes/azure.json"
_MSI_PLACEHOLDER = "msi"  # what pure-MSI clusters put in aadClientId/aadClientSecret


@dataclass(frozen=True)
class Config:
    sources: tuple[str, ...]
    provider: str
    domain_filter: tuple[str, ...] = ()
    exclude_domains: tuple[str, ...] = ()
    txt_owner_id: str = "default"
    txt_prefix: str = ""
    txt_suffix: str = ""
    policy: str = "sync"
    registry: str = "txt"
    interval: float = 60.0
    once: bool = False
    dry_run: bool = False
    log_level: str = "info"
    azure_config_file: str = DEFAULT_AZURE_CONFIG_FILE
    azure_resource_group: str = ""
    azure_subscription_id: str = ""
    azure_user_assigned_identity_client_id: str = ""
    managed_record_types: tuple[str, ...] = DEFAULT_MANAGED_TYPES
    min_event_sync_interval: float = 5.0
    events: bool = False
    inmemory_zones: tuple[str, ...] = ()
    txt_new_format_only: bool = False
    annotation_prefix: str = NEWEST.annotation_prefix
    release: Release = field(default=NEWEST, repr=False)  # what the image is, not a flag

    @property
    def logging_level(self) -> int:
        return LOG_LEVELS[self.log_level]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ConfigError(message)


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _registry(release: Release) -> Callable[[str], str]:
    def accepted(value: str) -> str:
        if value not in release.registries:  # kingpin's EnumVar wording (values.go)
            raise ConfigError(f"enum value must be one of {','.join(release.registries)}, got '{value}'")
        return value

    return accepted


def _parser(release: Release) -> argparse.ArgumentParser:
    # SUPPRESS: only flags given on the command line reach Config, whose defaults apply otherwise.
    parser = _Parser(prog="external-dns", argument_default=argparse.SUPPRESS, allow_abbrev=False)
    flag = parser.add_argument
    flag("--source", dest="sources", action="append", required=True, choices=SOURCE_KINDS)
    flag("--provider", required=True, choices=PROVIDERS)
    flag("--domain-filter", action="append")
    flag("--exclude-domains", action="append")
    flag("--txt-owner-id")
    flag("--txt-prefix")
    flag("--txt-suffix")
    flag("--policy", choices=tuple(POLICIES))
    flag("--registry", type=_registry(release))
    flag("--interval", type=_duration)
    flag("--once", action=argparse.BooleanOptionalAction)
    flag("--dry-run", action=argparse.BooleanOptionalAction)
    flag("--log-level", choices=tuple(LOG_LEVELS))
    flag("--azure-config-file")
    flag("--azure-resource-group")
    flag("--azure-subscription-id")
    flag("--azure-user-assigned-identity-client-id")
    flag("--managed-record-types", action="append", choices=RECORD_TYPES)
    flag("--min-event-sync-interval", type=_duration)
    flag("--events", action=argparse.BooleanOptionalAction)
    flag("--inmemory-zone", dest="inmemory_zones", action="append")
    if release.txt_new_format_only_flag:
        flag("--txt-new-format-only", action=argparse.BooleanOptionalAction)
    if release.annotation_prefix_flag:
        flag("--annotation-prefix")
    return parser


def parse_args(argv: Sequence[str], release: Release = NEWEST) -> Config:
    """The flags `release` accepts (the newest release's unless told)."""
    values: dict[str, Any] = vars(_parser(release).parse_args(list(argv)))
    for name, value in values.items():
        if isinstance(value, list):
            values[name] = tuple(value)
    values.setdefault("annotation_prefix", release.annotation_prefix)
    return Config(**values, release=release)


def validate(config: Config) -> None:
    """external-dns' `pkg/apis/externaldns/validation/validation.go` (v0.20.0+) for the flags played here."""
    if not config.annotation_prefix:
        raise ConfigError("--annotation-prefix cannot be empty")
    if not config.annotation_prefix.endswith("/"):
        raise ConfigError("--annotation-prefix must end with '/'")


class CredentialKind(enum.Enum):
    CLIENT_SECRET = "client secret"
    WORKLOAD_IDENTITY = "workload identity"
    MANAGED_IDENTITY = "managed identity"


@dataclass(frozen=True, repr=False)
class AzureConfig:
    cloud: str = ""
    tenant_id: str = ""
    subscription_id: str = ""
    resource_group: str = ""
    location: str = ""
    aad_client_id: str = ""
    aad_client_secret: str = ""
    use_managed_identity_extension: bool = False
    use_workload_identity_extension: bool = False
    user_assigned_identity_id: str = ""
    active_directory_authority_host: str = ""
    resource_manager_endpoint: str = ""  # AZURESTACKCLOUD's ARM (v0.19.0+)

    def __repr__(self) -> str:
        shown = (
            f"{f.name}='***'"
            if f.name == "aad_client_secret" and self.aad_client_secret
            else f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
        )
        return f"AzureConfig({', '.join(shown)})"

    def credential_kind(self) -> CredentialKind:
        """external-dns' `getCredentials` order: client secret, workload identity, managed identity."""
        placeholder = _MSI_PLACEHOLDER in (self.aad_client_id.lower(), self.aad_client_secret.lower())
        if self.aad_client_id and self.aad_client_secret and not placeholder:
            return CredentialKind.CLIENT_SECRET
        if self.use_workload_identity_extension:
            return CredentialKind.WORKLOAD_IDENTITY
        if self.use_managed_identity_extension:
            return CredentialKind.MANAGED_IDENTITY
        raise ConfigError("no credentials provided for Azure API")


# azure.json key -> (AzureConfig field, type)
_AZURE_KEYS: Mapping[str, tuple[str, type]] = {
    "cloud": ("cloud", str),
    "tenantId": ("tenant_id", str),
    "subscriptionId": ("subscription_id", str),
    "resourceGroup": ("resource_group", str),
    "location": ("location", str),
    "aadClientId": ("aad_client_id", str),
    "aadClientSecret": ("aad_client_secret", str),
    "useManagedIdentityExtension": ("use_managed_identity_extension", bool),
    "useWorkloadIdentityExtension": ("use_workload_identity_extension", bool),
    "userAssignedIdentityID": ("user_assigned_identity_id", str),
    "activeDirectoryAuthorityHost": ("active_directory_authority_host", str),
    "resourceManagerEndpoint": ("resource_manager_endpoint", str),
}


def _document(text: str, path: str, as_yaml: bool) -> Any:
    """YAML (of which JSON is a subset) up to v0.16, JSON from v0.17.0 (`getConfig`)."""
    if as_yaml:
        try:
            return yaml.safe_load(text) or {}
        except yaml.YAMLError as err:
            raise ConfigError(f"failed to read Azure config file '{path}': {err}") from None
    try:
        return json.loads(text)
    except ValueError as err:
        raise ConfigError(f"failed to parse Azure config file '{path}': {err}") from None


def parse_azure_config(text: str, path: str = DEFAULT_AZURE_CONFIG_FILE, as_yaml: bool = False) -> AzureConfig:
    """Parse azure.json, as YAML or JSON; unknown keys are ignored."""
    document = _document(text, path, as_yaml)
    verb = "read" if as_yaml else "parse"
    if not isinstance(document, dict):
        raise ConfigError(f"failed to {verb} Azure config file '{path}': not an object")
    values: dict[str, Any] = {}
    for key, (name, kind) in _AZURE_KEYS.items():
        value = document.get(key)
        if value is None:
            continue
        if not isinstance(value, kind):
            raise ConfigError(f"failed to {verb} Azure config file '{path}': {key} must be a {kind.__name__}")
        values[name] = value
    return AzureConfig(**values)


def _read_azure_config(config: Config) -> AzureConfig:
    path = config.azure_config_file
    try:
        text = pod_path(path).read_text(encoding="utf-8")
    except OSError as err:
        # Go's wording (`open <path>: no such file or directory`), with the path as the container sees it
        reason = (err.strerror or str(err)).lower()
        raise ConfigError(f"failed to read Azure config file '{path}': open {path}: {reason}") from None
    return parse_azure_config(text, path, config.release.azure_json_yaml)


def load_azure_config(config: Config) -> AzureConfig:
    """Read `--azure-config-file` (under the pod's root), then let the `--azure-*` flags override the file.
    Its errors carry the prefix twice, as `NewAzureProvider` (provider/azure/azure.go) wraps `getConfig`'s."""
    try:
        azure = _read_azure_config(config)
    except ConfigError as err:
        raise ConfigError(f"failed to read Azure config file '{config.azure_config_file}': {err}") from None
    return replace(
        azure,
        resource_group=config.azure_resource_group or azure.resource_group,
        subscription_id=config.azure_subscription_id or azure.subscription_id,
        user_assigned_identity_id=config.azure_user_assigned_identity_client_id or azure.user_assigned_identity_id,
    )
