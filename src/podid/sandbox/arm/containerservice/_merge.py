"""How AKS merges a PUT on an existing cluster: clients resend the whole object they got from a GET.

Omitted top-level properties keep their stored value; server-owned values (fqdn, issuer URL, kubelet
identity, running versions, states) always come from the stored cluster; immutable ones may be echoed
unchanged but not changed (400 PropertyChangeNotAllowed).
"""

from __future__ import annotations

import copy
from typing import Any

from podid.sandbox.arm.containerservice.errors import PropertyChangeNotAllowed

Props = dict[str, Any]

SERVER_OWNED = (
    "provisioningState",
    "powerState",
    "fqdn",
    "azurePortalFQDN",
    "currentKubernetesVersion",
    "maxAgentPools",
    "resourceUID",
    "identityProfile",
)
IMMUTABLE = ("dnsPrefix", "nodeResourceGroup")
_IMMUTABLE_NETWORK = ("networkPlugin", "networkPluginMode", "podCidr", "serviceCidr", "dnsServiceIP")
_IMMUTABLE_POOL = ("vmSize", "osType", "availabilityZones", "maxPods")
_SERVER_OWNED_POOL = ("provisioningState", "powerState", "currentOrchestratorVersion", "nodeImageVersion")


def merge(stored: Props, requested: Props) -> Props:
    """The properties an update asks for, with stored values where the client may not (or did not) say."""
    merged = copy.deepcopy(stored) | copy.deepcopy(requested)
    for prop in IMMUTABLE:
        _unchanged(prop, stored.get(prop), requested.get(prop))
    for prop in SERVER_OWNED:
        if prop in stored:
            merged[prop] = copy.deepcopy(stored[prop])
        else:
            merged.pop(prop, None)
    if "networkProfile" in requested:
        merged["networkProfile"] = _network(stored.get("networkProfile") or {}, requested["networkProfile"] or {})
    if "agentPoolProfiles" in requested and isinstance(requested["agentPoolProfiles"], list):
        merged["agentPoolProfiles"] = _pools(stored.get("agentPoolProfiles") or [], requested["agentPoolProfiles"])
    return merged


def _unchanged(prop: str, stored: Any, requested: Any) -> None:
    if requested is not None and stored is not None and requested != stored:
        raise PropertyChangeNotAllowed(prop)


def _network(stored: Props, requested: Props) -> Props:
    for key in _IMMUTABLE_NETWORK:
        _unchanged(f"networkProfile.{key}", stored.get(key), requested.get(key))
    return copy.deepcopy(stored) | copy.deepcopy(requested)


def _pools(stored: list[Props], requested: list[Any]) -> list[Any]:
    by_name = {pool.get("name"): pool for pool in stored}
    pools: list[Any] = []
    for pool in requested:
        old = by_name.get(pool.get("name")) if isinstance(pool, dict) else None
        if old is None:
            pools.append(copy.deepcopy(pool))
            continue
        for key in _IMMUTABLE_POOL:
            _unchanged(f"agentPoolProfile.{key}", old.get(key), pool.get(key))
        merged = copy.deepcopy(old) | copy.deepcopy(pool)
        for key in _SERVER_OWNED_POOL:
            merged[key] = copy.deepcopy(old.get(key))
        pools.append(merged)
    return pools
