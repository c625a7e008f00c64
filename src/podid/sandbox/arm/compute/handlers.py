"""Microsoft.Compute handlers: scale sets, their instances and the (empty) standalone VM lists."""

from __future__ import annotations

from typing import Any

from podid.sandbox.arm._request import ArmRequest, ArmResponse, ok, page
from podid.sandbox.arm.compute._identity import ScaleSetIdentity
from podid.sandbox.arm.compute.errors import invalid_identity
from podid.sandbox.arm.compute.models import VMSS_TYPE, ComputeBackend, ScaleSetInstance, VirtualMachineScaleSet

Request = ArmRequest[ComputeBackend]

ADMIN_USERNAME = "azureuser"


def identity_to_arm(identity: ScaleSetIdentity, tenant_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": identity.type}
    if identity.system_principal_id:
        body["principalId"], body["tenantId"] = identity.system_principal_id, tenant_id
    if identity.user_assigned:
        body["userAssignedIdentities"] = {key: dict(value) for key, value in identity.user_assigned.items()}
    return body


def vmss_to_arm(vmss: VirtualMachineScaleSet, tenant_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": vmss.id,
        "name": vmss.name,
        "type": VMSS_TYPE,
        "location": vmss.location,
        "tags": vmss.tags,
        "sku": {"name": vmss.sku, "tier": "Standard", "capacity": len(vmss.instances)},
    }
    if vmss.zones:
        body["zones"] = list(vmss.zones)
    body["identity"] = identity_to_arm(vmss.identity, tenant_id)
    body["properties"] = {
        "singlePlacementGroup": False,
        "orchestrationMode": "Uniform",
        "upgradePolicy": {"mode": "Manual"},
        "virtualMachineProfile": {
            "osProfile": {
                "computerNamePrefix": vmss.name,
                "adminUsername": ADMIN_USERNAME,
                "linuxConfiguration": {"disablePasswordAuthentication": True, "provisionVMAgent": True},
            },
            "storageProfile": {
                "osDisk": {"osType": "Linux", "createOption": "FromImage", "caching": "ReadOnly", "diskSizeGB": 128}
            },
        },
        "overprovision": False,
        "doNotRunExtensionsOnOverprovisionedVMs": False,
        "provisioningState": vmss.provisioning_state,
        "uniqueId": vmss.unique_id,
        "platformFaultDomainCount": 1,
        "timeCreated": vmss.time_created,
    }
    return body


def instance_to_arm(vmss: VirtualMachineScaleSet, instance: ScaleSetInstance, tenant_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"{vmss.name}_{instance.instance_id}",
        "id": f"{vmss.id}/virtualMachines/{instance.instance_id}",
        "type": f"{VMSS_TYPE}/virtualMachines",
        "location": vmss.location,
        "tags": vmss.tags,
        "instanceId": instance.instance_id,
        "sku": {"name": vmss.sku, "tier": "Standard"},
    }
    if instance.zone:
        body["zones"] = [instance.zone]
    body["identity"] = identity_to_arm(vmss.identity, tenant_id)
    body["properties"] = {
        "latestModelApplied": True,
        "vmId": instance.vm_id,
        "osProfile": {"computerName": instance.computer_name, "adminUsername": ADMIN_USERNAME},
        "provisioningState": "Succeeded",
    }
    return body


def _tenant(request: Request) -> str:
    return request.settings.tenant_id


def get_scale_set(request: Request) -> ArmResponse:
    vmss = request.backend.virtual_machine_scale_sets_get(
        request.params["resourceGroupName"], request.params["vmScaleSetName"]
    )
    return ok(vmss_to_arm(vmss, _tenant(request)))


def list_scale_sets(request: Request) -> ArmResponse:
    found = request.backend.virtual_machine_scale_sets_list(request.params["resourceGroupName"])
    return page(request, [vmss_to_arm(vmss, _tenant(request)) for vmss in found])


def list_all_scale_sets(request: Request) -> ArmResponse:
    found = request.backend.virtual_machine_scale_sets_list_all()
    return page(request, [vmss_to_arm(vmss, _tenant(request)) for vmss in found])


def update_scale_set(request: Request) -> ArmResponse:
    """PATCH, answered synchronously: 200 with the terminal provisioningState ends the SDK's poller at once."""
    body = request.json()
    identity, tags = body.get("identity"), body.get("tags")
    if identity is not None and not isinstance(identity, dict):
        raise invalid_identity("The value of parameter 'identity' is invalid.")
    vmss = request.backend.virtual_machine_scale_sets_update(
        request.params["resourceGroupName"],
        request.params["vmScaleSetName"],
        identity,
        tags if isinstance(tags, dict) else None,
        request.caller.object_id,
    )
    return ok(vmss_to_arm(vmss, _tenant(request)))


def list_instances(request: Request) -> ArmResponse:
    vmss = request.backend.virtual_machine_scale_sets_get(
        request.params["resourceGroupName"], request.params["vmScaleSetName"]
    )
    return page(request, [instance_to_arm(vmss, item, _tenant(request)) for item in vmss.instances])


def get_instance(request: Request) -> ArmResponse:
    params = request.params
    vmss, instance = request.backend.virtual_machine_scale_set_vms_get(
        params["resourceGroupName"], params["vmScaleSetName"], params["instanceId"]
    )
    return ok(instance_to_arm(vmss, instance, _tenant(request)))


def list_virtual_machines(request: Request) -> ArmResponse:
    return page(request, request.backend.virtual_machines_list(request.params["resourceGroupName"]))


def list_all_virtual_machines(request: Request) -> ArmResponse:
    return page(request, [])


def get_virtual_machine(request: Request) -> ArmResponse:
    return ok(request.backend.virtual_machines_get(request.params["resourceGroupName"], request.params["vmName"]))
