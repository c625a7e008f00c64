"""The AKS cluster, its kubeconfig, and the pod identity add-on switched on."""

from __future__ import annotations

import re
from typing import Any

import yaml
from azure.mgmt.containerservice.models import ManagedCluster

from podid.provision import kubeconfig
from podid.provision.design import NODE_COUNT, NODE_POOL, NODE_VM_SIZE, NODE_ZONES, Design
from podid.provision.errors import ProvisionError, translated
from podid.provision.kube import Kube
from podid.provision.state import State
from podid.provision.step import Change, model
from podid.provision.steps._resource import ArmResource, plan


def dns_prefix(design: Design) -> str:
    """az aks create's default: name, group and subscription fragments."""
    name = re.sub("[^A-Za-z0-9-]", "", design.cluster)[:10]
    if not name[:1].isalpha():
        name = ("a" + name)[:10]
    group = re.sub("[^A-Za-z0-9-]", "", design.group)[:16]
    return f"{name}-{group}-{design.subscription_id[:6]}"


def desired_cluster(design: Design) -> dict[str, Any]:
    """Managed identity, one scale-set pool of 3 nodes over zones 1-3, standard load balancer."""
    pool = {
        "name": NODE_POOL,
        "count": NODE_COUNT,
        "vmSize": NODE_VM_SIZE,
        "mode": "System",
        "osType": "Linux",
        "type": "VirtualMachineScaleSets",
        "availabilityZones": list(NODE_ZONES),
    }
    return {
        "location": design.settings.location,
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "agentPoolProfiles": [pool],
            "networkProfile": {"networkPlugin": "azure", "loadBalancerSku": "standard"},
        },
    }


def _cluster_resource(
    state: State, what: str, desired: dict[str, Any], initial: dict[str, Any] | None = None
) -> ArmResource:
    design, clusters = state.design, state.clients.aks.managed_clusters

    def ready(cluster: Any) -> None:
        state.cluster = cluster

    return ArmResource(
        what,
        desired,
        lambda: clusters.get(design.group, design.cluster),
        lambda body: clusters.begin_create_or_update(
            design.group, design.cluster, model(ManagedCluster, body)
        ).result(),
        whole=True,
        ready=ready,
        initial=initial,
    )


class ClusterStep:
    name = "AKS cluster"

    def plan(self, state: State) -> list[Change]:
        design = state.design
        # the DNS prefix is chosen once, at creation; a new cluster starts with the add-on on (one PUT fewer)
        initial = {"properties": {"dnsPrefix": dns_prefix(design), "podIdentityProfile": {"enabled": True}}}
        return plan(_cluster_resource(state, f"AKS cluster {design.cluster}", desired_cluster(design), initial))


class PodIdentityAddonStep:
    """`az aks update --enable-pod-identity`: podIdentityProfile.enabled, keeping the rest of the cluster."""

    name = "pod identity add-on"

    def plan(self, state: State) -> list[Change]:
        desired = {"properties": {"podIdentityProfile": {"enabled": True}}}
        if state.cluster is None:
            return [Change("update", f"AKS cluster {state.design.cluster}", ("podIdentityProfile.enabled: true",))]
        return plan(_cluster_resource(state, f"AKS cluster {state.design.cluster}", desired))


class KubeconfigStep:
    """`az aks get-credentials`: the cluster's user credentials merged into KUBECONFIG."""

    name = "kubeconfig"

    def plan(self, state: State) -> list[Change]:
        design, path = state.design, state.kubeconfig
        if path.is_file() and kubeconfig.has_context(path, design.cluster):
            kube = Kube.from_file(path, context=design.cluster)
            if kube.reachable():
                state.kube = kube
                return []

        def write() -> None:
            credentials = fetch_credentials(state)
            kubeconfig.write(path, credentials)
            state.kube = Kube.from_file(path, context=design.cluster)

        return [
            Change(
                "update" if path.is_file() else "create", f"kubeconfig {path}", (f"context: {design.cluster}",), write
            )
        ]


def fetch_credentials(state: State) -> dict[str, Any]:
    """The clusterUser kubeconfig (a POST action: it reads, it changes nothing)."""
    design = state.design
    with translated():
        results = state.clients.aks.managed_clusters.list_cluster_user_credentials(design.group, design.cluster)
    kubeconfigs = results.kubeconfigs or []
    if not kubeconfigs or kubeconfigs[0].value is None:
        raise ProvisionError(f"AKS returned no user credentials for cluster {design.cluster}")
    return dict(yaml.safe_load(kubeconfigs[0].value))


def kube_for(state: State) -> Kube | None:
    """The cluster's API for reading: from the kubeconfig step, or from credentials held in memory (plan)."""
    if state.kube is None and state.cluster is not None:
        state.kube = Kube.from_dict(fetch_credentials(state))
    return state.kube if isinstance(state.kube, Kube) else None
