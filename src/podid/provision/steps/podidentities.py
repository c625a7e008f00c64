"""`az aks pod-identity add` for the DNS and demo identities, as one idempotent step.

For each identity: Managed Identity Operator for the cluster identity over it (at or above its scope, as
aks-preview checks), then one PUT of the cluster with every missing or stale entry in podIdentityProfile.
Entries podid does not own are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from podid.provision import podidentity
from podid.provision.design import PodIdentity
from podid.provision.state import State
from podid.provision.step import UNKNOWN, Action, Change
from podid.provision.steps._owner import described

if TYPE_CHECKING:
    from azure.mgmt.containerservice.models import ManagedClusterPodIdentity
    from azure.mgmt.msi.models import Identity


def _key(entry: ManagedClusterPodIdentity) -> tuple[str, str]:
    return (entry.name, entry.namespace)


def entry_diff(entry: ManagedClusterPodIdentity | None, identity: Identity) -> list[str]:
    """How a podIdentityProfile entry differs from the one this identity needs (empty: it is right)."""
    if entry is None:
        return ["(absent) → present"]
    wanted = {"resourceId": str(identity.id).lower(), "clientId": identity.client_id, "objectId": identity.principal_id}
    bound = entry.identity
    have = {
        "resourceId": (bound.resource_id or "").lower() if bound else None,
        "clientId": bound.client_id if bound else None,
        "objectId": bound.object_id if bound else None,
    }
    lines = [f"identity.{key}: {have[key]} → {value}" for key, value in wanted.items() if have[key] != value]
    if entry.provisioning_state == "Failed":
        lines.append("provisioningState: Failed → Assigned")
    return lines


class PodIdentitiesStep:
    name = "pod identities"

    def plan(self, state: State) -> list[Change]:
        design = state.design
        if state.cluster is None or any(pi.identity_name not in state.identities for pi in design.pod_identities):
            return [
                Change("create", f"pod identity {pi.namespace}/{pi.name}", (f"identity: {UNKNOWN}",))
                for pi in design.pod_identities
            ]
        changes = [change for pi in design.pod_identities for change in self._operator(state, pi)]
        cluster = podidentity.get_cluster(state.clients, design.group, design.cluster)
        current = (
            {_key(entry): entry for entry in podidentity.identities_of(cluster)} if podidentity.enabled(cluster) else {}
        )
        stale = {}
        for pi in design.pod_identities:
            lines = entry_diff(current.get((pi.name, pi.namespace)), state.identities[pi.identity_name])
            if lines:
                stale[(pi.name, pi.namespace)] = pi
                action: Action = "update" if (pi.name, pi.namespace) in current else "create"
                changes.append(Change(action, f"pod identity {pi.namespace}/{pi.name}", tuple(lines)))
        if stale:  # one PUT of the cluster carries every entry: the last entry's change applies it
            last = changes[-1]
            changes[-1] = Change(last.action, last.what, last.details, lambda: self._put(state, stale))
        return changes

    def _operator(self, state: State, pi: PodIdentity) -> list[Change]:
        identity = state.identities[pi.identity_name]
        principal = podidentity.cluster_principal(state.cluster)
        if podidentity.operator_granted(state.clients, principal, str(identity.id)):
            return []

        what = f"role assignment Managed Identity Operator → cluster {state.design.cluster}"

        def grant() -> None:
            description = described(state.design, f"Managed Identity Operator for cluster {state.design.cluster}")
            podidentity.ensure_operator(state.clients, state.cluster, str(identity.id), description)

        return [Change("create", what, (f"scope: {str(identity.id).lower()}",), grant)]

    def _put(self, state: State, stale: dict[tuple[str, str], PodIdentity]) -> None:
        design = state.design
        cluster = podidentity.get_cluster(state.clients, design.group, design.cluster)
        kept = (
            [entry for entry in podidentity.identities_of(cluster) if _key(entry) not in stale]
            if podidentity.enabled(cluster)
            else []
        )
        added = [
            podidentity.pod_identity(pi.name, pi.namespace, state.identities[pi.identity_name]) for pi in stale.values()
        ]
        exceptions = podidentity.exceptions_of(cluster) if podidentity.enabled(cluster) else []
        podidentity.set_profile(cluster, True, kept + added, exceptions)
        state.cluster = podidentity.put_cluster(state.clients, design.group, design.cluster, cluster)
