"""What a workload needs from the pod it runs in: its files, and (for callers that bind it) its address.

The sandbox kubelet starts each workload with the pod's environment plus what a node gives a container:

* ``HTTP_PROXY`` / ``HTTPS_PROXY``: the sandbox's proxy with this pod's credential, ``NO_PROXY`` sparing the API
  server and loopback, and the sandbox CA (``REQUESTS_CA_BUNDLE``, ``SSL_CERT_FILE``). Azure's own hostnames
  and IMDS at 169.254.169.254 are then reached with every SDK's defaults, and the proxy acts as this pod (NMI
  sees the pod's address): workloads need no sandbox-specific endpoint or transport.
* ``PODID_POD_ROOT``: a private directory standing in for the container's filesystem; mounted files such as
  ``/etc/kubernetes/azure.json`` live under it. A process cannot be given a filesystem of its own here.
* ``PODID_POD_IP``: the pod's own loopback address, for a caller that reaches a sandbox address directly and
  must be seen as the pod (NMI and the control surface tell direct callers apart by source address).

The workload identity webhook's ``AZURE_FEDERATED_TOKEN_FILE`` names a container path too: azure-identity opens
whatever path it is given, so a workload hands it ``federated_token_file()``, never the variable itself.

Outside the sandbox (none of these set) the helpers fall back to what a real container does: the path as
given, and connections from any local address.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
from azure.core.pipeline.transport import RequestsTransport
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

POD_IP = "PODID_POD_IP"
POD_ROOT = "PODID_POD_ROOT"
CA_BUNDLE = "REQUESTS_CA_BUNDLE"
FEDERATED_TOKEN_FILE = "AZURE_FEDERATED_TOKEN_FILE"


def pod_ip() -> str | None:
    return os.environ.get(POD_IP) or None


def pod_path(path: str | os.PathLike[str]) -> Path:
    """Where the container path ``path`` (e.g. ``/etc/kubernetes/azure.json``) is for this pod."""
    root = os.environ.get(POD_ROOT)
    given = Path(path)
    if not root:
        return given
    return Path(root) / given.relative_to(given.anchor) if given.is_absolute() else Path(root) / given


def read_pod_file(path: str | os.PathLike[str]) -> str:
    return pod_path(path).read_text()


def federated_token_file(env: Mapping[str, str] = os.environ) -> str | None:
    """Where this pod's projected service account token is (the webhook's variable, mapped), or None when
    the pod was not mutated for workload identity."""
    path = env.get(FEDERATED_TOKEN_FILE)
    return str(pod_path(path)) if path else None


class _SourceAddressAdapter(HTTPAdapter):
    """An adapter whose connections are bound to one local address (the pod IP)."""

    def __init__(self, source_ip: str) -> None:
        self._source_address = (source_ip, 0)
        # the caller retries as its client would; urllib3 must not retry underneath it (as azure-core's adapter)
        super().__init__(max_retries=Retry(total=False, redirect=False, raise_on_status=False))

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        pool_kwargs["source_address"] = self._source_address
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def pod_session() -> requests.Session:
    """A requests session whose connections leave from the pod IP (when running in a sandbox pod): a direct
    caller of a sandbox address, seen as the pod. ``trust_env`` is off: the proxy in the pod's environment would
    carry the request instead (as the pod too, by its credential, but from the proxy's side).
    """
    session = requests.Session()
    session.trust_env = False
    ip = pod_ip()
    if ip:
        adapter = _SourceAddressAdapter(ip)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def pod_transport() -> RequestsTransport:
    """``pod_session`` for one azure-core client or credential, e.g.
    ``ManagedIdentityCredential(transport=pod_transport())``, trusting REQUESTS_CA_BUNDLE. Each caller gets its
    own session, because a client closes its transport when it is closed."""
    return RequestsTransport(
        session=pod_session(),
        session_owner=True,
        connection_verify=os.environ.get(CA_BUNDLE) or True,
        use_env_settings=False,
    )
