"""The DNS zone, the zone-reader custom role, and the two user-assigned identities with exactly their roles.

* DNS identity: DNS Zone Contributor on the zone, plus the custom role holding only
  ``Microsoft.Network/dnsZones/read`` at the resource group (external-dns lists the group's zones; DNS Zone
  Contributor on one zone cannot, and Reader would be far more than needed).
* Demo identity: Virtual Machine Contributor on the node resource group (the demo lists VMs there).
"""

from __future__ import annotations

import uuid

from azure.mgmt.authorization.v2022_04_01.models import RoleDefinition
from azure.mgmt.dns.models import Zone
from azure.mgmt.msi.models import Identity

from podid.provision import rbac
from podid.provision.design import ZONE_READER_ACTIONS, Design, PodIdentity
from podid.provision.state import State
from podid.provision.step import Change, model
from podid.provision.steps._owner import Owner
from podid.provision.steps._resource import LOCATION, ArmResource, plan
from podid.provision.steps._roles import Grant, plan_grant

_ROLE_NAMESPACE = uuid.UUID("0b8f6f9e-3c52-4f7a-8d0e-2a5c8e1d7b44")


class ZoneStep:
    name = "DNS zone"

    def plan(self, state: State) -> list[Change]:
        design, zones = state.design, state.clients.dns.zones
        return plan(
            ArmResource(
                f"DNS zone {design.domain}",
                {"location": "global", "properties": {"zoneType": "Public"}},
                lambda: zones.get(design.group, design.domain),
                lambda body: zones.create_or_update(design.group, design.domain, model(Zone, body)),
                owner=Owner(design),
                adopt=state.adopt,
            )
        )


def zone_reader_guid(design: Design) -> str:
    """The custom role's name (a GUID), the same on every run."""
    return str(uuid.uuid5(_ROLE_NAMESPACE, f"{design.group_id.lower()}|zone-reader"))


class ZoneReaderRoleStep:
    """A custom role with only Microsoft.Network/dnsZones/read, assignable at the resource group."""

    name = "zone reader role"

    def plan(self, state: State) -> list[Change]:
        design, definitions = state.design, state.clients.authorization.role_definitions
        guid = zone_reader_guid(design)
        description = f"List the DNS zones of {design.group} (external-dns zone discovery), nothing else."
        desired = {
            "properties": {
                "roleName": design.zone_reader_role,
                "type": "CustomRole",
                "permissions": [{"actions": list(ZONE_READER_ACTIONS), "notActions": []}],
                "assignableScopes": [design.group_id],
            }
        }
        return plan(
            ArmResource(
                f"custom role {design.zone_reader_role}",
                desired,
                lambda: definitions.get(design.group_id, guid),
                lambda body: definitions.create_or_update(design.group_id, guid, model(RoleDefinition, body)),
                owner=Owner(design, by_description=True, description=description),
                adopt=state.adopt,
            )
        )


class IdentityStep:
    """A user-assigned managed identity and the role assignments it should hold."""

    guards = True  # its location cannot change

    def __init__(self, name: str, pod_identity: PodIdentity, grants: list[tuple[str, str, str]]) -> None:
        self.name = name
        self.pod_identity = pod_identity
        self.grants = grants  # (role name, role GUID, scope: "zone" | "group" | "node group")

    def plan(self, state: State) -> list[Change]:
        design, identities = state.design, state.clients.msi.user_assigned_identities
        name = self.pod_identity.identity_name

        def ready(identity: Identity) -> None:
            state.identities[name] = identity

        changes = plan(
            ArmResource(
                f"managed identity {name}",
                {"location": design.settings.location},
                lambda: identities.get(design.group, name),
                lambda body: identities.create_or_update(design.group, name, model(Identity, body)),
                ready=ready,
                owner=Owner(design),
                adopt=state.adopt,
                fixed=(LOCATION,),
            )
        )
        for role, guid, scope in self.grants:
            changes += plan_grant(state, self._grant(state, role, guid, scope))
        return changes

    def _grant(self, state: State, role: str, guid: str, scope: str) -> Grant:
        design, name = state.design, self.pod_identity.identity_name

        def principal() -> str | None:
            identity = state.identities.get(name)
            return str(identity.principal_id) if identity is not None else None

        def where() -> str | None:
            if scope == "zone":
                return design.zone_id
            if scope == "group":
                return design.group_id
            node_group = state.node_group
            return f"/subscriptions/{design.subscription_id}/resourceGroups/{node_group}" if node_group else None

        return Grant(role, guid, where, principal, name)


def dns_identity_step(design: Design) -> IdentityStep:
    return IdentityStep(
        "DNS identity",
        design.dns,
        [
            ("DNS Zone Contributor", rbac.BUILT_IN["DNS Zone Contributor"], "zone"),
            (design.zone_reader_role, zone_reader_guid(design), "group"),
        ],
    )


def demo_identity_step(design: Design) -> IdentityStep:
    return IdentityStep(
        "demo identity",
        design.demo,
        [("Virtual Machine Contributor", rbac.BUILT_IN["Virtual Machine Contributor"], "node group")],
    )
