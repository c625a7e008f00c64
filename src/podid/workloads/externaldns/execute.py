"""Wire the stages and run them (external-dns `controller/execute.go`).

Order as upstream: the flags validated, the sources (informers listed and watching, up to 60 s for their
first list), then the provider from azure.json, the registry and the controller, each as the release played
(`config.release`) builds it. `--once` runs one cycle; otherwise the controller loops until `stop` is set.
With `--events`, every watched change asks the controller for an early cycle (when it runs: controller.py);
`--interval` stays the full resync.

Failures that stop external-dns are logged once at `fatal` and give exit code 1, as `log.Fatal` does.
"""

import logging
import threading
from collections.abc import Mapping
from contextlib import ExitStack, closing

from kubernetes.config.config_exception import ConfigException

from .config import Config, load_azure_config, validate
from .controller import Controller
from .domain_filter import DomainFilter
from .errors import ConfigError, ExternalDnsError, PermanentError
from .kube import InformerLister, in_cluster_client
from .policy import policy_named
from .provider import Provider
from .provider.azure import AzureProvider
from .provider.azure_client import DnsClient, cloud_endpoints, credential
from .provider.inmemory import InMemoryProvider
from .registry import NoopRegistry, Registry, TxtRegistry
from .source import KubernetesSource

log = logging.getLogger(__name__)

CACHE_SYNC_TIMEOUT = 60.0
WRITE_CONCURRENCY = 8  # record-set writes in flight (see provider/azure.py), each on a pooled connection


def start_lister(config: Config, stop: threading.Event) -> InformerLister | None:
    """The informers, synced; None when `stop` came first."""
    log.info("Instantiating new Kubernetes client")
    log.info("Using inCluster-config based on serviceaccount-token")
    try:
        api = in_cluster_client()
    except ConfigException as err:
        raise ConfigError(f"failed to create Kubernetes client: {err}") from None
    log.info("Created Kubernetes client %s", api.configuration.host)
    lister = InformerLister(api, config.sources)
    lister.start()
    unsynced = lister.wait_synced(CACHE_SYNC_TIMEOUT, stop)
    if unsynced is None:
        return lister
    lister.stop()
    if stop.is_set():
        return None
    raise PermanentError(f"failed to sync {unsynced}: context deadline exceeded")


def build_provider(
    config: Config, domain_filter: DomainFilter, env: Mapping[str, str], resources: ExitStack
) -> Provider:
    """The provider `config` names; what it holds open (the Azure client) is closed with `resources`."""
    if config.provider == "inmemory":
        return InMemoryProvider(config.inmemory_zones)
    azure = load_azure_config(config)
    cloud = cloud_endpoints(azure, config.release.clouds)
    dns = resources.enter_context(closing(DnsClient(azure, credential(azure, cloud, env), cloud)))
    zones, record_sets = dns.client.zones, dns.client.record_sets
    return AzureProvider(
        zones, record_sets, azure.resource_group, domain_filter, config.dry_run, WRITE_CONCURRENCY, dns.run
    )


def build_registry(config: Config, provider: Provider) -> Registry:
    """`--registry`: txt or noop; the others the release accepts need AWS or a CRD this sandbox lacks."""
    if config.registry == "noop":
        return NoopRegistry(provider)
    if config.registry != "txt":
        raise ConfigError(f"--registry={config.registry} is not available in this sandbox (only txt and noop)")
    prefix, suffix = config.txt_prefix, config.txt_suffix
    new_only = config.txt_new_format_only
    return TxtRegistry(provider, config.txt_owner_id, prefix, suffix, config.release, new_only)


def _controller(config: Config, lister: InformerLister, env: Mapping[str, str], resources: ExitStack) -> Controller:
    domain_filter = DomainFilter.of(config.domain_filter, config.exclude_domains)
    provider = build_provider(config, domain_filter, env, resources)
    return Controller(
        KubernetesSource(lister, config.sources, config.annotation_prefix),
        build_registry(config, provider),
        policy_named(config.policy),
        domain_filter,
        config.managed_record_types,
        config.min_event_sync_interval,
        release=config.release,
    )


def _run(
    config: Config, lister: InformerLister, env: Mapping[str, str], stop: threading.Event, resources: ExitStack
) -> int:
    try:
        controller = _controller(config, lister, env, resources)
        if config.once:
            controller.run_once()
            return 0
    except ExternalDnsError as err:
        log.critical("%s", err)
        return 1
    try:
        controller.run(stop, config.interval, lister.changed if config.events else None)
    except ExternalDnsError:
        return 1  # run() has logged it
    return 0


def execute(config: Config, env: Mapping[str, str], stop: threading.Event) -> int:
    """Run external-dns until `stop` is set (or one cycle with `--once`); return the exit code."""
    log.info("config: %r", config)
    try:
        validate(config)
    except ConfigError as err:
        log.critical("config validation failed: %s", err)
        return 1
    if config.annotation_prefix != config.release.annotation_prefix:
        log.info("Using custom annotation prefix: %s", config.annotation_prefix)
    try:
        lister = start_lister(config, stop)
    except ExternalDnsError as err:
        log.critical("%s", err)
        return 1
    if lister is None:
        return 0  # terminated before the caches synced
    try:
        with ExitStack() as resources:
            return _run(config, lister, env, stop, resources)
    finally:
        lister.stop()
