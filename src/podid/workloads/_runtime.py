"""What a workload needs from the pod it runs in: its files and its network identity.

The sandbox kubelet starts each workload with the pod's environment plus:

* ``PODID_POD_IP``: the pod's own loopback address. Every connection a workload opens must leave from it,
  because NMI tells pods apart by the request's source address, exactly as on a node.
* ``PODID_POD_ROOT``: a private directory standing in for the container's filesystem; mounted files such as
  ``/etc/kubernetes/azure.json`` live under it.
* ``REQUESTS_CA_BUNDLE``: the sandbox CA, for ARM over TLS.

The workload identity webhook's ``AZURE_FEDERATED_TOKEN_FILE`` names a container path too: azure-identity opens
whatever path it is given, so a workload hands it ``federated_token_file()``, never the variable itself.

Outside the sandbox (none of these set) the helpers fall back to what a real container does: the path as
given, and connections from any local address.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import requests
from azure.core.pipeline.transport import AioHttpTransport, RequestsTransport
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
        # azure-core retries itself; urllib3 must not retry underneath it (as azure-core's own adapter does).
        super().__init__(max_retries=Retry(total=False, redirect=False, raise_on_status=False))

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        pool_kwargs["source_address"] = self._source_address
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def pod_session() -> requests.Session:
    """A requests session whose connections leave from the pod IP (when running in a sandbox pod).

    ``trust_env`` is off so that no proxy from the environment hides the pod's address from NMI.
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
    """A fresh azure-core transport for one client or credential, e.g.
    ``ManagedIdentityCredential(transport=pod_transport())`` or ``ComputeManagementClient(..., transport=...)``.

    Each caller gets its own session, because a client closes its transport when it is closed.
    """
    return RequestsTransport(
        session=pod_session(),
        session_owner=True,
        connection_verify=os.environ.get(CA_BUNDLE) or True,
        use_env_settings=False,
    )


def pod_aio_transport() -> AioHttpTransport:
    """``pod_transport`` for an asyncio client (``azure.mgmt.*.aio``): connections from the pod IP, trusting
    REQUESTS_CA_BUNDLE, no proxy from the environment. Call it on the event loop that will use it."""
    ip = pod_ip()
    tls = ssl.create_default_context(cafile=os.environ.get(CA_BUNDLE) or None)
    connector = aiohttp.TCPConnector(ssl=tls, local_addr=(ip, 0) if ip else None)
    # the session azure-core would build: no cookies, bodies left compressed (azure-core decompresses them)
    session = aiohttp.ClientSession(
        connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
    )
    return AioHttpTransport(session=session, session_owner=True)
