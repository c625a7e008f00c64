"""``podid down``: remove what ``up`` created, in reverse order, each step a no-op when its part is gone.

The cluster goes first (with it its node resource group, Kubernetes objects and pod identities), then the role
assignments ``up`` granted, the custom role, the identities, the zone; the resource group only if ``up`` created
it, and the preview feature only if ``up`` registered it (both recorded as tags on the group).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from podid.provision import kubeconfig, rbac
from podid.provision.design import FEATURE_NAME, FEATURE_NAMESPACE
from podid.provision.errors import translated
from podid.provision.state import State
from podid.provision.step import Change
from podid.provision.steps._resource import current
from podid.provision.steps.identities import zone_reader_guid
from podid.provision.steps.platform import CREATED_TAG, REGISTERED_TAG


def _translating(call: Callable[[], Any]) -> Callable[[], None]:
    def apply() -> None:
        with translated():
            call()

    return apply


def _delete(what: str, read: Callable[[], Any], remove: Callable[[], Any]) -> list[Change]:
    if current(read) is None:
        return []
    return [Change("delete", what, (), _translating(remove))]


class DeleteCluster:
    name = "AKS cluster"

    def plan(self, state: State) -> list[Change]:
        design, clusters = state.design, state.clients.aks.managed_clusters
        return _delete(
            f"AKS cluster {design.cluster}",
            lambda: clusters.get(design.group, design.cluster),
            lambda: clusters.begin_delete(design.group, design.cluster).result(),
        )


class RemoveKubeconfig:
    name = "kubeconfig"

    def plan(self, state: State) -> list[Change]:
        path, context = state.kubeconfig, state.design.cluster
        if not (path.is_file() and kubeconfig.has_context(path, context)):
            return []
        return [Change("delete", f"kubeconfig {path} context {context}", (), lambda: kubeconfig.remove(path, context))]


class DeleteRoleAssignments:
    """The assignments ``up`` granted inside the resource group: the identities' roles, Managed Identity Operator."""

    name = "role assignments"

    def plan(self, state: State) -> list[Change]:
        design, assignments = state.design, state.clients.authorization.role_assignments
        listed = current(lambda: list(assignments.list_for_scope(design.group_id))) or []
        ours = {rbac.BUILT_IN[name] for name in ("DNS Zone Contributor", "Managed Identity Operator")}
        ours.add(zone_reader_guid(design))
        inside = design.group_id.lower() + "/"
        changes = []
        for item in listed:
            scope = (item.scope or "").lower()
            if rbac.guid_of(item.role_definition_id or "") in ours and (scope + "/").startswith(inside):
                remove = _translating(partial(assignments.delete_by_id, str(item.id)))
                changes.append(Change("delete", f"role assignment {item.name}", (f"scope: {item.scope}",), remove))
        return changes


class DeleteZoneReaderRole:
    name = "zone reader role"

    def plan(self, state: State) -> list[Change]:
        design, definitions = state.design, state.clients.authorization.role_definitions
        guid = zone_reader_guid(design)
        return _delete(
            f"custom role {design.zone_reader_role}",
            lambda: definitions.get(design.group_id, guid),
            lambda: definitions.delete(design.group_id, guid),
        )


class DeleteIdentities:
    name = "identities"

    def plan(self, state: State) -> list[Change]:
        return [change for pi in state.design.pod_identities for change in self._identity(state, pi.identity_name)]

    @staticmethod
    def _identity(state: State, name: str) -> list[Change]:
        group, identities = state.design.group, state.clients.msi.user_assigned_identities
        return _delete(
            f"managed identity {name}",
            lambda: identities.get(group, name),
            lambda: identities.delete(group, name),
        )


class DeleteZone:
    name = "DNS zone"

    def plan(self, state: State) -> list[Change]:
        design, zones = state.design, state.clients.dns.zones
        return _delete(
            f"DNS zone {design.domain}",
            lambda: zones.get(design.group, design.domain),
            lambda: zones.begin_delete(design.group, design.domain).result(),
        )


def _tags(state: State) -> dict[str, str]:
    group = current(lambda: state.clients.resources.resource_groups.get(state.design.group))
    return dict(getattr(group, "tags", None) or {})


class RestoreRegistrations:
    """Unregister the preview feature (and provider) if ``up`` registered them."""

    name = "preview feature"

    def plan(self, state: State) -> list[Change]:
        registered = _tags(state).get(REGISTERED_TAG, "")
        features, providers = state.clients.features.features, state.clients.resources.providers
        changes = []
        if "feature" in registered.split(","):
            what = f"feature {FEATURE_NAMESPACE}/{FEATURE_NAME}"
            unregister = _translating(lambda: features.unregister(FEATURE_NAMESPACE, FEATURE_NAME))
            changes.append(Change("delete", what, ("state: → Unregistered",), unregister))
        if "provider" in registered.split(","):
            what = f"provider {FEATURE_NAMESPACE}"
            unregister = _translating(lambda: providers.unregister(FEATURE_NAMESPACE))
            changes.append(Change("delete", what, ("registrationState: → Unregistered",), unregister))
        return changes


class DeleteGroup:
    name = "resource group"

    def plan(self, state: State) -> list[Change]:
        design, groups = state.design, state.clients.resources.resource_groups
        if _tags(state).get(CREATED_TAG) != "true":
            return []
        remove = _translating(lambda: groups.begin_delete(design.group).result())
        return [Change("delete", f"resource group {design.group}", (), remove)]


DOWN_STEPS = (
    DeleteCluster,
    RemoveKubeconfig,
    DeleteRoleAssignments,
    DeleteZoneReaderRole,
    DeleteIdentities,
    DeleteZone,
    RestoreRegistrations,
    DeleteGroup,
)
