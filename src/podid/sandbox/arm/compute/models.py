"""Microsoft.Compute: the VM scale sets AKS creates in a node resource group, their instances and identities.

Scale sets are created, scaled and deleted by AKS (``containerservice``) through Python calls; clients read
them and PATCH their ``identity`` (as MIC and AKS's pod identity do). Instances share their scale set's
identity (uniform orchestration) and are not standalone VMs, so ``virtualMachines`` lists stay empty.
Ids use the upper-cased resource group name, as the compute provider returns them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from podid.sandbox.arm.compute._identity import IdentityPlan, ScaleSetIdentity, plan
from podid.sandbox.arm.compute.errors import ASSIGN_ACTION, FailedIdentityOperation, LinkedAuthorizationFailed
from podid.sandbox.arm.errors import ResourceNotFound
from podid.sandbox.arm.provider import Shared
from podid.sandbox.arm.siblings import Authorizer, Identities, ResourceGroups
from podid.sandbox.core.tokens import TokenService
from podid.sandbox.directory import Directory

VMSS_KIND = "virtualMachineScaleSet"
VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets"
VM_TYPE = "Microsoft.Compute/virtualMachines"
WRITE_ACTION = "Microsoft.Compute/virtualMachineScaleSets/write"
_SUBNET = ipaddress.IPv4Network("10.224.0.0/16")  # AKS's default node subnet in aks-vnet
_FIRST_HOST = 4  # Azure reserves the first four addresses of every subnet


@dataclass
class ScaleSetInstance:
    instance_id: str
    computer_name: str
    zone: str | None
    vm_id: str
    private_ip: str


@dataclass
class VirtualMachineScaleSet:
    id: str
    name: str
    resource_group: str
    location: str
    sku: str
    zones: list[str]
    tags: dict[str, str]
    unique_id: str
    time_created: str
    identity: ScaleSetIdentity = field(default_factory=ScaleSetIdentity)
    instances: list[ScaleSetInstance] = field(default_factory=list)
    next_instance: int = 0
    provisioning_state: str = "Succeeded"

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> VirtualMachineScaleSet:
        fields = dict(doc)
        fields["identity"] = ScaleSetIdentity(**doc["identity"])
        fields["instances"] = [ScaleSetInstance(**item) for item in doc["instances"]]
        return cls(**fields)

    def instance_zone(self, index: int) -> str | None:
        """Instances spread round-robin over the scale set's zones, as zone-balanced VMSS place them."""
        return self.zones[index % len(self.zones)] if self.zones else None


