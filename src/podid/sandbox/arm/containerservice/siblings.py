"""What AKS asks of the other providers (as Protocols, so that it imports none of them): it creates and deletes
the node resource group, the kubelet identity and one VM scale set per agent pool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from podid.sandbox.arm.siblings import Group, Identities, Identity, ResourceGroups


class NodeGroups(ResourceGroups, Protocol):
    def resource_groups_create_or_update(
        self, name: str, location: object, tags: dict[str, str], managed_by: str | None = None
    ) -> tuple[Group, bool]: ...

    def resource_groups_delete(self, name: str) -> None: ...


class KubeletIdentities(Identities, Protocol):
    def create_or_update(
        self, resource_group: str, name: str, location: str, tags: dict[str, str] | None = None
    ) -> Identity: ...


class Instance(Protocol):
    @property
    def instance_id(self) -> str: ...

    @property
    def computer_name(self) -> str: ...

    @property
    def zone(self) -> str | None: ...

    @property
    def private_ip(self) -> str: ...


class ScaleSet(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def sku(self) -> str: ...

    @property
    def tags(self) -> dict[str, str]: ...

    @property
    def instances(self) -> Sequence[Instance]: ...


class ScaleSets(Protocol):
    """Microsoft.Compute's scale sets, as AKS drives them."""

    def virtual_machine_scale_sets_list(self, group: str) -> Sequence[ScaleSet]: ...

    def virtual_machine_scale_sets_create(
        self,
        group: str,
        name: str,
        location: str,
        *,
        sku: str,
        zones: list[str],
        capacity: int,
        tags: dict[str, str],
        identities: list[str],
    ) -> ScaleSet: ...

    def virtual_machine_scale_sets_scale(self, vmss_id: str, capacity: int) -> ScaleSet: ...

    def virtual_machine_scale_sets_delete(self, vmss_id: str) -> None: ...
