"""Microsoft.Resources URL templates → handlers and Azure actions."""

from podid.sandbox.arm._routing import Route
from podid.sandbox.arm.resources import handlers

_SUB = "/subscriptions/{subscriptionId}"
_GROUP = _SUB + "/resourcegroups/{resourceGroupName}"
# ARM prints this action lower-cased in AuthorizationFailed (e.g. Azure/azure-cli#29802); RBAC matches it
# case-insensitively against roles, which spell it `resourceGroups`.
_GROUP_ACTION = "Microsoft.Resources/subscriptions/resourcegroups/"
_PROVIDER = _SUB + "/providers/{namespace}"

ROUTES = [
    Route(
        "PUT",
        _GROUP,
        handlers.create_or_update_group,
        _GROUP_ACTION + "write",
        operation_id="ResourceGroups_CreateOrUpdate",
    ),
    Route("GET", _GROUP, handlers.get_group, _GROUP_ACTION + "read", operation_id="ResourceGroups_Get"),
    Route("HEAD", _GROUP, handlers.check_group, _GROUP_ACTION + "read", operation_id="ResourceGroups_CheckExistence"),
    Route("PATCH", _GROUP, handlers.update_group, _GROUP_ACTION + "write", operation_id="ResourceGroups_Update"),
    Route("DELETE", _GROUP, handlers.delete_group, _GROUP_ACTION + "delete", operation_id="ResourceGroups_Delete"),
    Route(
        "GET",
        _SUB + "/resourcegroups",
        handlers.list_groups,
        _GROUP_ACTION + "read",
        scope=_SUB,
        operation_id="ResourceGroups_List",
    ),
    Route("GET", "/subscriptions", handlers.list_subscriptions, "", authorize=False, operation_id="Subscriptions_List"),
    Route("GET", _SUB, handlers.get_subscription, "", authorize=False, operation_id="Subscriptions_Get"),
    Route("GET", "/tenants", handlers.list_tenants, "", authorize=False, operation_id="Tenants_List"),
    Route(
        "GET",
        _SUB + "/locations",
        handlers.list_locations,
        "",
        authorize=False,
        operation_id="Subscriptions_ListLocations",
    ),
    Route(
        "GET",
        _SUB + "/providers",
        handlers.list_providers,
        "Microsoft.Resources/subscriptions/providers/read",
        scope=_SUB,
        operation_id="Providers_List",
    ),
    Route(
        "GET",
        _PROVIDER,
        handlers.get_provider,
        "Microsoft.Resources/subscriptions/providers/read",
        scope=_SUB,
        operation_id="Providers_Get",
    ),
    Route(
        "POST",
        _PROVIDER + "/register",
        handlers.register_provider,
        "{namespace}/register/action",
        scope=_SUB,
        operation_id="Providers_Register",
    ),
    Route(
        "POST",
        _PROVIDER + "/unregister",
        handlers.unregister_provider,
        "{namespace}/unregister/action",
        scope=_SUB,
        operation_id="Providers_Unregister",
    ),
]
