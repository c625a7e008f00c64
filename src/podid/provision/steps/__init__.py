"""Every step of every phase in one table: ``podid up`` in each identity mode, and ``podid down``.

Each row names the phases its step belongs to; a phase runs its steps in table order. ``down`` removes what
``up`` created, the cluster (with what runs in it) first, the resource group last.
"""

from __future__ import annotations

from podid.provision.design import Design
from podid.provision.step import Step
from podid.provision.steps import kube, teardown, workloadidentity
from podid.provision.steps.cluster import ClusterStep, KubeconfigStep, PodIdentityAddonStep
from podid.provision.steps.identities import ZoneReaderRoleStep, ZoneStep, demo_identity_step, dns_identity_step
from podid.provision.steps.kube import KubeObjectsStep
from podid.provision.steps.platform import FeatureStep, GroupStep
from podid.provision.steps.podidentities import PodIdentitiesStep
from podid.provision.steps.workloadidentity import DemoPodStep, WorkloadIdentityClusterStep, federated_credential_steps

POD_IDENTITY, WORKLOAD_IDENTITY, DOWN = "pod-identity", "workload-identity", "down"
MODES = (POD_IDENTITY, WORKLOAD_IDENTITY)  # `podid up --mode`
PHASES = (*MODES, DOWN)

_PI, _WI, _DOWN = (POD_IDENTITY,), (WORKLOAD_IDENTITY,), (DOWN,)


def _table(design: Design) -> list[tuple[Step, tuple[str, ...]]]:
    return [
        (FeatureStep(), _PI),
        (GroupStep(), MODES),
        (ClusterStep(), _PI),
        (WorkloadIdentityClusterStep(), _WI),
        (KubeconfigStep(), MODES),
        (PodIdentityAddonStep(), _PI),
        (ZoneStep(), MODES),
        (ZoneReaderRoleStep(), MODES),
        (dns_identity_step(design), MODES),
        (demo_identity_step(design), MODES),
        (PodIdentitiesStep(), _PI),
        *((step, _WI) for step in federated_credential_steps(design)),
        (KubeObjectsStep("hello app", kube.hello_objects), MODES),
        (KubeObjectsStep("external-dns", kube.external_dns_objects), _PI),
        (KubeObjectsStep("external-dns", workloadidentity.external_dns_objects), _WI),
        (KubeObjectsStep("demo pod", kube.demo_objects), _PI),
        (DemoPodStep(), _WI),
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
    """The steps of ``phase`` (an identity mode's ``up``, or ``down``), in the order they run."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}: one of {', '.join(PHASES)}")
    return [step for step, phases in _table(design) if phase in phases]


__all__ = ["DOWN", "MODES", "PHASES", "POD_IDENTITY", "WORKLOAD_IDENTITY", "steps_of"]
