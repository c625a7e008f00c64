"""Who holds what: each identity's role assignments against exactly what it needs, the kubelet identity's
DNS rights (evaluated from the roles' actions, as ARM evaluates them), the custom role's permissions, and
whether the external-dns pods carry the binding label that gets them their identity."""

from __future__ import annotations

from typing import Any

from podid.azure_rbac import Permission, is_at_or_below, permissions_allow
from podid.provision import rbac
from podid.provision.design import BINDING_LABEL, ZONE_READER_ACTIONS
from podid.provision.errors import translated
from podid.provision.kube import Kube
from podid.provision.state import State
from podid.provision.steps.identities import zone_reader_guid
from podid.verify.findings import Finding

DNS_WRITE = "Microsoft.Network/dnsZones/A/write"


def allows(definition: Any, action: str) -> bool:
    """True if the role definition ARM returned grants `action`, by the rules ARM's own RBAC applies."""
    permissions = [
        Permission(tuple(permission.actions or ()), tuple(permission.not_actions or ()))
        for permission in definition.permissions or []
    ]
    return permissions_allow(permissions, action)


def _assignments(state: State, principal: str) -> list[Any]:
    with translated():
        return list(
            state.clients.authorization.role_assignments.list_for_subscription(filter=f"principalId eq '{principal}'")
        )


def _definition(state: State, definition_id: str) -> Any:
    with translated():
        return state.clients.authorization.role_definitions.get_by_id(definition_id)


def expected_grants(state: State) -> dict[str, set[tuple[str, str]]]:
    """identity name → {(role GUID, scope)} that it needs, and nothing more."""
    design = state.design
    node_group = f"/subscriptions/{design.subscription_id}/resourcegroups/{state.node_group}".lower()
    return {
        design.dns.identity_name: {
            (rbac.BUILT_IN["DNS Zone Contributor"], design.zone_id.lower()),
            (zone_reader_guid(design), design.group_id.lower()),
        },
        design.demo.identity_name: {(rbac.BUILT_IN["Virtual Machine Contributor"], node_group)},
    }


def check_identity(state: State, name: str, needed: set[tuple[str, str]]) -> list[Finding]:
    identity = state.identities[name]
    held = {
        (rbac.guid_of(str(item.role_definition_id)), str(item.scope).lower()): item
        for item in _assignments(state, str(identity.principal_id))
    }
    findings = []
    for key in sorted(set(held) - needed):
        role = _definition(state, str(held[key].role_definition_id)).role_name
        findings.append(Finding(False, f"identity {name}", f"holds '{role}' over {key[1]}, beyond what it needs"))
    for guid, scope in sorted(needed - set(held)):
        findings.append(Finding(False, f"identity {name}", f"lacks role {guid} over {scope}, which it needs"))
    if not findings:
        findings.append(Finding(True, f"identity {name}", f"holds exactly the {len(needed)} role(s) it needs"))
    return findings


def check_kubelet(state: State) -> Finding:
    kubelet = state.kubelet
    if kubelet is None:
        return Finding(False, "kubelet identity", "the cluster reports no kubelet identity")
    zone = state.design.zone_id
    for item in _assignments(state, kubelet["objectId"]):
        definition = _definition(state, str(item.role_definition_id))
        if is_at_or_below(zone, str(item.scope)) and allows(definition, DNS_WRITE):
            message = f"holds '{definition.role_name}' over {item.scope}: every pod on the nodes can change the zone"
            return Finding(False, "kubelet identity", message)
    return Finding(True, "kubelet identity", "holds no role that can change the DNS zone")


def check_zone_reader(state: State) -> Finding:
    design = state.design
    with translated():
        definition = state.clients.authorization.role_definitions.get(design.group_id, zone_reader_guid(design))
    granted = sorted(action for permission in definition.permissions or [] for action in permission.actions or [])
    extra = [p for permission in definition.permissions or [] for p in (permission.data_actions or [])]
    if granted != sorted(ZONE_READER_ACTIONS) or extra:
        return Finding(
            False,
            "custom role",
            f"'{definition.role_name}' allows {granted + extra}, not only {list(ZONE_READER_ACTIONS)}",
        )
    return Finding(True, "custom role", f"'{definition.role_name}' allows only {ZONE_READER_ACTIONS[0]}")


def check_external_dns_pods(state: State, kube: Kube) -> Finding:
    binding = state.design.dns
    pods = kube.list("Pod", binding.namespace, "app=external-dns")
    if not pods:
        return Finding(False, "external-dns pods", f"no external-dns pod runs in {binding.namespace}")
    unbound = [
        pod["metadata"]["name"]
        for pod in pods
        if (pod["metadata"].get("labels") or {}).get(BINDING_LABEL) != binding.name
    ]
    if unbound:
        return Finding(
            False,
            "external-dns pods",
            f"{', '.join(unbound)} lack(s) the label {BINDING_LABEL}={binding.name}: no identity, no DNS updates",
        )
    return Finding(True, "external-dns pods", f"{len(pods)} pod(s) carry {BINDING_LABEL}={binding.name}")
