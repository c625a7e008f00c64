"""What the proxy reads of the sandbox, typed as the proxy needs it (the composition root hands it the cloud).

The proxy reads: its own address and the Azure app's (settings), the CA that signs the played hosts'
certificates, who holds a pod address, each cluster's FQDN and API server, and the IMDS listener's URL.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Protocol

from podid.sandbox.core.pki import CertificateAuthority
from podid.sandbox.core.settings import CloudSettings


class PodAddresses(Protocol):
    def owner(self, address: str) -> Hashable | None:
        """Who holds a pod address: (cluster, namespace, name, UID) while a pod runs with it."""


class ApiServer(Protocol):
    @property
    def server_url(self) -> str: ...


class Fleet(Protocol):
    @property
    def pod_ips(self) -> PodAddresses: ...

    def server(self, cluster_id: str) -> ApiServer | None: ...


class Clusters(Protocol):
    def all(self) -> Iterable[Mapping[str, Any]]:
        """Every managed cluster as ARM shows it (``id``, ``properties.fqdn``)."""


class ProxiedCloud(Protocol):
    """The sandbox as the proxy sees it."""

    @property
    def settings(self) -> CloudSettings: ...

    @property
    def ca(self) -> CertificateAuthority: ...

    @property
    def kube(self) -> Fleet: ...

    @property
    def clusters(self) -> Clusters: ...

    @property
    def published(self) -> Mapping[str, object]:
        """What services announce (the proxy reads ``imds_url``)."""
