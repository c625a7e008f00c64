"""A managed cluster as the AKS resource provider keeps it, and how a PUT body becomes one.

``properties`` stays a JSON object: AKS echoes every property a client sends (addon profiles, Linux profile,
auto-upgrade settings...), so only the properties AKS computes or checks are interpreted here; the rest
passes through. Server-owned values (fqdn, node resource group, issuer URL, versions) are set here once and
kept by later updates (see ``_merge``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from podid.sandbox.arm.containerservice import _merge, _profiles, _versions
from podid.sandbox.arm.containerservice.errors import InvalidParameter, PropertyChangeNotAllowed
from podid.sandbox.core.ids import IdGenerator

CLUSTER_TYPE = "Microsoft.ContainerService/ManagedClusters"
Props = dict[str, Any]
IdentityLookup = Callable[[str], tuple[str, str] | None]  # identity id -> (principalId, clientId)


@dataclass
class ManagedCluster:
    id: str
    name: str
    resource_group: str
    location: str
    tags: dict[str, str]
    identity: dict[str, Any]  # as on the wire: type, principalId, tenantId[, userAssignedIdentities]
    properties: Props
    etag: str
    suffix: str  # the 8 digits in the node scale-set names (aks-nodepool1-<suffix>-vmss)
    sku: dict[str, str] = field(default_factory=lambda: {"name": "Base", "tier": "Free"})

    def to_arm(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": CLUSTER_TYPE,
            "location": self.location,
            "tags": dict(self.tags),
            "eTag": self.etag,
            "sku": dict(self.sku),
            "identity": copy.deepcopy(self.identity),
            "properties": copy.deepcopy(self.properties),
        }

    def to_doc(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BuildContext:
    """What building a cluster needs from the sandbox: fresh ids, the tenant and identity lookups."""

    ids: IdGenerator
    tenant_id: str
    lookup_identity: IdentityLookup


def new_cluster(
    context: BuildContext, cluster_id: str, group: str, name: str, location: str, body: dict[str, Any]
) -> ManagedCluster:
    _profiles.validate_cluster_name(name)
    props = _requested_properties(body)
    props["nodeResourceGroup"] = _profiles.node_resource_group(props, group, name, location)
    suffix = str(int(context.ids.hex(8), 16) % 10**8).zfill(8)
    cluster = ManagedCluster(
        cluster_id, name, group, location, _tags(body), _identity(context, body.get("identity")), props, "", suffix
    )
    _normalise(context, cluster, stored=None)
    return cluster


def updated_cluster(context: BuildContext, existing: ManagedCluster, body: dict[str, Any]) -> ManagedCluster:
    requested = body.get("identity")
    if isinstance(requested, dict) and str(requested.get("type", "")).lower() != existing.identity["type"].lower():
        raise PropertyChangeNotAllowed("identity.type")
    props = _merge.merge(existing.properties, _requested_properties(body))
    cluster = ManagedCluster(
        existing.id,
        existing.name,
        existing.resource_group,
        existing.location,
        _tags(body),
        copy.deepcopy(existing.identity),
        props,
        existing.etag,
        existing.suffix,
        dict(existing.sku),
    )
    _normalise(context, cluster, stored=existing.properties)
    return cluster


def _normalise(context: BuildContext, cluster: ManagedCluster, stored: Props | None) -> None:
    props, location = cluster.properties, cluster.location
    prefix = _profiles.validate_dns_prefix(props.get("dnsPrefix"))
    version, current = _versions.resolve(props.get("kubernetesVersion"))
    if stored is not None:
        _versions.check_upgrade(stored["currentKubernetesVersion"], current)
    network = _profiles.network_profile(props.get("networkProfile"))
    props["networkProfile"] = network
    props["agentPoolProfiles"] = _profiles.agent_pools(props.get("agentPoolProfiles"), network, version, current)
    props["kubernetesVersion"], props["currentKubernetesVersion"] = version, current
    stored_issuer = ((stored or {}).get("oidcIssuerProfile") or {}).get("issuerURL")
    if _profiles.oidc_enabled(props, was_enabled=bool(stored_issuer)):
        issuer = stored_issuer or f"https://{location}.oic.prod-aks.azure.com/{context.tenant_id}/{context.ids.guid()}/"
        props["oidcIssuerProfile"] = {"enabled": True, "issuerURL": issuer}
    else:
        props["oidcIssuerProfile"] = {"enabled": False}
    if stored is None:
        host = f"{prefix}-{context.ids.hex(8)}".lower()
        props["fqdn"] = f"{host}.hcp.{location}.azmk8s.io"
        props["azurePortalFQDN"] = f"{host}.portal.hcp.{location}.azmk8s.io"
        props["maxAgentPools"] = 100
        props["powerState"] = {"code": "Running"}
    props.setdefault("servicePrincipalProfile", {"clientId": "msi"})
    props.setdefault("enableRBAC", True)
    props.setdefault("supportPlan", "KubernetesOfficial")
    props.setdefault("disableLocalAccounts", False)
    props.setdefault("securityProfile", {})


def _identity(context: BuildContext, requested: Any) -> dict[str, Any]:
    """A system-assigned identity unless one user-assigned identity is named (its principal acts for AKS)."""
    if requested is None:
        requested = {"type": "SystemAssigned"}
    kind = str(_object(requested, "identity").get("type", ""))
    if kind.lower() == "systemassigned":
        return {"type": "SystemAssigned", "tenantId": context.tenant_id}
    if kind.lower() != "userassigned":
        raise InvalidParameter(
            f"The identity type '{kind}' is not supported. Supported values: SystemAssigned, UserAssigned.",
            "identity.type",
        )
    ids = list(_object(requested.get("userAssignedIdentities"), "identity.userAssignedIdentities"))
    if len(ids) != 1:
        raise InvalidParameter("The user assigned identity list must contain exactly one identity.", "identity")
    found = context.lookup_identity(ids[0])
    if found is None:
        raise InvalidParameter(f"The user assigned identity '{ids[0]}' was not found.", "identity")
    principal, client = found
    return {"type": "UserAssigned", "userAssignedIdentities": {ids[0]: {"principalId": principal, "clientId": client}}}


def _requested_properties(body: dict[str, Any]) -> Props:
    props = _object(body.get("properties"), "properties")
    _profiles.check_types(props)
    return props


def _object(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParameter(f"The value of {what} must be an object.", what)
    return copy.deepcopy(value)


def _tags(body: dict[str, Any]) -> dict[str, str]:
    tags = body.get("tags")
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise InvalidParameter("The value of tags must be an object.", "tags")
    return {str(key): str(value) for key, value in tags.items()}
