"""What a workload needs from the pod it runs in: its files.

The sandbox kubelet starts each workload with the pod's environment plus what a node gives a container:

* ``HTTP_PROXY`` / ``HTTPS_PROXY`` (and their lowercase spellings): the sandbox's proxy with this pod's
  credential, ``NO_PROXY`` sparing the API server and loopback, and the sandbox CA (``REQUESTS_CA_BUNDLE``,
  ``SSL_CERT_FILE``). Azure's own hostnames and IMDS at 169.254.169.254 are then reached with every SDK's
  defaults, and the proxy carries each request as this pod (NMI sees the pod's address): workloads need no
  sandbox-specific endpoint or transport.
* ``PODID_POD_ROOT``: a private directory standing in for the container's filesystem; mounted files such as
  ``/etc/kubernetes/azure.json`` live under it. A process cannot be given a filesystem of its own here.

The workload identity webhook's ``AZURE_FEDERATED_TOKEN_FILE`` names a container path too: azure-identity opens
whatever path it is given, so a workload hands it ``federated_token_file()``, never the variable itself.

Outside the sandbox (no ``PODID_POD_ROOT``) a path is what a real container has: the path as given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

POD_ROOT = "PODID_POD_ROOT"
FEDERATED_TOKEN_FILE = "AZURE_FEDERATED_TOKEN_FILE"


def pod_path(path: str | os.PathLike[str]) -> Path:
    """Where the container path ``path`` (e.g. ``/etc/kubernetes/azure.json``) is for this pod."""
    root = os.environ.get(POD_ROOT)
    given = Path(path)
    if not root:
        return given
    return Path(root) / given.relative_to(given.anchor) if given.is_absolute() else Path(root) / given


def federated_token_file(env: Mapping[str, str] = os.environ) -> str | None:
    """Where this pod's projected service account token is (the webhook's variable, mapped), or None when
    the pod was not mutated for workload identity."""
    path = env.get(FEDERATED_TOKEN_FILE)
    return str(pod_path(path)) if path else None
