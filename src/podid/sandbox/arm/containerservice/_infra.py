"""What AKS builds around a cluster: the node resource group, the kubelet identity, one VM scale set per
agent pool, and the cluster's Kubernetes API server (through the Kubernetes fleet).

``provision`` reconciles them with the cluster's agent pools (create, scale, remove) and has the Kubernetes
fleet serve the resulting ``ClusterSpec``; ``teardown`` removes all of it, as deleting the cluster does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podid.sandbox.arm.containerservice.siblings import KubeletIdentities, NodeGroups, ScaleSet, ScaleSets
from podid.sandbox.core.tokens import TokenService
from podid.sandbox.directory import Directory
from podid.sandbox.kube.api import ClusterAccess, ClusterSpec, KubeFleet, NodeSpec

if TYPE_CHECKING:
    from podid.sandbox.arm.containerservice._cluster import ManagedCluster

POOL_TAG = "aks-managed-poolName"


def vmss_name(pool: str, suffix: str) -> str:
    return f"aks-{pool}-{suffix}-vmss"


def provider_id(vmss: ScaleSet, instance_id: str) -> str:
    """The node's spec.providerID: the instance's ARM id with the resource group lower-cased, as on AKS."""
    parts = vmss.id.split("/")
    parts[4] = parts[4].lower()
    return f"azure://{'/'.join(parts)}/virtualMachines/{instance_id}"


@dataclass(frozen=True)
class NodeInfrastructure:
    """Creates, reconciles and removes the resources behind a managed cluster."""

    resources: NodeGroups
    identities: KubeletIdentities
    compute: ScaleSets
    kube: KubeFleet
    directory: Directory
    tokens: TokenService

    def provision(self, cluster: ManagedCluster) -> ClusterAccess:
        """Bring the node resource group, kubelet identity and scale sets in line with the agent pools, then
        ensure the cluster's API server."""
        props = cluster.properties
        group = self._ensure_node_group(cluster)
        kubelet = self.identities.create_or_update(group, f"{cluster.name}-agentpool", cluster.location)
        props["identityProfile"] = {
            "kubeletidentity": {
                "resourceId": kubelet.id,
                "clientId": kubelet.client_id,
                "objectId": kubelet.principal_id,
            }
        }
        compute = self.compute
        existing = {vmss.name.lower(): vmss for vmss in compute.virtual_machine_scale_sets_list(group)}
        scale_sets: list[ScaleSet] = []
        for pool in props["agentPoolProfiles"]:
            name = vmss_name(pool["name"], cluster.suffix)
            current = existing.pop(name.lower(), None)
            if current is None:
                tags = self._vmss_tags(cluster, pool["name"], name, kubelet.client_id)
                current = compute.virtual_machine_scale_sets_create(
                    group,
                    name,
                    cluster.location,
                    sku=pool["vmSize"],
                    zones=list(pool.get("availabilityZones") or []),
                    capacity=pool["count"],
                    tags=tags,
                    identities=[kubelet.id],
                )
            elif len(current.instances) != pool["count"]:
                current = compute.virtual_machine_scale_sets_scale(current.id, pool["count"])
            scale_sets.append(current)
        for removed in existing.values():
            if POOL_TAG in removed.tags:
                compute.virtual_machine_scale_sets_delete(removed.id)
        return self.kube.ensure_cluster(self._spec(cluster, scale_sets))

    def teardown(self, cluster: ManagedCluster) -> None:
        """The Kubernetes API server, the node resource group (and all in it) and the control-plane principal."""
        self.kube.delete_cluster(cluster.id)
        node_group = cluster.properties.get("nodeResourceGroup")
        if node_group and self.resources.find_group(node_group) is not None:
            self.resources.resource_groups_delete(node_group)
        principal = cluster.identity.get("principalId")
        if principal and cluster.identity.get("type") == "SystemAssigned":
            self.directory.delete_service_principal(principal)
            self.tokens.forget(principal)

    def _ensure_node_group(self, cluster: ManagedCluster) -> str:
        name = str(cluster.properties["nodeResourceGroup"])
        resources = self.resources
        if resources.find_group(name) is None:
            tags = {"aks-managed-cluster-name": cluster.name, "aks-managed-cluster-rg": cluster.resource_group}
            resources.resource_groups_create_or_update(name, cluster.location, tags, managed_by=cluster.id)
        return name

    @staticmethod
    def _vmss_tags(cluster: ManagedCluster, pool: str, name: str, kubelet_client_id: str) -> dict[str, str]:
        return {
            "aks-managed-creationSource": f"vmssclient-{name}",
            "aks-managed-kubeletIdentityClientID": kubelet_client_id,
            "aks-managed-orchestrator": f"Kubernetes:{cluster.properties['currentKubernetesVersion']}",
            POOL_TAG: pool,
            "aks-managed-resourceNameSuffix": cluster.suffix,
        }

    def _spec(self, cluster: ManagedCluster, scale_sets: Sequence[ScaleSet]) -> ClusterSpec:
        props: dict[str, Any] = cluster.properties
        nodes = tuple(
            NodeSpec(
                name=instance.computer_name,
                provider_id=provider_id(vmss, instance.instance_id),
                zone=f"{cluster.location}-{instance.zone}" if instance.zone else "0",
                internal_ip=instance.private_ip,
                vm_size=vmss.sku,
            )
            for vmss in scale_sets
            for instance in vmss.instances
        )
        return ClusterSpec(
            cluster_id=cluster.id,
            name=cluster.name,
            location=cluster.location,
            kubernetes_version=str(props["currentKubernetesVersion"]),
            network_plugin=str(props["networkProfile"]["networkPlugin"]),
            nodes=nodes,
            oidc_issuer_url=(props.get("oidcIssuerProfile") or {}).get("issuerURL"),
        )
