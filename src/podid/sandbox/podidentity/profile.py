"""managedClusters.podIdentityProfile: the rules AKS applies to it on a PUT.

Sources: https://learn.microsoft.com/azure/aks/use-azure-ad-pod-identity, and ManagedClusterPodIdentityProfile in
Azure/azure-rest-api-specs specification/containerservice/resource-manager/Microsoft.ContainerService/aks/preview/
2023-10-02-preview/managedClusters.json.

``normalize_profile`` is pure: it takes the stored and the requested profile plus what it needs to know about
the cluster, raises the AKS error for bad input, and returns the profile as AKS stores and returns it:

* absent (or null) in the request: the stored profile stays, as for any property an older api-version omits;
* disabled: ``{"enabled": false}`` with no members (identities or exceptions refused);
* enabled: refused while the preview feature is not Registered, on a cluster without managed identity, and on
  kubenet unless ``allowNetworkPluginKubenet``; each identity gets a name if sent ``""`` (aks-preview's
  default), its clientId/objectId from the identity resource, ``provisioningState: Assigned`` and
  ``provisioningInfo: null``; empty lists become null, which is what the tutorial's second state shows.

Members are written with explicit nulls so that every client prints the tutorial's three states field for field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podid.sandbox.arm.errors import BadRequest

Profile = dict[str, Any]

FEATURE_NAMESPACE = "Microsoft.ContainerService"
FEATURE_NAME = "EnablePodIdentityPreview"
MAX_IDENTITIES = 200
MAX_EXCEPTIONS = 200
ASSIGNED = "Assigned"

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_MAX_SUBDOMAIN, _MAX_LABEL = 253, 63


@dataclass(frozen=True)
class IdentityRef:
    """A user-assigned identity as a pod identity references it."""

    resource_id: str
    client_id: str
    object_id: str


@dataclass(frozen=True)
class ClusterFacts:
    """What the rules need to know about the cluster and the subscription."""

    network_plugin: str
    managed_identity: bool
    feature_registered: Callable[[], bool]
    lookup_identity: Callable[[str], IdentityRef | None]  # by resource id, any casing


class PodIdentityFeatureNotEnabled(BadRequest):
    code = "PodIdentityAddonFeatureFlagNotEnabled"

    def __init__(self) -> None:
        super().__init__(
            f"PodIdentity addon is not allowed since feature '{FEATURE_NAMESPACE}/{FEATURE_NAME}' is not enabled."
        )


def is_valid_subdomain(value: str) -> bool:
    return len(value) <= _MAX_SUBDOMAIN and bool(_SUBDOMAIN.match(value))


def is_valid_namespace(value: str) -> bool:
    return len(value) <= _MAX_LABEL and bool(_LABEL.match(value))


def is_enabled(profile: Profile | None) -> bool:
    return bool(profile and profile.get("enabled"))


def normalize_profile(stored: Profile | None, requested: Profile | None, facts: ClusterFacts) -> Profile | None:
    """The profile AKS keeps after a PUT asking for ``requested``, or the AKS error for it."""
    if requested is None:
        return stored
    if not isinstance(requested, dict):
        raise BadRequest("The value of podIdentityProfile must be an object.")
    identities = _list(requested, "userAssignedIdentities")
    exceptions = _list(requested, "userAssignedIdentityExceptions")
    if not requested.get("enabled"):
        if identities or exceptions:
            raise BadRequest(
                "PodIdentity addon is not enabled. userAssignedIdentities and userAssignedIdentityExceptions "
                "cannot be set when podIdentityProfile.enabled is false."
            )
        return _profile(False, requested.get("allowNetworkPluginKubenet"), [], [])
    _check_cluster(requested, facts)
    enabling = not is_enabled(stored)
    if enabling and not facts.feature_registered():
        raise PodIdentityFeatureNotEnabled()
    if len(identities) > MAX_IDENTITIES:
        raise BadRequest(f"The number of pod identities ({len(identities)}) exceeds the limit of {MAX_IDENTITIES}.")
    if len(exceptions) > MAX_EXCEPTIONS:
        raise BadRequest(
            f"The number of pod identity exceptions ({len(exceptions)}) exceeds the limit of {MAX_EXCEPTIONS}."
        )
    profile = _profile(
        True,
        requested.get("allowNetworkPluginKubenet"),
        _identities(identities, facts.lookup_identity),
        _exceptions(exceptions),
    )
    if not enabling and profile != stored and not facts.feature_registered():
        raise PodIdentityFeatureNotEnabled()
    return profile


def _list(requested: Profile, key: str) -> list[Any]:
    value = requested.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BadRequest(f"The value of podIdentityProfile.{key} must be a list of objects.")
    return value


def _profile(enabled: bool, kubenet: Any, identities: list[Profile], exceptions: list[Profile]) -> Profile:
    return {
        "enabled": enabled,
        "allowNetworkPluginKubenet": kubenet if isinstance(kubenet, bool) else None,
        "userAssignedIdentities": identities or None,
        "userAssignedIdentityExceptions": exceptions or None,
    }


def _check_cluster(requested: Profile, facts: ClusterFacts) -> None:
    if not facts.managed_identity:
        raise BadRequest("PodIdentity addon requires managed identity.")
    if facts.network_plugin.lower() == "kubenet" and requested.get("allowNetworkPluginKubenet") is not True:
        raise BadRequest("Network plugin kubenet is not supported to use with PodIdentity addon.")


def _identities(requested: list[Profile], lookup: Callable[[str], IdentityRef | None]) -> list[Profile]:
    result: list[Profile] = []
    for item in requested:
        namespace = _namespace(item, "pod identity")
        identity = _referenced_identity(item, lookup)
        name = item.get("name") or _generated_name(identity.resource_id, namespace, result)
        if not isinstance(name, str) or not is_valid_subdomain(name):
            raise BadRequest(f"Name '{name}' is invalid. Please provide a valid and fully qualified DNS name.")
        if any(other["name"] == name and other["namespace"] == namespace for other in result):
            raise BadRequest(f"Pod identity {namespace}/{name} is duplicated; name and namespace must be unique.")
        selector = item.get("bindingSelector")
        result.append(
            {
                "name": name,
                "namespace": namespace,
                "bindingSelector": selector if isinstance(selector, str) and selector else None,
                "identity": {
                    "clientId": identity.client_id,
                    "objectId": identity.object_id,
                    "resourceId": identity.resource_id,
                },
                "provisioningInfo": None,
                "provisioningState": ASSIGNED,
            }
        )
    return result


def _namespace(item: Profile, what: str) -> str:
    namespace = item.get("namespace")
    if not namespace:
        raise BadRequest(f"Namespace of {what} '{item.get('name') or ''}' is required.")
    if not isinstance(namespace, str) or not is_valid_namespace(namespace):
        raise BadRequest(f"Namespace '{namespace}' is invalid. Please provide a valid Kubernetes namespace name.")
    return namespace


def _referenced_identity(item: Profile, lookup: Callable[[str], IdentityRef | None]) -> IdentityRef:
    """The identity resource the entry names; its resourceId keeps the casing the client sent."""
    resource_id = (item.get("identity") or {}).get("resourceId")
    if not resource_id or not isinstance(resource_id, str):
        raise BadRequest(f"Identity resource ID of pod identity '{item.get('name') or ''}' is required.")
    found = lookup(resource_id)
    if found is None:
        raise BadRequest(f"User assigned identity '{resource_id}' was not found.")
    return IdentityRef(resource_id, found.client_id, found.object_id)


def _generated_name(resource_id: str, namespace: str, taken: list[Profile]) -> str:
    """A DNS-safe name from the identity's own name, unique in the namespace (AKS fills in "" this way)."""
    base = re.sub(r"[^a-z0-9-]+", "-", resource_id.rstrip("/").rsplit("/", 1)[-1].lower()).strip("-")[:_MAX_LABEL]
    base = base or "pod-identity"
    used = {item["name"] for item in taken if item["namespace"] == namespace}
    suffix = 1
    name = base
    while name in used:
        suffix += 1
        name = f"{base[: _MAX_LABEL - len(str(suffix)) - 1]}-{suffix}"
    return name


def _exceptions(requested: list[Profile]) -> list[Profile]:
    result: list[Profile] = []
    for item in requested:
        namespace = _namespace(item, "pod identity exception")
        name = item.get("name")
        if not isinstance(name, str) or not is_valid_subdomain(name):
            raise BadRequest(f"Name '{name}' is invalid. Please provide a valid and fully qualified DNS name.")
        labels = item.get("podLabels")
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise BadRequest(f"podLabels of pod identity exception {namespace}/{name} is required.")
        if any(other["name"] == name and other["namespace"] == namespace for other in result):
            raise BadRequest(
                f"Pod identity exception {namespace}/{name} is duplicated; name and namespace must be unique."
            )
        result.append({"name": name, "namespace": namespace, "podLabels": dict(labels)})
    return result
