"""The Kubernetes versions the sandbox's AKS offers, and how a requested version resolves.

AKS accepts a minor (``1.33``, meaning its latest patch) or an exact patch (``1.33.2``); the response keeps
``kubernetesVersion`` as sent and reports the running patch in ``currentKubernetesVersion``.
"""

from __future__ import annotations

from podid.sandbox.arm.containerservice.errors import InvalidParameter, K8sVersionNotSupported

PATCHES: dict[str, tuple[str, ...]] = {
    "1.31": ("1.31.10", "1.31.11"),
    "1.32": ("1.32.6", "1.32.7"),
    "1.33": ("1.33.2", "1.33.3"),
}
DEFAULT_MINOR = "1.33"


def resolve(version: str | None) -> tuple[str, str]:
    """(kubernetesVersion to store, running patch) for a requested version; None means the default."""
    if not version:
        patch = PATCHES[DEFAULT_MINOR][-1]
        return patch, patch
    minor = ".".join(version.split(".")[:2])
    patches = PATCHES.get(minor, ())
    if version == minor and patches:
        return version, patches[-1]
    if version in patches:
        return version, version
    raise K8sVersionNotSupported(version)


def key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def check_upgrade(current: str, requested: str) -> None:
    """AKS upgrades one minor version at a time and never downgrades."""
    old, new = key(current), key(requested)
    if new[:2] < old[:2] or (len(new) == 3 and new < old):
        raise InvalidParameter(
            f"Upgrading Kubernetes version {current} to {requested} is not allowed. Downgrading is not supported.",
            "properties.kubernetesVersion",
        )
    if new[1] - old[1] > 1:
        raise InvalidParameter(
            f"Upgrading Kubernetes version {current} to {requested} is not allowed. Available upgrades: "
            "upgrade one minor version at a time.",
            "properties.kubernetesVersion",
        )
