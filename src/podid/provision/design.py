"""What ``podid up`` builds, named: every resource id, identity, namespace, label and image, from the settings.

The names are the tutorial's: the DNS identity is ``<domain with dots as dashes>-identity`` bound as pod identity
``external-dns`` in ``kube-addons``; the demo identity is ``application-identity`` bound as ``my-pod-identity``
in ``my-app``; the demo pod is ``demo``. Nothing here talks to a cloud.
"""

from __future__ import annotations

from dataclasses import dataclass

from podid.config import Settings

FEATURE_NAMESPACE = "Microsoft.ContainerService"
FEATURE_NAME = "EnablePodIdentityPreview"
NODE_POOL = "nodepool1"
NODE_COUNT = 3
NODE_VM_SIZE = "Standard_DS2_v2"
NODE_ZONES = ("1", "2", "3")
BINDING_LABEL = "aadpodidbinding"
EXTERNAL_DNS_IMAGE = "registry.k8s.io/external-dns/external-dns:v0.22.0"  # the newest release (2026-08)
DEMO_IMAGE = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"
HELLO_IMAGE = "mcr.microsoft.com/azuredocs/aks-helloworld:v1"
HOSTNAME_ANNOTATION = "external-dns.kubernetes.io/hostname"  # the prefix v0.22.0 reads (external-dns#6424)
ZONE_READER_ACTIONS = ("Microsoft.Network/dnsZones/read",)


@dataclass(frozen=True)
class PodIdentity:
    """One entry of podIdentityProfile.userAssignedIdentities and the managed identity behind it."""

    identity_name: str  # the user-assigned managed identity
    name: str  # the pod identity (and binding selector)
    namespace: str


@dataclass(frozen=True)
class Design:
    settings: Settings
    subscription_id: str

    @property
    def group(self) -> str:
        return self.settings.resource_group

    @property
    def cluster(self) -> str:
        return self.settings.cluster_name

    @property
    def domain(self) -> str:
        return self.settings.dns_domain

    @property
    def setup(self) -> str:
        """This setup's name, as podid's ownership tags and markers carry it."""
        return f"{self.group}/{self.cluster}"

    @property
    def cluster_id(self) -> str:
        return f"{self.group_id}/providers/Microsoft.ContainerService/managedClusters/{self.cluster}"

    @property
    def group_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.group}"

    @property
    def zone_id(self) -> str:
        return f"{self.group_id}/providers/Microsoft.Network/dnszones/{self.domain}"

    def identity_id(self, name: str) -> str:
        return f"{self.group_id}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"

    @property
    def node_group(self) -> str:
        """AKS's default node resource group name (the cluster reports the real one)."""
        return self.settings.node_resource_group

    @property
    def dns(self) -> PodIdentity:
        return PodIdentity(self.settings.dns_identity_name, "external-dns", "kube-addons")

    @property
    def demo(self) -> PodIdentity:
        return PodIdentity("application-identity", "my-pod-identity", "my-app")

    @property
    def pod_identities(self) -> tuple[PodIdentity, ...]:
        return (self.dns, self.demo)

    @property
    def zone_reader_role(self) -> str:
        """The custom role that lets external-dns list the group's zones and nothing else."""
        return f"DNS Zone Reader ({self.group})"

    @property
    def hello_host(self) -> str:
        return f"hello.{self.domain}"
