"""Microsoft.Resources URL templates → handlers and Azure actions."""

from podid.sandbox.arm._routing import ApiVersions, Route, served_on
from podid.sandbox.arm.resources import handlers

_SUB = "/subscriptions/{subscriptionId}"
_GROUP = _SUB + "/resourcegroups/{resourceGroupName}"
# ARM prints this action lower-cased in AuthorizationFailed (e.g. Azure/azure-cli#29802); RBAC matches it
# case-insensitively against roles, which spell it `resourceGroups`.
_GROUP_ACTION = "Microsoft.Resources/subscriptions/resourcegroups/"
_PROVIDER = _SUB + "/providers/{namespace}"

# ARM's own list, in its order, as its InvalidApiVersionParameter printed it in 2024 (pulumi/pulumi-azure-native
# #3637), with the later versions of the resources and subscriptions specs (azure-rest-api-specs
# specification/resources) that azure-mgmt-resource 26 (2025-04-01) and az 2.91 (2024-11-01) send.
API_VERSIONS = ApiVersions.listed(
    "Microsoft.Resources",
    (
        "2025-04-01,2025-03-01,2024-11-01,2024-08-01,2024-07-01,2024-06-01-preview,2024-03-01,2023-07-01,"
        "2023-07-01-preview,2023-03-01-preview,2022-12-01,2022-11-01-preview,2022-09-01,2022-06-01,2022-05-01,"
        "2022-03-01-preview,2022-01-01,2021-04-01,2021-01-01,2020-10-01,2020-09-01,2020-08-01,2020-07-01,"
        "2020-06-01,2020-05-01,2020-01-01,2019-11-01,2019-10-01,2019-09-01,2019-08-01,2019-07-01,2019-06-01,"
        "2019-05-10,2019-05-01,2019-03-01,2018-11-01,2018-09-01,2018-08-01,2018-07-01,2018-06-01,2018-05-01,"
        "2018-02-01,2018-01-01,2017-12-01,2017-08-01,2017-06-01,2017-05-10,2017-05-01,2017-03-01,2016-09-01,"
        "2016-07-01,2016-06-01,2016-02-01,2015-11-01,2015-01-01,2014-04-01-preview,2014-04-01,2014-01-01,"
        "2013-03-01,2014-02-26,2014-04"
    ),
)

ROUTES = served_on(
    API_VERSIONS,
    [
        Route(
            "PUT",
            _GROUP,
            handlers.create_or_update_group,
            _GROUP_ACTION + "write",
            operation_id="ResourceGroups_CreateOrUpdate",
        ),
        Route("GET", _GROUP, handlers.get_group, _GROUP_ACTION + "read", operation_id="ResourceGroups_Get"),
        Route(
            "HEAD", _GROUP, handlers.check_group, _GROUP_ACTION + "read", operation_id="ResourceGroups_CheckExistence"
        ),
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
        Route(
            "GET", "/subscriptions", handlers.list_subscriptions, "", authorize=False, operation_id="Subscriptions_List"
        ),
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
    ],
)
