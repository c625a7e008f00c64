"""Microsoft.Compute URL templates → handlers and Azure actions."""

from podid.sandbox.arm._routing import Route
from podid.sandbox.arm.compute import handlers

_SUB = "/subscriptions/{subscriptionId}"
_GROUP = _SUB + "/resourceGroups/{resourceGroupName}"
_PROVIDER = "/providers/Microsoft.Compute"
_VMSS = _GROUP + _PROVIDER + "/virtualMachineScaleSets/{vmScaleSetName}"
_VMSS_ACTION = "Microsoft.Compute/virtualMachineScaleSets/"
_VM_ACTION = "Microsoft.Compute/virtualMachines/read"

ROUTES = [
    Route("GET", _VMSS, handlers.get_scale_set, _VMSS_ACTION + "read", operation_id="VirtualMachineScaleSets_Get"),
    Route(
        "PATCH", _VMSS, handlers.update_scale_set, _VMSS_ACTION + "write", operation_id="VirtualMachineScaleSets_Update"
    ),
    Route(
        "GET",
        _GROUP + _PROVIDER + "/virtualMachineScaleSets",
        handlers.list_scale_sets,
        _VMSS_ACTION + "read",
        scope=_GROUP,
        operation_id="VirtualMachineScaleSets_List",
    ),
    Route(
        "GET",
        _SUB + _PROVIDER + "/virtualMachineScaleSets",
        handlers.list_all_scale_sets,
        _VMSS_ACTION + "read",
        scope=_SUB,
        operation_id="VirtualMachineScaleSets_ListAll",
    ),
    Route(
        "GET",
        _VMSS + "/virtualMachines",
        handlers.list_instances,
        _VMSS_ACTION + "virtualMachines/read",
        operation_id="VirtualMachineScaleSetVMs_List",
    ),
    Route(
        "GET",
        _VMSS + "/virtualMachines/{instanceId}",
        handlers.get_instance,
        _VMSS_ACTION + "virtualMachines/read",
        operation_id="VirtualMachineScaleSetVMs_Get",
    ),
    Route(
        "GET",
        _GROUP + _PROVIDER + "/virtualMachines",
        handlers.list_virtual_machines,
        _VM_ACTION,
        scope=_GROUP,
        operation_id="VirtualMachines_List",
    ),
    Route(
        "GET",
        _SUB + _PROVIDER + "/virtualMachines",
        handlers.list_all_virtual_machines,
        _VM_ACTION,
        scope=_SUB,
        operation_id="VirtualMachines_ListAll",
    ),
    Route(
        "GET",
        _GROUP + _PROVIDER + "/virtualMachines/{vmName}",
        handlers.get_virtual_machine,
        _VM_ACTION,
        operation_id="VirtualMachines_Get",
    ),
]
