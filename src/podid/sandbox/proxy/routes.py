"""Where each played host is served on this machine. Every backend is a loopback port of the sandbox itself:
the proxy has no way to name any other address, so nothing it receives ever leaves the machine.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from podid.sandbox.proxy.cloudview import ProxiedCloud
from podid.sandbox.proxy.hosts import HTTP_PORT, HTTPS_PORT, IMDS_HOST, is_azure_host

# AKS API servers: <dns-prefix>-<hash>.hcp.<region>.azmk8s.io (the cluster's ``fqdn``)
AKS_SUFFIX = ".azmk8s.io"


@dataclass(frozen=True)
class Backend:
    """A sandbox listener: a loopback address and port, over TLS or plain HTTP."""

    host: str
    port: int
    tls: bool

    def __post_init__(self) -> None:
        if not ipaddress.ip_address(self.host).is_loopback:
            raise ValueError(f"a proxy backend must be a loopback address, not {self.host}")


@functools.cache  # a handful of listeners, asked on every request
def _local(url: str, tls: bool) -> Backend | None:
    parts = urlsplit(url)
    return Backend(parts.hostname, parts.port, tls) if parts.hostname and parts.port else None


class Routes:
    """(host, port, tunnelled?) → the sandbox listener that serves it, or None (refused)."""

    def __init__(self, cloud: ProxiedCloud) -> None:
        self._cloud = cloud

    def https(self, host: str, port: int) -> Backend | None:
        """A CONNECT target: the Azure HTTPS app, or a cluster's API server by its AKS name."""
        if port != HTTPS_PORT:
            return None
        if is_azure_host(host):
            return _local(self._cloud.settings.arm_url, tls=True)
        if host.lower().endswith(AKS_SUFFIX):
            return self._api_server(host.lower())
        return None

    def http(self, host: str, port: int) -> Backend | None:
        """A plain HTTP target: only IMDS (NMI on the pod's node)."""
        if host != IMDS_HOST or port != HTTP_PORT:
            return None
        return _local(str(self._cloud.published.get("imds_url", "")), tls=False)

    def _api_server(self, fqdn: str) -> Backend | None:
        for doc in self._cloud.clusters.all():
            if _fqdn(doc) == fqdn:
                server = self._cloud.kube.server(str(doc["id"]))
                return _local(server.server_url, tls=True) if server is not None else None
        return None


def _fqdn(doc: Mapping[str, Any]) -> str:
    return str((doc.get("properties") or {}).get("fqdn") or "").lower()
