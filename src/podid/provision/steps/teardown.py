"""``podid down``: remove what ``up`` created, in reverse order; keep (and say so) what it found and reused.

What podid created carries its claim (``steps._owner``): tags on the cluster, zone, identities and resource
group, the marker in the description of the custom role and of role assignments, a label on Kubernetes objects.
Everything else is kept, however its name matches; a kept cluster loses only what podid put in it. The preview
feature and its provider are subscription-wide and stay registered: other clusters may depend on them. Each
step is a no-op when its part is gone, so a second ``down`` plans nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from azure.mgmt.containerservice.models import ManagedCluster

from podid.provision import kubeconfig, manifests, podidentity, rbac
from podid.provision import workloadidentity as wi
from podid.provision.design import Design
from podid.provision.errors import NotFound, translated
from podid.provision.kube import Kube, describe
from podid.provision.state import State
from podid.provision.step import Change, kept, wire
from podid.provision.steps._owner import kube_owned, marked, marker, tagged
from podid.provision.steps._resource import current
from podid.provision.steps.cluster import kube_for, ours
from podid.provision.steps.identities import zone_reader_guid
from podid.provision.wait import finish


def _deleting(call: Callable[[], Any]) -> Callable[[], None]:
    """The delete, done once whatever happens first: a part already gone (with its cluster or group) is fine."""

    def apply() -> None:
        try:
            with translated():
                call()
        except NotFound:
            pass

    return apply


def _delete_tagged(state: State, what: str, read: Callable[[], Any], remove: Callable[[], Any]) -> list[Change]:
    found = current(read)
    if found is None:
        return []
    if not tagged(state.design, wire(found).get("tags")):
        return [kept(what)]
    return [Change("delete", what, (), _deleting(remove))]


class DeleteCluster:
    name = "AKS cluster"

    def plan(self, state: State) -> list[Change]:
        design, clusters = state.design, state.clients.aks.managed_clusters

        def read() -> ManagedCluster | None:
            state.cluster = clusters.get(design.group, design.cluster)
            return state.cluster

        return _delete_tagged(
            state,
            f"AKS cluster {design.cluster}",
            read,
            lambda: finish(
                clusters.begin_delete(design.group, design.cluster), f"AKS cluster {design.cluster} to be deleted"
            ),
        )


def _kube_objects(design: Design) -> list[tuple[str, str | None, str]]:
    """(kind, namespace, name) of every object either mode's ``up`` applies, namespaces last."""
    made = [
        *manifests.hello(design),
        *manifests.external_dns(design, "", ""),
        *manifests.external_dns_rbac(design),
        *manifests.demo(design, "", ""),
        *wi.external_dns(design, "", ""),
        *wi.demo(design, "", "", ""),
    ]
    keys = dict.fromkeys((o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in made)
    return sorted(keys, key=lambda key: key[0] == "Namespace")


class RemoveFromKeptCluster:
    """A cluster podid did not create stays; what podid put in it goes: the Kubernetes objects it labelled,
    and its pod identities when their identities are podid's (they are removed below)."""

    name = "cluster contents"

    def plan(self, state: State) -> list[Change]:
        design, cluster = state.design, state.cluster
        if cluster is None or tagged(design, wire(cluster).get("tags")):
            return []  # absent, or removed whole with its contents
        kube = kube_for(state)
        changes = [] if kube is None else [c for key in _kube_objects(design) for c in self._object(kube, *key)]
        return [*changes, *self._pod_identities(state)]

    @staticmethod
    def _object(kube: Kube, kind: str, namespace: str | None, name: str) -> list[Change]:
        found = kube.get(kind, namespace, name)
        if found is None:
            return []
        if not kube_owned(found):
            return [kept(describe(found))]
        return [Change("delete", describe(found), (), _deleting(partial(kube.delete, kind, namespace, name)))]

    @staticmethod
    def _pod_identities(state: State) -> list[Change]:
        design, cluster, clients = state.design, state.cluster, state.clients
        if not podidentity.enabled(cluster):
            return []
        ours = {
            str(found.id).lower()
            for pi in design.pod_identities
            if (found := current(partial(clients.msi.user_assigned_identities.get, design.group, pi.identity_name)))
            and tagged(design, found.tags)
        }
        gone = [e for e in podidentity.identities_of(cluster) if (e.identity.resource_id or "").lower() in ours]
        if not gone:
            return []

        def remove() -> None:
            fresh = podidentity.get_cluster(clients, design.group, design.cluster)
            left = [e for e in podidentity.identities_of(fresh) if (e.identity.resource_id or "").lower() not in ours]
            podidentity.set_profile(fresh, True, left, podidentity.exceptions_of(fresh))
            podidentity.put_cluster(clients, design.group, design.cluster, fresh)

        what = f"pod identities of {design.cluster}"
        return [Change("delete", what, tuple(f"pod identity {e.namespace}/{e.name}" for e in gone), remove)]


class RemoveKubeconfig:
    """The entries ``up`` wrote (podid's mark, or the cluster's own server and CA); other entries stay."""

    name = "kubeconfig"

    def plan(self, state: State) -> list[Change]:
        design, path = state.design, state.kubeconfig
        wanted = kubeconfig.names(design.group, design.cluster)
        found = kubeconfig.entry(kubeconfig.load(path), "clusters", design.cluster)
        if found is None:
            return []
        what = f"kubeconfig {path} context {design.cluster}"
        is_ours = ours(state)
        if not is_ours(found):
            return [kept(what, "another cluster's entry")]
        return [Change("delete", what, (), partial(kubeconfig.remove, path, wanted, is_ours))]


class DeleteRoleAssignments:
    """The assignments ``up`` granted (their description carries podid's marker): in the resource group, and
    those of its identities elsewhere (Virtual Machine Contributor on the node resource group)."""

    name = "role assignments"

    def plan(self, state: State) -> list[Change]:
        assignments, design = state.clients.authorization.role_assignments, state.design
        changes = []
        for item in self._candidates(state):
            what = f"role assignment {item.name}"
            if marked(design, item.description):  # "DNS Zone Contributor for <identity>", as up described it
                what = f"role assignment {item.description.replace(marker(design), '').strip()}"
                remove = _deleting(partial(assignments.delete_by_id, str(item.id)))
                changes.append(Change("delete", what, (f"scope: {item.scope}",), remove))
            elif rbac.guid_of(item.role_definition_id or "") in self._roles(state):
                changes.append(kept(what))
        return changes

    @staticmethod
    def _roles(state: State) -> set[str]:
        names = ("DNS Zone Contributor", "Managed Identity Operator", "Virtual Machine Contributor")
        return {rbac.BUILT_IN[name] for name in names} | {zone_reader_guid(state.design)}

    @staticmethod
    def _candidates(state: State) -> list[Any]:
        assignments, design = state.clients.authorization.role_assignments, state.design
        inside = design.group_id.lower() + "/"
        listed = current(lambda: list(assignments.list_for_scope(design.group_id))) or []
        found = {str(item.id).lower(): item for item in listed if ((item.scope or "") + "/").lower().startswith(inside)}
        identities = state.clients.msi.user_assigned_identities
        for pi in design.pod_identities:
            identity = current(partial(identities.get, design.group, pi.identity_name))
            if identity is not None:
                held = f"principalId eq '{identity.principal_id}'"
                with translated():
                    found |= {str(item.id).lower(): item for item in assignments.list_for_subscription(filter=held)}
        return list(found.values())


class DeleteZoneReaderRole:
    name = "zone reader role"

    def plan(self, state: State) -> list[Change]:
        design, definitions = state.design, state.clients.authorization.role_definitions
        guid = zone_reader_guid(design)
        what = f"custom role {design.zone_reader_role}"
        found = current(lambda: definitions.get(design.group_id, guid))
        if found is None:
            return []
        if not marked(design, found.description):
            return [kept(what)]
        return [Change("delete", what, (), _deleting(lambda: definitions.delete(design.group_id, guid)))]


class DeleteIdentities:
    name = "identities"

    def plan(self, state: State) -> list[Change]:
        return [change for pi in state.design.pod_identities for change in self._identity(state, pi.identity_name)]

    @staticmethod
    def _identity(state: State, name: str) -> list[Change]:
        group, identities = state.design.group, state.clients.msi.user_assigned_identities
        return _delete_tagged(
            state,
            f"managed identity {name}",
            lambda: identities.get(group, name),
            lambda: identities.delete(group, name),
        )


class DeleteZone:
    name = "DNS zone"

    def plan(self, state: State) -> list[Change]:
        design, zones = state.design, state.clients.dns.zones
        return _delete_tagged(
            state,
            f"DNS zone {design.domain}",
            lambda: zones.get(design.group, design.domain),
            lambda: finish(zones.begin_delete(design.group, design.domain), f"DNS zone {design.domain} to be deleted"),
        )


class DeleteGroup:
    name = "resource group"

    def plan(self, state: State) -> list[Change]:
        design, groups = state.design, state.clients.resources.resource_groups
        return _delete_tagged(
            state,
            f"resource group {design.group}",
            lambda: groups.get(design.group),
            lambda: finish(groups.begin_delete(design.group), f"resource group {design.group} to be deleted"),
        )
