"""external-dns (Azure provider, TXT registry) as a Python workload: source -> plan -> registry -> provider.

Plays the release its image tag names, v0.14.0 to v0.22 (`release.py`: what users can tell apart between
them, in one table; an unknown tag plays the newest). Pure stages with narrow Protocols as seams; the
Kubernetes lister and the azure-mgmt-dns clients are passed in, never imported from the sandbox.
"""

from .config import AzureConfig, Config, CredentialKind, load_azure_config, parse_args, parse_azure_config
from .controller import Clock, Controller, SystemClock
from .domain_filter import DomainFilter
from .endpoint import Endpoint
from .errors import ExternalDnsError, PermanentError, SoftError
from .plan import Changes, calculate
from .policy import policy_named
from .provider import Provider
from .provider.inmemory import InMemoryProvider
from .registry import NoopRegistry, Registry, TxtRegistry
from .release import Release, release_for
from .source import KubernetesSource, ObjectLister, Source

__all__ = [
    "AzureConfig",
    "Changes",
    "Clock",
    "Config",
    "Controller",
    "CredentialKind",
    "DomainFilter",
    "Endpoint",
    "ExternalDnsError",
    "InMemoryProvider",
    "KubernetesSource",
    "NoopRegistry",
    "ObjectLister",
    "PermanentError",
    "Provider",
    "Registry",
    "Release",
    "SoftError",
    "Source",
    "SystemClock",
    "TxtRegistry",
    "calculate",
    "load_azure_config",
    "parse_args",
    "parse_azure_config",
    "policy_named",
    "release_for",
]
