"""Microsoft.ContainerService URL templates → handlers and Azure actions."""

from podid.sandbox.arm._routing import Route
from podid.sandbox.arm.containerservice import handlers

_SUB = "/subscriptions/{subscriptionId}"
_GROUP = _SUB + "/resourceGroups/{resourceGroupName}"
_CLUSTERS = "/providers/Microsoft.ContainerService/managedClusters"
_CLUSTER = _GROUP + _CLUSTERS + "/{resourceName}"
_ACTION = "Microsoft.ContainerService/managedClusters/"

ROUTES = [
    Route(
        "PUT",
        _CLUSTER,
        handlers.create_or_update_cluster,
        _ACTION + "write",
        operation_id="ManagedClusters_CreateOrUpdate",
    ),
    Route("GET", _CLUSTER, handlers.get_cluster, _ACTION + "read", operation_id="ManagedClusters_Get"),
    Route(
        "PATCH", _CLUSTER, handlers.update_cluster_tags, _ACTION + "write", operation_id="ManagedClusters_UpdateTags"
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
]