class ComputeBackend:
    """Scale sets by lower-cased id, stored under their (node) resource group so group deletion purges them."""

    def __init__(
        self,
        shared: Shared,
        *,
        resources: ResourceGroups,
        identities: Identities,
        authorization: Authorizer,
        directory: Directory,
        tokens: TokenService,
    ) -> None:
        self._settings, self._store, self._ids, self._clock = shared.settings, shared.store, shared.ids, shared.clock
        self._resources, self._identities, self._authorization = resources, identities, authorization
        self._directory, self._tokens = directory, tokens
        resources.on_delete_under(self._forget_under)

    def group_scope(self, group: str) -> str:
        return f"/subscriptions/{self._settings.subscription_id}/resourceGroups/{group.upper()}"

    def vmss_id(self, group: str, name: str) -> str:
        return f"{self.group_scope(group)}/providers/{VMSS_TYPE}/{name}"

    # operations AKS drives

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
    ) -> VirtualMachineScaleSet:
        vmss = VirtualMachineScaleSet(
            self.vmss_id(group, name),
            name,
            group.upper(),
            location,
            sku,
            list(zones),
            dict(tags),
            self._ids.guid(),
            self._clock.isoformat(),
        )
        self._apply(vmss, IdentityPlan(False, identities, []))
        self._resize(vmss, capacity)
        self._save(vmss)
        return vmss

    def virtual_machine_scale_sets_scale(self, vmss_id: str, capacity: int) -> VirtualMachineScaleSet:
        vmss = self.get_by_id(vmss_id)
        self._resize(vmss, capacity)
        self._save(vmss)
        return vmss

    def virtual_machine_scale_sets_delete(self, vmss_id: str) -> None:
        vmss = self.find_by_id(vmss_id)
        if vmss is not None:
            self._drop_system_principal(vmss)
            self._store.delete(VMSS_KIND, vmss.id)

    # reads

    def find_by_id(self, vmss_id: str) -> VirtualMachineScaleSet | None:
        doc = self._store.get(VMSS_KIND, vmss_id)
        return VirtualMachineScaleSet.from_doc(doc) if doc else None

    def get_by_id(self, vmss_id: str) -> VirtualMachineScaleSet:
        vmss = self.find_by_id(vmss_id)
        if vmss is None:
            parts = vmss_id.rstrip("/").split("/")
            raise ResourceNotFound(VMSS_TYPE, parts[-1], parts[4] if len(parts) > 4 else "")
        return vmss

    def virtual_machine_scale_sets_get(self, group: str, name: str) -> VirtualMachineScaleSet:
        self._resources.resource_groups_get(group)
        vmss = self.find_by_id(self.vmss_id(group, name))
        if vmss is None:
            raise ResourceNotFound(VMSS_TYPE, name, group)
        return vmss

    def virtual_machine_scale_sets_list(self, group: str) -> list[VirtualMachineScaleSet]:
        self._resources.resource_groups_get(group)
        return [
            VirtualMachineScaleSet.from_doc(doc) for doc in self._store.children(VMSS_KIND, self.group_scope(group))
        ]

    def virtual_machine_scale_sets_list_all(self) -> list[VirtualMachineScaleSet]:
        return [VirtualMachineScaleSet.from_doc(doc) for doc in self._store.all(VMSS_KIND)]

    def virtual_machine_scale_set_vms_get(
        self, group: str, name: str, instance_id: str
    ) -> tuple[VirtualMachineScaleSet, ScaleSetInstance]:
        vmss = self.virtual_machine_scale_sets_get(group, name)
        found = next((item for item in vmss.instances if item.instance_id == instance_id), None)
        if found is None:
            raise ResourceNotFound(f"{VMSS_TYPE}/virtualMachines", f"{name}/{instance_id}", group)
        return vmss, found

    def virtual_machines_list(self, group: str) -> list[dict[str, Any]]:
        """Standalone VMs; scale-set instances are not among them, and AKS creates no others."""
        self._resources.resource_groups_get(group)
        return []

    def virtual_machines_get(self, group: str, name: str) -> dict[str, Any]:
        self._resources.resource_groups_get(group)
        raise ResourceNotFound(VM_TYPE, name, group)

    # identity

    def virtual_machine_scale_sets_update(
        self, group: str, name: str, identity: dict[str, Any] | None, tags: dict[str, str] | None, caller: str
    ) -> VirtualMachineScaleSet:
        """PATCH: tags are replaced when sent; the identity changes as `_identity.plan` says."""
        vmss = self.virtual_machine_scale_sets_get(group, name)
        if identity is not None:
            self._change_identity(vmss, plan(vmss.identity, identity), caller)
        if tags is not None:
            vmss.tags = tags
        self._save(vmss)
        return vmss

    def vmss_assign_identities(
        self, vmss_id: str, add: list[str], remove: list[str], acting_principal: str | None = None
    ) -> ScaleSetIdentity:
        """Attach and detach user-assigned identities as one change (what MIC's PATCH does).

        With ``acting_principal``, the change is authorised as ARM would for that principal: it needs
        assign/action on every identity it attaches (else LinkedAuthorizationFailed).
        """
        vmss = self.get_by_id(vmss_id)
        unwanted = {key.lower() for key in remove} - {key.lower() for key in add}
        attach = [key for key in dict.fromkeys(add) if vmss.identity.find(key) is None]
        detach = [key for key in vmss.identity.user_assigned if key.lower() in unwanted]
        change = IdentityPlan(vmss.identity.system_principal_id is not None, attach, detach)
        self._change_identity(vmss, change, acting_principal)
        self._save(vmss)
        return vmss.identity

    def vmss_identities(self, vmss_id: str) -> list[str]:
        """The user-assigned identity ids attached to a scale set (and so to all its instances)."""
        return list(self.get_by_id(vmss_id).identity.user_assigned)

    def _change_identity(self, vmss: VirtualMachineScaleSet, change: IdentityPlan, caller: str | None) -> None:
        if caller is not None:
            denied = [key for key in change.attach if not self._authorization.allows(caller, ASSIGN_ACTION, key)]
            if denied:
                raise LinkedAuthorizationFailed(caller, WRITE_ACTION, vmss.id, denied)
        self._apply(vmss, change)

    def _apply(self, vmss: VirtualMachineScaleSet, change: IdentityPlan) -> None:
        attached = {}
        for key in change.attach:
            identity = self._identities.get_by_id(key)
            if identity is None:
                raise FailedIdentityOperation(vmss.id, key)
            attached[identity.id] = {"principalId": identity.principal_id, "clientId": identity.client_id}
        for key in change.detach:
            vmss.identity.user_assigned.pop(key, None)
        vmss.identity.user_assigned.update(attached)
        if change.system and vmss.identity.system_principal_id is None:
            principal = self._directory.create_managed_identity_principal(vmss.id, vmss.name)
            vmss.identity.system_principal_id = principal.object_id
        elif not change.system:
            self._drop_system_principal(vmss)

    def _drop_system_principal(self, vmss: VirtualMachineScaleSet) -> None:
        if vmss.identity.system_principal_id is not None:
            self._directory.delete_service_principal(vmss.identity.system_principal_id)
            self._tokens.forget(vmss.identity.system_principal_id)
            vmss.identity.system_principal_id = None

    # instances

    def _resize(self, vmss: VirtualMachineScaleSet, capacity: int) -> None:
        """Scale out with new instance ids and the lowest free subnet addresses; scale in from the newest."""
        del vmss.instances[capacity:]
        used = {item.private_ip for other in self._group_sets(vmss) for item in other.instances}
        used |= {item.private_ip for item in vmss.instances}
        while len(vmss.instances) < capacity:
            ip = next(str(host) for host in islice(_SUBNET.hosts(), _FIRST_HOST - 1, None) if str(host) not in used)
            used.add(ip)
            index = vmss.next_instance
            vmss.instances.append(
                ScaleSetInstance(str(index), f"{vmss.name}{index:06d}", vmss.instance_zone(index), self._ids.guid(), ip)
            )
            vmss.next_instance += 1

    def _group_sets(self, vmss: VirtualMachineScaleSet) -> list[VirtualMachineScaleSet]:
        docs = self._store.children(VMSS_KIND, self.group_scope(vmss.resource_group))
        return [VirtualMachineScaleSet.from_doc(doc) for doc in docs if doc["id"].lower() != vmss.id.lower()]

    def _forget_under(self, prefix: str) -> None:
        """A resource group is going: its scale sets' system-assigned principals go with it."""
        for key in self._store.keys(VMSS_KIND, prefix):
            vmss = self.find_by_id(key)
            if vmss is not None:
                self._drop_system_principal(vmss)

    def _save(self, vmss: VirtualMachineScaleSet) -> None:
        self._store.put(VMSS_KIND, vmss.id, asdict(vmss), parent=self.group_scope(vmss.resource_group))
