"""external-dns (Azure provider, TXT registry) as a Python workload: source -> plan -> registry -> provider.

Baseline: external-dns v0.18+ behaviour (new-format TXT names only). Pure stages with narrow Protocols as
seams; the Kubernetes lister and the azure-mgmt-dns clients are passed in, never imported from the sandbox.
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
from .registry import Registry, TxtRegistry
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
    "ObjectLister",
    "PermanentError",
    "Provider",
    "Registry",
    "SoftError",
    "Source",
    "SystemClock",
    "TxtRegistry",
    "calculate",
    "load_azure_config",
    "parse_args",
    "parse_azure_config",
    "policy_named",
]
