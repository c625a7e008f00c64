"""The tutorial's steps, in the order ``podid up`` runs them, and the reverse ones ``podid down`` runs."""

from __future__ import annotations

from podid.provision.design import Design
from podid.provision.step import Step
from podid.provision.steps.cluster import ClusterStep, KubeconfigStep, PodIdentityAddonStep
from podid.provision.steps.identities import ZoneReaderRoleStep, ZoneStep, demo_identity_step, dns_identity_step
from podid.provision.steps.kube import kube_steps
from podid.provision.steps.platform import FeatureStep, GroupStep
from podid.provision.steps.podidentities import PodIdentitiesStep
from podid.provision.steps.teardown import DOWN_STEPS


def up_steps(design: Design) -> list[Step]:
    return [
        FeatureStep(),
        GroupStep(),
        ClusterStep(),
        KubeconfigStep(),
        PodIdentityAddonStep(),
        ZoneStep(),
        ZoneReaderRoleStep(),
        dns_identity_step(design),
        demo_identity_step(design),
        PodIdentitiesStep(),
        *kube_steps(design),
    ]


def down_steps() -> list[Step]:
    return [step() for step in DOWN_STEPS]


__all__ = ["down_steps", "up_steps"]
