"""Microsoft.ManagedIdentity URL templates → handlers and Azure actions."""

from podid.sandbox.arm._routing import ApiVersions, Route, served_on
from podid.sandbox.arm.managedidentity import handlers

_SUB = "/subscriptions/{subscriptionId}"
_GROUP = _SUB + "/resourceGroups/{resourceGroupName}"
_NAMESPACE = "/providers/Microsoft.ManagedIdentity"
_IDENTITIES = _NAMESPACE + "/userAssignedIdentities"
_IDENTITY = _GROUP + _IDENTITIES + "/{resourceName}"
_CREDENTIALS = _IDENTITY + "/federatedIdentityCredentials"
_CREDENTIAL = _CREDENTIALS + "/{federatedIdentityCredentialResourceName}"
_ACTION = "Microsoft.ManagedIdentity/userAssignedIdentities/"
_FIC_ACTION = _ACTION + "federatedIdentityCredentials/"

# The versions of azure-rest-api-specs specification/msi: azure-mgmt-msi 7.1 sends 2024-11-30 (2018-11-30,
# 2021-09-30-preview and 2022-01-31-preview on request), az 2.91 2022-01-31-preview, and its aaz commands
# 2025-05-31-preview (identities) and 2025-01-31-preview (federated credentials).
API_VERSIONS = ApiVersions.listed(
    "Microsoft.ManagedIdentity",
    (
        "2015-08-31-preview,2018-11-30,2021-09-30-preview,2022-01-31-preview,2023-01-31,2023-07-31-preview,"
        "2024-11-30,2025-01-31-preview,2025-05-31-preview"
    ),
)

# Collection URLs are authorised over `.../providers/Microsoft.ManagedIdentity`, as ARM reports them, which
# the deepest complete scope above (the group or the subscription) governs.
ROUTES = served_on(
    API_VERSIONS,
    [
        Route(
            "PUT",
            _IDENTITY,
            handlers.create_or_update_identity,
            _ACTION + "write",
            operation_id="UserAssignedIdentities_CreateOrUpdate",
        ),
        Route("GET", _IDENTITY, handlers.get_identity, _ACTION + "read", operation_id="UserAssignedIdentities_Get"),
        Route(
            "PATCH",
            _IDENTITY,
            handlers.update_identity,
            _ACTION + "write",
            operation_id="UserAssignedIdentities_Update",
        ),
        Route(
            "DELETE",
            _IDENTITY,
            handlers.delete_identity,
            _ACTION + "delete",
            operation_id="UserAssignedIdentities_Delete",
        ),
        Route(
            "GET",
            _GROUP + _IDENTITIES,
            handlers.list_identities_by_group,
            _ACTION + "read",
            scope=_GROUP + _NAMESPACE,
            operation_id="UserAssignedIdentities_ListByResourceGroup",
        ),
        Route(
            "GET",
            _SUB + _IDENTITIES,
            handlers.list_identities_by_subscription,
            _ACTION + "read",
            scope=_SUB + _NAMESPACE,
            operation_id="UserAssignedIdentities_ListBySubscription",
        ),
        Route(
            "PUT",
            _CREDENTIAL,
            handlers.create_or_update_credential,
            _FIC_ACTION + "write",
            operation_id="FederatedIdentityCredentials_CreateOrUpdate",
        ),
        Route(
            "GET",
            _CREDENTIAL,
            handlers.get_credential,
            _FIC_ACTION + "read",
            operation_id="FederatedIdentityCredentials_Get",
        ),
        Route(
            "DELETE",
            _CREDENTIAL,
            handlers.delete_credential,
            _FIC_ACTION + "delete",
            operation_id="FederatedIdentityCredentials_Delete",
        ),
        Route(
            "GET",
            _CREDENTIALS,
            handlers.list_credentials,
            _FIC_ACTION + "read",
            operation_id="FederatedIdentityCredentials_List",
        ),
    ],
)
