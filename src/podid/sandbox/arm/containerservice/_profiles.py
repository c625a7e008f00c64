"""Validation and defaults for a managed cluster's properties, as the AKS resource provider applies them.

Pure functions over the ``properties`` JSON object: they raise the AKS error for bad input and return the
object with AKS's defaults filled in (network profile per plugin, agent-pool settings, OIDC issuer rules).
Unknown properties pass through untouched, so whatever a client sends is echoed back.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from podid.sandbox.arm.containerservice.errors import NAMING_RULES, InvalidParameter

Props = dict[str, Any]

_CLUSTER_NAME = re.compile(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$")
_DNS_PREFIX = re.compile(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-a-zA-Z0-9]{0,52}[a-zA-Z0-9]$")
_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
_ZONES = ("1", "2", "3")
MAX_NODE_RESOURCE_GROUP = 80
DEFAULT_VM_SIZE = "Standard_DS2_v2"
NODE_IMAGE = "AKSUbuntu-2204gen2containerd-202608.01.0"
_PLUGINS = ("azure", "kubenet", "none")
_MAX_PODS = {"kubenet": 110, "azure": 30, "overlay": 250, "none": 250}
_POOL_DEFAULTS: Props = {
    "count": 1,
    "vmSize": DEFAULT_VM_SIZE,
    "osDiskSizeGB": 128,
    "osDiskType": "Managed",
    "kubeletDiskType": "OS",
    "type": "VirtualMachineScaleSets",
    "enableAutoScaling": False,
    "scaleDownMode": "Delete",
    "enableNodePublicIP": False,
    "osType": "Linux",
    "osSKU": "Ubuntu",
    "enableEncryptionAtHost": False,
    "enableUltraSSD": False,
    "enableFIPS": False,
    "upgradeSettings": {"maxSurge": "10%"},
}


_TYPES: dict[str, type | tuple[type, ...]] = {
    "dnsPrefix": str,
    "kubernetesVersion": str,
    "nodeResourceGroup": str,
    "networkProfile": dict,
    "oidcIssuerProfile": dict,
    "securityProfile": dict,
    "identityProfile": dict,
    "servicePrincipalProfile": dict,
    "podIdentityProfile": dict,
    "addonProfiles": dict,
    "agentPoolProfiles": list,
}
_POOL_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "count": int,
    "vmSize": str,
    "mode": str,
    "type": str,
    "osType": str,
    "maxPods": int,
    "availabilityZones": list,
}
_VM_SIZE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_JSON_NAMES = {str: "string", int: "integer", dict: "object", list: "array"}


def check_types(props: Props) -> None:
    """JSON types of the properties AKS interprets (its deserializer refuses the others with a 400)."""
    _check_types(props, _TYPES, "properties")
    for pool in props.get("agentPoolProfiles") or []:
        if not isinstance(pool, dict):
            raise InvalidParameter("The value of agentPoolProfiles must be a list of objects.", "agentPoolProfiles")
        _check_types(pool, _POOL_TYPES, "agentPoolProfile")
        if pool.get("mode") not in (None, "System", "User"):
            raise InvalidParameter(f"The agent pool mode '{pool['mode']}' is invalid.", "agentPoolProfile.mode")


def _check_types(values: Props, types: dict[str, type | tuple[type, ...]], where: str) -> None:
    for key, expected in types.items():
        value = values.get(key)
        if value is not None and (not isinstance(value, expected) or isinstance(value, bool)):
            name = _JSON_NAMES.get(expected, "value") if isinstance(expected, type) else "value"
            raise InvalidParameter(f"The value of {where}.{key} must be a JSON {name}.", f"{where}.{key}")


def missing(prop: str) -> InvalidParameter:
    return InvalidParameter(f"Required parameter {prop} is missing (null).", prop)


def validate_cluster_name(name: str) -> None:
    if not _CLUSTER_NAME.match(name):
        raise InvalidParameter(
            f"Resource name '{name}' is invalid. The name can contain only letters, numbers, underscores and "
            f"hyphens. The name must start and end with a letter or number, and be 1 to 63 characters long. "
            f"{NAMING_RULES}",
            "name",
        )


def validate_dns_prefix(prefix: Any) -> str:
    if not prefix:
        raise missing("dnsPrefix")
    if not isinstance(prefix, str) or not _DNS_PREFIX.match(prefix):
        raise InvalidParameter(
            f"DNS prefix '{prefix}' is invalid. It must contain between 1 and 54 characters, contain only letters, "
            f"numbers and hyphens, and start and end with a letter or number. {NAMING_RULES}",
            "dnsPrefix",
        )
    return prefix


def node_resource_group(props: Props, group: str, name: str, location: str) -> str:
    value = props.get("nodeResourceGroup") or f"MC_{group}_{name}_{location}"
    if len(value) > MAX_NODE_RESOURCE_GROUP:
        raise InvalidParameter(
            f"The length of the node resource group name is too long. The maximum length is "
            f"{MAX_NODE_RESOURCE_GROUP} and the length of the value provided is {len(value)}. {NAMING_RULES}",
            "name",
        )
    return str(value)


def network_profile(requested: Props | None) -> Props:
    """AKS defaults: no plugin means Azure CNI Overlay; kubenet and overlay get a pod CIDR."""
    profile = copy.deepcopy(requested or {})
    if not profile.get("networkPlugin"):
        profile["networkPlugin"], profile["networkPluginMode"] = "azure", profile.get("networkPluginMode", "overlay")
    plugin = str(profile["networkPlugin"]).lower()
    if plugin not in _PLUGINS:
        raise InvalidParameter(
            f"Network plugin '{profile['networkPlugin']}' is not supported. Supported values: azure, kubenet, none.",
            "networkProfile.networkPlugin",
        )
    profile["networkPlugin"] = plugin
    if plugin == "kubenet" or profile.get("networkPluginMode") == "overlay":
        profile.setdefault("podCidr", "10.244.0.0/16")
        profile.setdefault("podCidrs", [profile["podCidr"]])
    profile.setdefault("networkPolicy", "none")
    profile["loadBalancerSku"] = str(profile.get("loadBalancerSku") or "standard").lower()
    profile.setdefault("outboundType", "loadBalancer")
    profile.setdefault("serviceCidr", "10.0.0.0/16")
    profile.setdefault("dnsServiceIP", "10.0.0.10")
    profile.setdefault("serviceCidrs", [profile["serviceCidr"]])
    profile.setdefault("ipFamilies", ["IPv4"])
    if profile["loadBalancerSku"] == "standard":
        profile.setdefault("loadBalancerProfile", {"managedOutboundIPs": {"count": 1}})
        profile["loadBalancerProfile"].setdefault("backendPoolType", "nodeIPConfiguration")
    return profile


def plugin_kind(network: Props) -> str:
    """The key of the max-pods table: kubenet, azure (flat), overlay or none."""
    if network.get("networkPluginMode") == "overlay":
        return "overlay"
    return str(network["networkPlugin"])


def agent_pools(requested: list[Props] | None, network: Props, version: str, current: str) -> list[Props]:
    if not requested:
        raise missing("agentPoolProfiles")
    pools = [_agent_pool(pool, index, network, version, current) for index, pool in enumerate(requested)]
    names = [pool["name"] for pool in pools]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise InvalidParameter(f"Agent pool name '{duplicate}' is used more than once.", "agentPoolProfiles")
    if not any(pool["mode"] == "System" for pool in pools):
        raise InvalidParameter("Must define at least one system pool.", "agentPoolProfiles")
    return pools


def _agent_pool(requested: Props, index: int, network: Props, version: str, current: str) -> Props:
    pool = copy.deepcopy(requested)
    name = pool.get("name")
    if not isinstance(name, str) or not _POOL_NAME.match(name):
        raise InvalidParameter(
            f"The agent pool name '{name}' is invalid. It must start with a lowercase letter, contain only lowercase "
            f"letters and numbers, and be at most 12 characters long. {NAMING_RULES}",
            "agentPoolProfiles.name",
        )
    for key, value in _POOL_DEFAULTS.items():
        if pool.get(key) in (None, ""):  # az aks create sends vmSize "" to let AKS choose
            pool[key] = copy.deepcopy(value)
    pool.setdefault("mode", "System" if index == 0 else "User")
    pool.setdefault("maxPods", _MAX_PODS[plugin_kind(network)])
    pool["orchestratorVersion"] = pool.get("orchestratorVersion") or version  # "" from az: the cluster's
    pool["currentOrchestratorVersion"] = current
    pool["nodeImageVersion"] = NODE_IMAGE
    _check_pool(pool)
    return pool


def _check_pool(pool: Props) -> None:
    if not _VM_SIZE.match(pool["vmSize"]):
        # The size becomes a node label (node.kubernetes.io/instance-type), so it must be a label value too.
        raise InvalidParameter(
            f"The VM size of {pool['vmSize']} is not supported. Use a size such as {DEFAULT_VM_SIZE}.",
            "agentPoolProfile.vmSize",
        )
    if pool["type"] != "VirtualMachineScaleSets":
        raise InvalidParameter(
            f"Agent pool type '{pool['type']}' is not supported by the sandbox; use VirtualMachineScaleSets.",
            "agentPoolProfiles.type",
        )
    count = pool["count"]
    if not isinstance(count, int) or not 0 <= count <= 1000 or (pool["mode"] == "System" and count < 1):
        raise InvalidParameter(
            f"The value of parameter agentPoolProfile.count is invalid: {count}. It must be between "
            f"{1 if pool['mode'] == 'System' else 0} and 1000.",
            "agentPoolProfile.count",
        )
    zones = pool.get("availabilityZones") or []
    if any(zone not in _ZONES for zone in zones):
        raise InvalidParameter(
            f"The zone(s) '{','.join(str(zone) for zone in zones)}' for resource 'agentPoolProfile' is not "
            "supported. The supported zones for location are '1,2,3'",
            "agentPoolProfile.availabilityZones",
        )


def oidc_enabled(props: Props, was_enabled: bool) -> bool:
    """Workload identity needs the OIDC issuer; once enabled, the issuer cannot be turned off."""
    enabled = bool((props.get("oidcIssuerProfile") or {}).get("enabled"))
    if was_enabled and not enabled:
        raise InvalidParameter("OIDC issuer feature cannot be disabled once enabled.", "oidcIssuerProfile.enabled")
    workload_identity = (props.get("securityProfile") or {}).get("workloadIdentity") or {}
    if not isinstance(workload_identity, dict):
        raise InvalidParameter(
            "The value of securityProfile.workloadIdentity must be a JSON object.", "securityProfile.workloadIdentity"
        )
    workload = workload_identity.get("enabled")
    if workload and not enabled:
        raise InvalidParameter(
            "Enabling workload identity requires enabling the OIDC issuer (oidcIssuerProfile.enabled).",
            "securityProfile.workloadIdentity.enabled",
        )
    return enabled
