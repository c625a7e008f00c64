"""Microsoft.Network DNS URL templates → handlers and Azure actions.

Listing a resource group's zones is authorised over ``…/resourceGroups/{rg}/providers/Microsoft.Network``
(the scope in Azure's 403), which RBAC governs from the resource group: a zone-scoped role cannot list.
A record type Azure DNS does not serve matches only the ``_UNKNOWN`` routes and gets ARM's 400.
"""

from podid.sandbox.arm._routing import ApiVersions, Route, served_on
from podid.sandbox.arm.dns import handlers

_SUB = "/subscriptions/{subscriptionId}"
_GROUP = _SUB + "/resourceGroups/{resourceGroupName}"
_ZONE = _GROUP + "/providers/Microsoft.Network/dnsZones/{zoneName}"
_TYPES = "A|AAAA|CAA|CNAME|MX|NS|PTR|SOA|SRV|TXT"
_KNOWN = "{recordType:(?:" + _TYPES + ")}"
_UNKNOWN = "{recordType:(?!(?:" + _TYPES + "|recordsets|all)(?:/|$))[^/]+}"
_SET = _ZONE + "/" + _KNOWN + "/{relativeRecordSetName}"
_UNKNOWN_SET = _ZONE + "/" + _UNKNOWN + "/{relativeRecordSetName}"
_ZONE_ACTION = "Microsoft.Network/dnsZones/"
_SET_ACTION = _ZONE_ACTION + "{recordType}/"

# Azure DNS's registration as ARM listed it (Azure/azure-cli#26929, ascending) and 2023-07-01-preview, which it
# serves since az 2.51 sends it (Azure/azure-cli#27149); azure-mgmt-dns 9 sends 2018-05-01.
API_VERSIONS = ApiVersions.listed(
    "Microsoft.Network",
    (
        "2015-05-04-preview,2016-04-01,2017-09-01,2017-09-15-preview,2017-10-01,2018-03-01-preview,"
        "2018-05-01,2023-07-01-preview"
    ),
)

ROUTES = served_on(
    API_VERSIONS,
    [
        Route(
            "PUT", _ZONE, handlers.create_or_update_zone, _ZONE_ACTION + "write", operation_id="Zones_CreateOrUpdate"
        ),
        Route("PATCH", _ZONE, handlers.update_zone, _ZONE_ACTION + "write", operation_id="Zones_Update"),
        Route("GET", _ZONE, handlers.get_zone, _ZONE_ACTION + "read", operation_id="Zones_Get"),
        Route("DELETE", _ZONE, handlers.delete_zone, _ZONE_ACTION + "delete", operation_id="Zones_Delete"),
        Route(
            "GET",
            _GROUP + "/providers/Microsoft.Network/dnsZones",
            handlers.list_zones_by_group,
            _ZONE_ACTION + "read",
            scope=_GROUP + "/providers/Microsoft.Network",
            operation_id="Zones_ListByResourceGroup",
        ),
        Route(
            "GET",
            _SUB + "/providers/Microsoft.Network/dnsZones",
            handlers.list_zones,
            _ZONE_ACTION + "read",
            scope=_SUB + "/providers/Microsoft.Network",
            operation_id="Zones_List",
        ),
        Route(
            "PUT",
            _SET,
            handlers.create_or_update_record_set,
            _SET_ACTION + "write",
            operation_id="RecordSets_CreateOrUpdate",
        ),
        Route("PATCH", _SET, handlers.update_record_set, _SET_ACTION + "write", operation_id="RecordSets_Update"),
        Route("GET", _SET, handlers.get_record_set, _SET_ACTION + "read", operation_id="RecordSets_Get"),
        Route("DELETE", _SET, handlers.delete_record_set, _SET_ACTION + "delete", operation_id="RecordSets_Delete"),
        Route(
            "GET",
            _ZONE + "/" + _KNOWN,
            handlers.list_record_sets_by_type,
            _SET_ACTION + "read",
            operation_id="RecordSets_ListByType",
        ),
        Route(
            "GET",
            _ZONE + "/recordsets",
            handlers.list_record_sets,
            _ZONE_ACTION + "recordsets/read",
            operation_id="RecordSets_ListByDnsZone",
        ),
        Route(
            "GET",
            _ZONE + "/all",
            handlers.list_all_record_sets,
            _ZONE_ACTION + "all/read",
            operation_id="RecordSets_ListAllByDnsZone",
        ),
        *(
            Route(method, _UNKNOWN_SET, handlers.unknown_record_type, "", authorize=False)
            for method in ("PUT", "PATCH", "GET", "DELETE")
        ),
        Route("GET", _ZONE + "/" + _UNKNOWN, handlers.unknown_record_type, "", authorize=False),
    ],
)
