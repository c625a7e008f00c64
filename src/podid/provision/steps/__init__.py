"""Every step of every phase in one table: ``podid up`` in each identity mode, ``podid migrate`` (pod identity to
workload identity) and ``podid down``.

Each row names the phases its step belongs to; a phase runs its steps in table order. ``migrate`` shares the
workload identity ``up``'s cluster, identity, federated credential and demo pod steps, and proves the new path
before external-dns rolls and the pod identity goes. ``down`` removes what ``up`` created, the cluster (with what
runs in it) first, the resource group last.
"""

from __future__ import annotations

from podid.provision.design import Design
from podid.provision.step import Step
from podid.provision.steps import kube, teardown, workloadidentity
from podid.provision.steps.cluster import ClusterStep, KubeconfigStep, PodIdentityAddonStep
from podid.provision.steps.identities import ZoneReaderRoleStep, ZoneStep, demo_identity_step, dns_identity_step
from podid.provision.steps.kube import KubeObjectsStep
from podid.provision.steps.migration import (
    ExternalDnsRollStep,
    PodIdentitySetup,
    RemovePodIdentityStep,
    TokenExchangeCheck,
    WriteThroughCheck,
)
from podid.provision.steps.platform import FeatureStep, GroupStep
from podid.provision.steps.podidentities import PodIdentitiesStep
from podid.provision.steps.workloadidentity import DemoPodStep, WorkloadIdentityClusterStep, federated_credential_steps

POD_IDENTITY, WORKLOAD_IDENTITY, MIGRATE, DOWN = "pod-identity", "workload-identity", "migrate", "down"
MODES = (POD_IDENTITY, WORKLOAD_IDENTITY)  # `podid up --mode`
PHASES = (*MODES, MIGRATE, DOWN)

_PI, _WI, _MIG, _DOWN = (POD_IDENTITY,), (WORKLOAD_IDENTITY,), (MIGRATE,), (DOWN,)
_WI_MIG, _ALL_UP = (WORKLOAD_IDENTITY, MIGRATE), (*MODES, MIGRATE)


def _table(design: Design) -> list[tuple[Step, tuple[str, ...]]]:
    return [
        (PodIdentitySetup(), _MIG),
        (FeatureStep(), _PI),
        (GroupStep(), MODES),
        (ClusterStep(), _PI),
        (WorkloadIdentityClusterStep(), _WI_MIG),
        (KubeconfigStep(), _ALL_UP),
        (PodIdentityAddonStep(), _PI),
        (ZoneStep(), MODES),
        (ZoneReaderRoleStep(), MODES),
        (dns_identity_step(design), _ALL_UP),
        (demo_identity_step(design), _ALL_UP),
        (PodIdentitiesStep(), _PI),
        *((step, _WI_MIG) for step in federated_credential_steps(design)),
        (TokenExchangeCheck(), _MIG),
        (ExternalDnsRollStep(), _MIG),
        (WriteThroughCheck(), _MIG),
        (KubeObjectsStep("hello app", kube.hello_objects), MODES),
        (KubeObjectsStep("external-dns", kube.external_dns_objects), _PI),
        (KubeObjectsStep("external-dns", workloadidentity.external_dns_objects), _WI),
        (KubeObjectsStep("demo pod", kube.demo_objects), _PI),
        (DemoPodStep(), _WI_MIG),
        (RemovePodIdentityStep(), _MIG),
        (teardown.DeleteCluster(), _DOWN),
        (teardown.RemoveFromKeptCluster(), _DOWN),
        (teardown.RemoveKubeconfig(), _DOWN),
        (teardown.DeleteRoleAssignments(), _DOWN),
        (teardown.DeleteZoneReaderRole(), _DOWN),
        (teardown.DeleteIdentities(), _DOWN),
        (teardown.DeleteZone(), _DOWN),
        (teardown.DeleteGroup(), _DOWN),
    ]


def steps_of(design: Design, phase: str) -> list[Step]:
    """The steps of ``phase`` (an identity mode's ``up``, ``migrate`` or ``down``), in the order they run."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}: one of {', '.join(PHASES)}")
    return [step for step, phases in _table(design) if phase in phases]


__all__ = ["DOWN", "MIGRATE", "MODES", "PHASES", "POD_IDENTITY", "WORKLOAD_IDENTITY", "steps_of"]
