"""Microsoft.Compute URL templates → handlers and Azure actions."""

from podid.sandbox.arm._routing import ApiVersions, Route, served_on
from podid.sandbox.arm.compute import handlers

_SUB = "/subscriptions/{subscriptionId}"
_GROUP = _SUB + "/resourceGroups/{resourceGroupName}"
_PROVIDER = "/providers/Microsoft.Compute"
_VMSS = _GROUP + _PROVIDER + "/virtualMachineScaleSets/{vmScaleSetName}"
_VMSS_ACTION = "Microsoft.Compute/virtualMachineScaleSets/"
_VM_ACTION = "Microsoft.Compute/virtualMachines/read"

# The ComputeRP versions of azure-rest-api-specs specification/compute, and the ones clients send here:
# azure-mgmt-compute 39 2026-04-01, az 2.91 2024-11-01, the pod-identity demo (go-autorest) 2019-12-01.
API_VERSIONS = ApiVersions.listed(
    "Microsoft.Compute",
    (
        "2015-05-01-preview,2015-06-15,2016-03-30,2016-04-30-preview,2017-03-30,2017-12-01,2018-04-01,"
        "2018-06-01,2018-10-01,2019-03-01,2019-07-01,2019-12-01,2020-06-01,2020-12-01,2021-03-01,2021-04-01,"
        "2021-07-01,2021-11-01,2022-03-01,2022-08-01,2022-11-01,2023-03-01,2023-07-01,2023-09-01,2024-03-01,"
        "2024-07-01,2024-11-01,2025-04-01,2026-04-01"
    ),
)

ROUTES = served_on(
    API_VERSIONS,
    [
        Route("GET", _VMSS, handlers.get_scale_set, _VMSS_ACTION + "read", operation_id="VirtualMachineScaleSets_Get"),
        Route(
            "PATCH",
            _VMSS,
            handlers.update_scale_set,
            _VMSS_ACTION + "write",
            operation_id="VirtualMachineScaleSets_Update",
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
    ],
)
