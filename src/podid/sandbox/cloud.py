"""The Azure side of one sandbox: settings, shared services and every resource provider's backend.

One ``Cloud`` per sandbox (no module-level singletons), so two sandboxes can live in one process. Backends
reach their siblings through it, e.g. the DNS backend asks ``cloud.resources`` whether a group exists.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from podid.sandbox._ids import Clock, IdGenerator
from podid.sandbox.arm._lro import Operations
from podid.sandbox.directory import Directory
from podid.sandbox.pki import CertificateAuthority
from podid.sandbox.store import Store
from podid.sandbox.tokens import TokenService

# The resource provider namespaces the sandbox serves, as Azure spells them.
NAMESPACES = (
    "Microsoft.Resources",
    "Microsoft.Features",
    "Microsoft.ManagedIdentity",
    "Microsoft.Authorization",
    "Microsoft.Network",
    "Microsoft.ContainerService",
    "Microsoft.Compute",
)
KNOWN_NAMESPACES = frozenset(name.lower() for name in NAMESPACES)


@dataclass(frozen=True)
class CloudSettings:
    tenant_id: str
    subscription_id: str
    subscription_name: str
    arm_url: str  # https://127.0.0.1:8443/
    authority: str  # https://127.0.0.1:8443
    host: str = "127.0.0.1"
    imds_port: int = 0
    dns_port: int = 0
    kube_port_base: int = 0
    data_dir: Path | None = None
    dns_rate_limits: bool = False
    nmi_wait: bool = False
    nmi_mode: str = "managed"
    nmi_retry_after: bool = False
    default_location: str = "westus2"
    known_namespaces: frozenset[str] = KNOWN_NAMESPACES

    @property
    def arm_audiences(self) -> frozenset[str]:
        arm = self.arm_url.rstrip("/")
        return frozenset(
            {
                "https://management.azure.com",
                "https://management.azure.com/",
                "https://management.core.windows.net",
                "https://management.core.windows.net/",
                arm,
                arm + "/",
            }
        )


@dataclass
class Metrics:
    """Counters the control surface exposes (e.g. to prove a second `podid up` writes nothing)."""

    writes: Counter[str] = field(default_factory=Counter)
    kube_writes: Counter[str] = field(default_factory=Counter)  # through any cluster's API server
    requests: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_write(self, method: str, path: str) -> None:
        with self._lock:
            self.writes[method] += 1

    def count_kube_write(self, method: str) -> None:
        with self._lock:
            self.kube_writes[method] += 1

    def observe(self, seconds: float) -> None:
        with self._lock:
            self.requests += 1
            self.seconds += seconds

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "writes": dict(self.writes),
                "totalWrites": sum(self.writes.values()),
                "kubeWrites": dict(self.kube_writes),
                "totalKubeWrites": sum(self.kube_writes.values()),
                "requests": self.requests,
            }


class Service(Protocol):
    """A front end or controller with its own sockets or tasks (IMDS, DNS, the Kubernetes fleet)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Cloud:
    """Shared services plus the backends of all resource providers."""

    def __init__(
        self,
        settings: CloudSettings,
        store: Store,
        tokens: TokenService,
        ids: IdGenerator,
        clock: Clock,
        ca: CertificateAuthority,
    ) -> None:
        from podid.sandbox.arm.authorization.models import AuthorizationBackend
        from podid.sandbox.arm.compute.models import ComputeBackend
        from podid.sandbox.arm.containerservice.models import ContainerServiceBackend
        from podid.sandbox.arm.dns.models import DnsBackend
        from podid.sandbox.arm.features.models import FeaturesBackend
        from podid.sandbox.arm.managedidentity.models import IdentitiesBackend
        from podid.sandbox.arm.resources.models import ResourcesBackend
        from podid.sandbox.dns import DnsServer
        from podid.sandbox.kube import KubeApiError, KubeFleet
        from podid.sandbox.podidentity import ImdsService, PodIdentityController
        from podid.sandbox.workloadidentity import WebhookAdmission

        self.settings, self.store, self.tokens, self.ids, self.clock = settings, store, tokens, ids, clock
        self.ca = ca  # server TLS context and the CA that kubeconfigs carry
        self.metrics = Metrics()
        self.services: list[Service] = []  # started in order after the HTTPS app, stopped in reverse
        self.published: dict[str, object] = {}  # what services announce: imds_url, dns_port, ...
        self.operations = Operations(ids, clock, store)
        self.directory = Directory(store, ids, clock, settings.tenant_id)
        self.resources = ResourcesBackend(self)
        self.authorization = AuthorizationBackend(self)
        self.identities = IdentitiesBackend(self)
        self.features = FeaturesBackend(store)
        self.dns = DnsBackend(self)
        self.services.append(DnsServer(self))
        self.compute = ComputeBackend(self)
        self.kube = KubeFleet(self)  # every cluster's Kubernetes API server, controllers and kubelet
        self.services.append(self.kube)
        # AKS's workload identity webhook, for clusters with securityProfile.workloadIdentity.enabled
        self.kube.add_admission("Pod", WebhookAdmission(self, KubeApiError))
        self.clusters = ContainerServiceBackend(self)  # after the Kubernetes fleet: it serves existing clusters
        self.services.append(self.clusters)
        self.pod_identity = PodIdentityController(self)  # after AKS: it picks up the clusters AKS serves
        self.services.append(self.pod_identity)
        self.services.append(ImdsService(self, self.pod_identity))
