"""The official SDK clients for one target, built on first use and shared by every step."""

from __future__ import annotations

from functools import cached_property

from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.features import FeatureClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from podid.provision.target import Target


class Clients:
    def __init__(self, target: Target) -> None:
        self.target = target

    @property
    def subscription_id(self) -> str:
        return self.target.subscription_id

    @cached_property
    def resources(self) -> ResourceManagementClient:
        return self.target.mgmt(ResourceManagementClient)

    @cached_property
    def features(self) -> FeatureClient:
        return self.target.mgmt(FeatureClient)

    @cached_property
    def subscriptions(self) -> SubscriptionClient:
        return SubscriptionClient(self.target.credential, **self.target.client_options())

    @cached_property
    def msi(self) -> ManagedServiceIdentityClient:
        return self.target.mgmt(ManagedServiceIdentityClient)

    @cached_property
    def authorization(self) -> AuthorizationManagementClient:
        return self.target.mgmt(AuthorizationManagementClient)

    @cached_property
    def dns(self) -> DnsManagementClient:
        return self.target.mgmt(DnsManagementClient)

    @cached_property
    def aks(self) -> ContainerServiceClient:
        return self.target.mgmt(ContainerServiceClient)

    @cached_property
    def compute(self) -> ComputeManagementClient:
        return self.target.mgmt(ComputeManagementClient)
