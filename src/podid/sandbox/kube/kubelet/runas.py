"""Which user a pod's processes run as, and who owns the pod's files.

On a node each container runs as its image's user, or as ``securityContext.runAsUser``/``runAsGroup``
(container-level over pod-level), in namespaces of its own. Here a container is a host process: when the
sandbox runs as root (Linux), every pod gets an unprivileged user of its own, ``UID_BASE`` + the index of its
pod IP in the pod network (unique across the sandbox's clusters), which stands in for the image's user; a
``hostNetwork`` pod, which shares its node's address, runs as ``nobody``. The group is ``runAsGroup`` when
set, else the user's own number: a container runtime would give gid 0 to a uid that is not in the image's
/etc/passwd, but on the host group 0 opens root's group-readable files. ``runAsUser: 0`` is allowed, as
Kubernetes allows it without a PodSecurity policy, and keeps the process root (it can then read everything
the sandbox can); ``runAsNonRoot: true`` with it is refused, as the kubelet does. A sandbox that is not root
cannot change users (``switches_users``): its pods run as itself.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass

from podid.sandbox.kube.kubelet.podenv import ContainerConfigError
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.network.ippool import POD_NETWORK

UID_BASE = 100_000
NOBODY = 65534
_POD_NETWORK = ipaddress.ip_network(POD_NETWORK)
_FIRST, _SIZE = int(_POD_NETWORK.network_address), _POD_NETWORK.num_addresses


@dataclass(frozen=True)
class User:
    uid: int
    gid: int


def switches_users() -> bool:
    """Whether pod processes can run as users of their own (the sandbox is root, on Linux)."""
    return sys.platform.startswith("linux") and os.geteuid() == 0


def pod_user(pod: Obj, ip: str) -> User:
    """The user standing in for the image's: one per pod IP, ``nobody`` for a hostNetwork pod."""
    index = -1 if dig(pod, "spec", "hostNetwork") is True else int(ipaddress.IPv4Address(ip)) - _FIRST
    if not 0 < index < _SIZE:
        return User(NOBODY, NOBODY)
    return User(UID_BASE + index, UID_BASE + index)


def _effective(pod: Obj, container: Obj, field: str) -> object:
    """A securityContext field as the kubelet resolves it: the container's, else the pod's."""
    for context in (as_dict(container.get("securityContext")), as_dict(dig(pod, "spec", "securityContext"))):
        if context.get(field) is not None:
            return context[field]
    return None


def _id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def container_user(pod: Obj, container: Obj, default: User) -> User:
    """The user a container's process runs as; raises ContainerConfigError for root under runAsNonRoot."""
    uid = _id(_effective(pod, container, "runAsUser"))
    if uid == 0 and _effective(pod, container, "runAsNonRoot") is True:
        # kubernetes/kubernetes pkg/kubelet/kuberuntime/security_context_others.go (verifyRunAsNonRoot), naming
        # the pod and container as the kubelet's event does
        namespace, name = as_str(dig(pod, "metadata", "namespace")), as_str(dig(pod, "metadata", "name"))
        pod_id = f"{name}_{namespace}({as_str(dig(pod, 'metadata', 'uid'))})"
        where = f'(pod: "{pod_id}", container: {as_str(container.get("name"))})'
        raise ContainerConfigError(f"container's runAsUser breaks non-root policy {where}")
    if uid is None:
        uid = default.uid
    gid = _id(_effective(pod, container, "runAsGroup"))
    return User(uid, gid if gid is not None else default.gid if uid == default.uid else uid)


def files_owner(pod: Obj, default: User) -> User:
    """Who owns the pod's volumes: the user every container runs as (the kubelet's ``FsUserFrom``,
    kubernetes/kubernetes pkg/volume/util/util.go), else the pod's own user."""
    spec = as_dict(pod.get("spec"))
    containers = [as_dict(c) for c in as_list(spec.get("initContainers")) + as_list(spec.get("containers"))]
    users = {_user_or_default(pod, container, default) for container in containers}
    return users.pop() if len(users) == 1 else default


def _user_or_default(pod: Obj, container: Obj, default: User) -> User:
    try:
        return container_user(pod, container, default)
    except ContainerConfigError:  # that container never starts
        return default
