"""The pod identity add-on as the sandbox's AKS runs it: profile rules, managed objects, scale sets and MIC.

``PodIdentityController`` plugs into AKS (its backend): its validator applies ``profile`` to every PUT
(new or changed pod identities read ``Updating``), and when the operation completes it marks them
``Assigned``, reconciles the add-on's objects and attaches the profile's identities to the scale sets
(``addon``).

The add-on runs aad-pod-identity in managed mode: NMI alone, no MIC, no AzureAssignedIdentity
(https://azure.github.io/aad-pod-identity/docs/configure/pod_identity_in_managed_mode). With the sandbox's
``nmi_mode = "standard"`` (aad-pod-identity installed by hand, MIC and NMI in standard mode) MIC (``mic``) also
runs on every pod, identity, binding and node change of clusters with the add-on; its cycles are coalesced and
run on the sandbox loop soon after the change, never inside the Kubernetes write that triggered them.

It also keeps, per cluster, what NMI needs on every token request: whether the add-on is enabled, which
identity is the kubelet's, and NMI's caches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from podid.sandbox.arm.errors import ArmError
from podid.sandbox.kube.api import KubeCluster, KubeObject
from podid.sandbox.podidentity import _crd, addon, mic
from podid.sandbox.podidentity._informer import NmiInformer
from podid.sandbox.podidentity.nmi import STANDARD
from podid.sandbox.podidentity.profile import (
    ASSIGNED,
    FEATURE_NAME,
    FEATURE_NAMESPACE,
    ClusterFacts,
    IdentityRef,
    Profile,
    is_enabled,
    normalize_profile,
)

if TYPE_CHECKING:
    from podid.sandbox.arm.compute.models import ComputeBackend
    from podid.sandbox.arm.containerservice.models import ContainerServiceBackend
    from podid.sandbox.arm.features.models import FeaturesBackend
    from podid.sandbox.arm.managedidentity.models import IdentitiesBackend
    from podid.sandbox.core.settings import CloudSettings
    from podid.sandbox.core.store import Store
    from podid.sandbox.kube.api import KubeFleet

log = logging.getLogger(__name__)

PROFILE = "podIdentityProfile"
UPDATING = "Updating"
STATE_KIND = "podIdentityAddon"  # per cluster: the identities the add-on attached to its scale sets
_MIC_TRIGGERS = frozenset({_crd.PODS, _crd.IDENTITIES, _crd.BINDINGS, _crd.NODES})


@dataclass
class ClusterState:
    cluster_id: str
    enabled: bool
    kubelet_identity: str | None
    immutable: frozenset[str]  # lower-cased ids MIC never detaches: the kubelet's and the profile's
    informer: NmiInformer = field(default_factory=NmiInformer)  # fed while the add-on is enabled
    unsubscribe: Callable[[], None] | None = None


def _props(doc: dict[str, Any]) -> dict[str, Any]:
    props = doc.get("properties")
    return props if isinstance(props, dict) else {}


def _kubelet_identity(doc: dict[str, Any]) -> str | None:
    kubelet = (_props(doc).get("identityProfile") or {}).get("kubeletidentity") or {}
    resource_id = kubelet.get("resourceId")
    return resource_id if isinstance(resource_id, str) else None


def with_states(stored: Profile | None, profile: Profile | None) -> Profile | None:
    """Identities unchanged since the stored profile keep their state; new or changed ones are Updating."""
    if not profile or not profile.get("userAssignedIdentities"):
        return profile
    before = {(item["name"], item["namespace"]): item for item in (stored or {}).get("userAssignedIdentities") or []}

    def state(item: Profile) -> Profile:
        old = before.get((item["name"], item["namespace"]))
        same = old is not None and {**old, "provisioningState": None} == {**item, "provisioningState": None}
        return {**item, "provisioningState": old["provisioningState"] if same and old else UPDATING}

    return {**profile, "userAssignedIdentities": [state(item) for item in profile["userAssignedIdentities"]]}


def assigned(profile: Profile) -> Profile:
    identities = profile.get("userAssignedIdentities") or []
    return {**profile, "userAssignedIdentities": [{**item, "provisioningState": ASSIGNED} for item in identities]}


class PodIdentityController:
    """The add-on for every cluster of the sandbox."""

    def __init__(
        self,
        settings: CloudSettings,
        store: Store,
        *,
        clusters: ContainerServiceBackend,
        kube: KubeFleet,
        compute: ComputeBackend,
        features: FeaturesBackend,
        identities: IdentitiesBackend,
    ) -> None:
        self._settings, self._store = settings, store
        self._aks, self._kube = clusters, kube  # AKS's backend; the Kubernetes fleet
        self._compute, self._features, self._identities = compute, features, identities
        self._clusters: dict[str, ClusterState] = {}
        self._dirty: set[str] = set()
        self._flush_scheduled = False
        clusters.add_validator(self.validate)
        clusters.on_changed(self.cluster_changed)
        clusters.on_deleted(self.cluster_deleted)

    # what NMI asks

    def state(self, cluster_id: str) -> ClusterState | None:
        return self._clusters.get(cluster_id.lower())

    def pod_by_ip(self, ip: str) -> tuple[ClusterState, KubeObject] | None:
        """The caller among the pods of clusters with the add-on, from NMI's pod cache."""
        for state in self._clusters.values():
            pod = state.informer.pod(ip) if state.enabled else None
            if pod is not None:
                return state, pod
        return None

    # AKS hooks

    def validate(self, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        stored = _props(old).get(PROFILE) if old else None
        requested = _props(new).get(PROFILE)
        if requested == stored:
            return
        network = _props(new).get("networkProfile") or {}
        facts = ClusterFacts(
            network_plugin=str(network.get("networkPlugin") or ""),
            managed_identity=(new.get("identity") or {}).get("type") in ("SystemAssigned", "UserAssigned"),
            feature_registered=self._feature_registered,
            lookup_identity=self._lookup_identity,
        )
        new["properties"][PROFILE] = with_states(stored, normalize_profile(stored, requested, facts))

    def cluster_changed(self, doc: dict[str, Any]) -> None:
        profile = _props(doc).get(PROFILE)
        identities = (profile or {}).get("userAssignedIdentities") or []
        if profile and any(item.get("provisioningState") == UPDATING for item in identities):
            profile = assigned(profile)
            self._aks.set_property(doc["id"], PROFILE, profile)
        self._reconcile(doc["id"], profile, _kubelet_identity(doc))

    def cluster_deleted(self, cluster_id: str) -> None:
        state = self._clusters.pop(cluster_id.lower(), None)
        if state is not None and state.unsubscribe is not None:
            state.unsubscribe()
        self._store.delete(STATE_KIND, cluster_id)

    # service lifecycle: pick up the clusters a restarted sandbox serves again

    async def start(self) -> None:
        for doc in self._aks.all():
            self._reconcile(doc["id"], _props(doc).get(PROFILE), _kubelet_identity(doc))

    async def stop(self) -> None:
        for state in self._clusters.values():
            if state.unsubscribe is not None:
                state.unsubscribe()
                state.unsubscribe = None

    # reconciliation

    def _reconcile(self, cluster_id: str, profile: Profile | None, kubelet: str | None) -> None:
        wanted = addon.profile_identity_ids(profile)
        immutable = frozenset(item.lower() for item in [*wanted, *([kubelet] if kubelet else [])])
        state = self._clusters.setdefault(cluster_id.lower(), ClusterState(cluster_id, False, kubelet, immutable))
        state.enabled, state.kubelet_identity, state.immutable = is_enabled(profile), kubelet, immutable
        cluster = self._kube.cluster(cluster_id)
        if cluster is None:
            return
        addon.reconcile_objects(cluster, profile)
        self._sync_scale_sets(cluster_id, cluster, wanted, kubelet)
        if state.enabled and state.unsubscribe is None:
            state.informer = NmiInformer()
            state.unsubscribe = cluster.subscribe(lambda kind, resource, obj: self._changed(state, kind, resource, obj))
            state.informer.seed(cluster)
        elif not state.enabled and state.unsubscribe is not None:
            state.unsubscribe()
            state.unsubscribe, state.informer = None, NmiInformer()
        if self._mic_runs:
            self._schedule(cluster_id)

    def _sync_scale_sets(self, cluster_id: str, cluster: KubeCluster, wanted: list[str], kubelet: str | None) -> None:
        """Attach the profile's identities to every scale set; detach those the add-on attached before."""
        record = self._store.get(STATE_KIND, cluster_id) or {}
        detach = addon.identities_to_detach(record.get("attached", []), wanted, kubelet)
        for vmss in addon.scale_sets(cluster):
            try:
                self._compute.vmss_assign_identities(vmss, wanted, detach)
            except ArmError as error:  # e.g. an identity deleted after it was added: the others still go on
                log.warning("failed to update the identities of %s: %s", vmss, error.message)
        self._store.put(STATE_KIND, cluster_id, {"attached": wanted})

    # MIC

    @property
    def _mic_runs(self) -> bool:
        return self._settings.nmi_mode == STANDARD

    def _changed(self, state: ClusterState, event_type: str, resource: str, obj: KubeObject) -> None:
        state.informer.apply(event_type, resource, obj)
        if resource in _MIC_TRIGGERS and self._mic_runs:
            self._schedule(state.cluster_id)

    def _schedule(self, cluster_id: str) -> None:
        self._dirty.add(cluster_id.lower())
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        dirty, self._dirty = self._dirty, set()
        for key in dirty:
            state, cluster = self._clusters.get(key), self._kube.cluster(key)
            if state is None or not state.enabled or cluster is None:
                continue
            try:
                self._run_mic(cluster, state)
            except Exception:  # a controller logs and retries on the next change, as MIC does
                log.exception("MIC cycle failed for cluster %s", key)

    def _run_mic(self, cluster: KubeCluster, state: ClusterState) -> None:
        compute = self._compute
        work = mic.plan_cycle(mic.read_cluster(cluster), state.immutable)
        mic.apply_cycle(cluster, work, compute.vmss_assign_identities, compute.vmss_identities)

    # lookups

    def _feature_registered(self) -> bool:
        return self._features.features_get(FEATURE_NAMESPACE, FEATURE_NAME).state == "Registered"

    def _lookup_identity(self, resource_id: str) -> IdentityRef | None:
        found = self._identities.get_by_id(resource_id)
        return IdentityRef(found.id, found.client_id, found.principal_id) if found else None
