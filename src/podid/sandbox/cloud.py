"""The composition root of the Azure side: it builds one sandbox's shared services, its Kubernetes fleet, every
resource provider's backend and the services in front of them, and hands each only what it names.

One ``Cloud`` per sandbox (no module-level singletons), so two sandboxes can live in one process. A backend gets
its siblings as the Protocols it declares (``arm.provider``), a service the parts it uses as arguments, and the
Kubernetes fleet reads the shared parts it needs from the cloud it is built with. The process around it
(``_runner``), the HTTPS application (``_cloudapp``) and the proxy read it; nothing it builds imports it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from podid.sandbox.arm import _lro
from podid.sandbox.arm._routing import Router
from podid.sandbox.arm.authorization.models import AuthorizationBackend
from podid.sandbox.arm.compute.models import ComputeBackend
from podid.sandbox.arm.containerservice.models import ContainerServiceBackend
from podid.sandbox.arm.dns.models import DnsBackend
from podid.sandbox.arm.features.models import FeaturesBackend
from podid.sandbox.arm.managedidentity.models import IdentitiesBackend
from podid.sandbox.arm.operations import Operations
from podid.sandbox.arm.provider import Provider, Shared
from podid.sandbox.arm.providers import PROVIDERS, namespaces
from podid.sandbox.arm.resources.models import ResourcesBackend
from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.metrics import Metrics
from podid.sandbox.core.pki import CertificateAuthority
from podid.sandbox.core.service import Service
from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.core.store import Store
from podid.sandbox.core.tokens import TokenService
from podid.sandbox.directory import Directory
from podid.sandbox.dns import DnsServer
from podid.sandbox.kube import KubeApiError, KubeFleet
from podid.sandbox.podidentity import ImdsService, PodIdentityController
from podid.sandbox.workloadidentity import WebhookAdmission

T = TypeVar("T")


class Cloud:
    """Shared services, the Kubernetes fleet, the backends of all resource providers and the services."""

    def __init__(
        self,
        settings: CloudSettings,
        store: Store,
        tokens: TokenService,
        ids: IdGenerator,
        clock: Clock,
        ca: CertificateAuthority,
    ) -> None:
        self.settings, self.store, self.tokens, self.ids, self.clock = settings, store, tokens, ids, clock
        self.ca = ca  # server TLS context and the CA that kubeconfigs carry
        self.shared = Shared(settings, store, ids, clock)
        self.metrics = Metrics()
        self.published: dict[str, object] = {}  # what services announce: imds_url, dns_port, proxy
        self.operations = Operations(ids, clock, store)
        self.directory = Directory(store, ids, clock, settings.tenant_id)
        # every cluster's Kubernetes API server, controllers and kubelet; it reads the shared parts above
        self.kube = KubeFleet(self)
        self.backends = build_backends(PROVIDERS, self.shared, self._offered())
        self.router = arm_router(self.operations, self.backends)
        # the backends the services in front of ARM, the control surface and the tests use by name
        self.resources = _built(self.backends, "resources", ResourcesBackend)
        self.authorization = _built(self.backends, "authorization", AuthorizationBackend)
        self.identities = _built(self.backends, "identities", IdentitiesBackend)
        self.features = _built(self.backends, "features", FeaturesBackend)
        self.dns = _built(self.backends, "dns", DnsBackend)
        self.compute = _built(self.backends, "compute", ComputeBackend)
        self.clusters = _built(self.backends, "clusters", ContainerServiceBackend)
        self.pod_identity = PodIdentityController(
            settings,
            store,
            clusters=self.clusters,
            kube=self.kube,
            compute=self.compute,
            features=self.features,
            identities=self.identities,
        )
        self.services: list[Service] = self._services()  # started in order after the HTTPS app, stopped in reverse

    def _offered(self) -> dict[str, object]:
        """The shared services a backend factory may name, besides the other providers' backends."""
        return {
            "namespaces": namespaces(),
            "directory": self.directory,
            "tokens": self.tokens,
            "operations": self.operations,
            "kube": self.kube,
            "ca": self.ca,
        }

    def _services(self) -> list[Service]:
        # AKS's workload identity webhook, for clusters with securityProfile.workloadIdentity.enabled
        self.kube.add_admission("Pod", WebhookAdmission(self.settings, self.clusters, KubeApiError))
        imds = ImdsService(
            self.settings,
            self.published,
            self.pod_identity,
            kube=self.kube,
            compute=self.compute,
            directory=self.directory,
            tokens=self.tokens,
        )
        dns = DnsServer(self.settings, self.dns.serving, self.published)
        # the fleet before AKS, which serves existing clusters on it; pod identity after AKS, whose clusters it reads
        return [dns, self.kube, self.clusters, self.pod_identity, imds]


def build_backends(
    providers: tuple[Provider, ...], shared: Shared, services: Mapping[str, object]
) -> dict[str, object]:
    """Every provider's backend by name, each built after the siblings its factory names and handed those alone
    (a shared service from ``services`` or another provider's backend)."""
    by_name = {provider.name: provider for provider in providers}
    built: dict[str, object] = dict(services)

    def build(provider: Provider, waiting: tuple[str, ...]) -> object:
        if provider.name not in built:
            if provider.name in waiting:
                raise ValueError(f"backends that need each other: {' -> '.join((*waiting, provider.name))}")
            siblings = {}
            for need in provider.needs:
                if need not in built and need not in by_name:
                    raise ValueError(f"the {provider.name} backend needs {need!r}, which nothing provides")
                siblings[need] = built[need] if need in built else build(by_name[need], (*waiting, provider.name))
            built[provider.name] = provider.backend(shared, **siblings)
        return built[provider.name]

    return {provider.name: build(provider, ()) for provider in providers}


def arm_router(operations: Operations, backends: Mapping[str, object]) -> Router:
    """Every ARM route with the backend its handler receives: the long-running operations' (any provider's) with
    the operations themselves, each provider's with its own backend."""
    router = Router()
    router.add(_lro.ROUTES, operations)
    for provider in PROVIDERS:
        router.add(provider.routes, backends[provider.name])
    return router


def _built(backends: Mapping[str, object], name: str, kind: type[T]) -> T:
    backend = backends[name]
    if not isinstance(backend, kind):
        raise TypeError(f"the {name} backend is a {type(backend).__name__}, not a {kind.__name__}")
    return backend
