"""The Azure side of one sandbox: settings, shared services and every resource provider's backend.

One ``Cloud`` per sandbox (no module-level singletons), so two sandboxes can live in one process. Backends
reach their siblings through it, e.g. the DNS backend asks ``cloud.resources`` whether a group exists.
"""

from __future__ import annotations

from podid.sandbox.arm._lro import Operations
from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.metrics import Metrics
from podid.sandbox.core.pki import CertificateAuthority
from podid.sandbox.core.service import Service
from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.core.store import Store
from podid.sandbox.core.tokens import TokenService
from podid.sandbox.directory import Directory


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
