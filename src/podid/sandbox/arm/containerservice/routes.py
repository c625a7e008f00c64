"""Microsoft.ContainerService URL templates → handlers and Azure actions."""

from podid.sandbox.arm._routing import ApiVersions, Route, served_on
from podid.sandbox.arm.containerservice import handlers

_SUB = "/subscriptions/{subscriptionId}"
_GROUP = _SUB + "/resourceGroups/{resourceGroupName}"
_CLUSTERS = "/providers/Microsoft.ContainerService/managedClusters"
_CLUSTER = _GROUP + _CLUSTERS + "/{resourceName}"
_ACTION = "Microsoft.ContainerService/managedClusters/"

# The stable versions of azure-rest-api-specs specification/containerservice (aks) up to 2025-10-01, and the
# ones the pinned clients send: azure-mgmt-containerservice 41.8 2026-08-01, az 2.91 2026-06-01.
API_VERSIONS = ApiVersions.listed(
    "Microsoft.ContainerService",
    (
        "2017-08-31,2018-03-31,2019-02-01,2019-04-01,2019-06-01,2019-08-01,2019-10-01,2019-11-01,2020-01-01,"
        "2020-02-01,2020-03-01,2020-04-01,2020-06-01,2020-07-01,2020-09-01,2020-11-01,2020-12-01,2021-02-01,"
        "2021-03-01,2021-05-01,2021-07-01,2021-08-01,2021-09-01,2021-10-01,2022-01-01,2022-02-01,2022-03-01,"
        "2022-04-01,2022-06-01,2022-07-01,2022-08-01,2022-09-01,2022-11-01,2023-01-01,2023-02-01,2023-03-01,"
        "2023-04-01,2023-05-01,2023-06-01,2023-07-01,2023-08-01,2023-09-01,2023-10-01,2023-11-01,2024-01-01,"
        "2024-02-01,2024-05-01,2024-07-01,2024-08-01,2024-09-01,2024-10-01,2025-01-01,2025-02-01,2025-03-01,"
        "2025-04-01,2025-05-01,2025-06-01,2025-07-01,2025-08-01,2025-09-01,2025-10-01,2026-06-01,2026-08-01"
    ),
)

ROUTES = served_on(
    API_VERSIONS,
    [
        Route(
            "PUT",
            _CLUSTER,
            handlers.create_or_update_cluster,
            _ACTION + "write",
            operation_id="ManagedClusters_CreateOrUpdate",
        ),
        Route("GET", _CLUSTER, handlers.get_cluster, _ACTION + "read", operation_id="ManagedClusters_Get"),
        Route(
            "PATCH",
            _CLUSTER,
            handlers.update_cluster_tags,
            _ACTION + "write",
            operation_id="ManagedClusters_UpdateTags",
        ),
        Route("DELETE", _CLUSTER, handlers.delete_cluster, _ACTION + "delete", operation_id="ManagedClusters_Delete"),
        Route(
            "GET",
            _GROUP + _CLUSTERS,
            handlers.list_clusters,
            _ACTION + "read",
            scope=_GROUP,
            operation_id="ManagedClusters_ListByResourceGroup",
        ),
        Route(
            "GET",
            _SUB + _CLUSTERS,
            handlers.list_all_clusters,
            _ACTION + "read",
            scope=_SUB,
            operation_id="ManagedClusters_List",
        ),
        Route(
            "POST",
            _CLUSTER + "/listClusterUserCredential",
            handlers.list_user_credentials,
            _ACTION + "listClusterUserCredential/action",
            scope=_CLUSTER,
            operation_id="ManagedClusters_ListClusterUserCredentials",
        ),
        Route(
            "POST",
            _CLUSTER + "/listClusterAdminCredential",
            handlers.list_admin_credentials,
            _ACTION + "listClusterAdminCredential/action",
            scope=_CLUSTER,
            operation_id="ManagedClusters_ListClusterAdminCredentials",
        ),
    ],
)
