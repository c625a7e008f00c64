"""The official SDK clients for one target, each built (and its package imported) on first use."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from podid.provision.target import Target

if TYPE_CHECKING:
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.containerservice import ContainerServiceClient
    from azure.mgmt.dns import DnsManagementClient
    from azure.mgmt.msi import ManagedServiceIdentityClient
    from azure.mgmt.resource.features import FeatureClient
    from azure.mgmt.resource.resources import ResourceManagementClient
    from azure.mgmt.resource.subscriptions import SubscriptionClient


class Clients:
    def __init__(self, target: Target) -> None:
        self.target = target

    @property
    def subscription_id(self) -> str:
        return self.target.subscription_id

    @cached_property
    def resources(self) -> ResourceManagementClient:
        from azure.mgmt.resource.resources import ResourceManagementClient

        return self.target.mgmt(ResourceManagementClient)

    @cached_property
    def features(self) -> FeatureClient:
        from azure.mgmt.resource.features import FeatureClient

        return self.target.mgmt(FeatureClient)

    @cached_property
    def subscriptions(self) -> SubscriptionClient:
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        return SubscriptionClient(self.target.credential, **self.target.client_options())

    @cached_property
    def msi(self) -> ManagedServiceIdentityClient:
        from azure.mgmt.msi import ManagedServiceIdentityClient

        return self.target.mgmt(ManagedServiceIdentityClient)

    @cached_property
    def authorization(self) -> AuthorizationManagementClient:
        from azure.mgmt.authorization import AuthorizationManagementClient

        return self.target.mgmt(AuthorizationManagementClient)

    @cached_property
    def dns(self) -> DnsManagementClient:
        from azure.mgmt.dns import DnsManagementClient

        return self.target.mgmt(DnsManagementClient)

    @cached_property
    def aks(self) -> ContainerServiceClient:
        from azure.mgmt.containerservice import ContainerServiceClient

        return self.target.mgmt(ContainerServiceClient)
