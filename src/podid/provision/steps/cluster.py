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
from podid.provision.step import Action, Change, model
from podid.provision.steps._owner import Owner
from podid.provision.steps._resource import LOCATION, ArmResource, Fixed, plan
from podid.provision.wait import finish

# a cluster's network plugin is chosen at creation (az aks update cannot switch kubenet and azure CNI in place)
NETWORK_PLUGIN = Fixed(("properties", "networkProfile", "networkPlugin"), "network plugin")


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
    state: State, what: str, desired: dict[str, Any], initial: dict[str, Any] | None = None, owned: bool = False
) -> ArmResource:
    """The cluster; ``owned``: the view that creates it, claims it and guards its fixed fields."""
    design, clusters = state.design, state.clients.aks.managed_clusters

    def ready(cluster: ManagedCluster) -> None:
        state.cluster = cluster

    return ArmResource(
        what,
        desired,
        lambda: clusters.get(design.group, design.cluster),
        lambda body: finish(
            clusters.begin_create_or_update(design.group, design.cluster, model(ManagedCluster, body)), what
        ),
        whole=True,
        ready=ready,
        initial=initial,
        owner=Owner(design) if owned else None,
        adopt=state.adopt,
        fixed=(LOCATION, NETWORK_PLUGIN) if owned else (),
    )


class ClusterStep:
    name = "AKS cluster"
    guards = True  # its location and network plugin cannot change

    def plan(self, state: State) -> list[Change]:
        design = state.design
        # the DNS prefix is chosen once, at creation; a new cluster starts with the add-on on (one PUT fewer)
        initial = {"properties": {"dnsPrefix": dns_prefix(design), "podIdentityProfile": {"enabled": True}}}
        what = f"AKS cluster {design.cluster}"
        return plan(_cluster_resource(state, what, desired_cluster(design), initial, owned=True))


class PodIdentityAddonStep:
    """`az aks update --enable-pod-identity`: podIdentityProfile.enabled, keeping the rest of the cluster."""

    name = "pod identity add-on"

    def plan(self, state: State) -> list[Change]:
        desired = {"properties": {"podIdentityProfile": {"enabled": True}}}
        if state.cluster is None:
            return [Change("update", f"AKS cluster {state.design.cluster}", ("podIdentityProfile.enabled: true",))]
        return plan(_cluster_resource(state, f"AKS cluster {state.design.cluster}", desired))


class KubeconfigStep:
    """`az aks get-credentials`: the cluster's user credentials merged into KUBECONFIG. Another cluster's entries
    of the same names are replaced only with --overwrite-existing or a yes (asked before anything is written)."""

    name = "kubeconfig"
    guards = True  # another cluster's entries are replaced only when the user agrees

    def plan(self, state: State) -> list[Change]:
        design, path = state.design, state.kubeconfig
        wanted = kubeconfig.names(design.group, design.cluster)
        document = kubeconfig.load(path)
        if self._usable(state, document):
            return []
        what, details = f"kubeconfig {path}", (f"context: {design.cluster}",)
        action: Action = "update" if path.is_file() else "create"
        clash = None if state.overwrite_kubeconfig else kubeconfig.conflict(document, wanted, ours(state))
        if clash and state.confirm(kubeconfig.question(clash[0])):
            state.overwrite_kubeconfig, clash = True, None
        if clash:
            blocked = f"{kubeconfig.refusal(*clash)} ({path}; `podid up --overwrite-existing` replaces it)"
            return [Change(action, what, (*details, blocked), blocked=blocked)]

        def write() -> None:
            kubeconfig.write(path, kubeconfig.claimed(fetch_credentials(state), design.cluster_id))
            state.kube = Kube.from_file(path, context=design.cluster)

        return [Change(action, what, details, write)]

    @staticmethod
    def _usable(state: State, document: dict[str, Any]) -> bool:
        """The file has podid's entries for this cluster and they reach it (no need to ask AKS again)."""
        design = state.design
        found = kubeconfig.entry(document, "clusters", design.cluster)
        context = kubeconfig.entry(document, "contexts", design.cluster)
        if state.cluster is None or found is None or context is None:
            return False
        if (context.get("context") or {}).get("cluster") != design.cluster:  # the context leads elsewhere
            return False
        if not kubeconfig.claimed_by(found, design.cluster_id):
            return False
        kube = Kube.from_file(state.kubeconfig, context=design.cluster)
        if kube.reachable():
            state.kube = kube
            return True
        return False


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
    return state.kube


def ours(state: State) -> kubeconfig.Ours:
    """Whether a kubeconfig cluster entry reaches this setup's cluster: podid's mark, else the same server and CA
    as AKS's credentials (asked for only then). While the cluster does not exist, no unmarked entry is ours."""
    fetched: list[dict[str, Any]] = []

    def check(item: kubeconfig.Entry) -> bool:
        if kubeconfig.claimed_by(item, state.design.cluster_id):
            return True
        if state.cluster is None:
            return False
        if not fetched:
            fetched.append(fetch_credentials(state))
        return kubeconfig.same_server(item, fetched[0])

    return check
