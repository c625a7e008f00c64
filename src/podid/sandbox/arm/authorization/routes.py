"""Microsoft.Authorization URL templates → handlers and Azure actions.

Role assignments and definitions are extension resources: ``{scope}`` is any ARM id (subscription, group,
resource, nested resource), and the tenant root has the same routes without it. An operation on one
assignment is authorised over the assignment's own id, as Azure reports it in AuthorizationFailed.
"""

from podid.sandbox.arm._routing import ApiVersions, Handler, Route, served_on
from podid.sandbox.arm.authorization import handlers

_SCOPE = "{scope:/.+?}"
_PROVIDER = "/providers/Microsoft.Authorization"
_ASSIGNMENTS = _PROVIDER + "/roleAssignments"
_ASSIGNMENT = _ASSIGNMENTS + "/{roleAssignmentName}"
_DEFINITIONS = _PROVIDER + "/roleDefinitions"
_DEFINITION = _DEFINITIONS + "/{roleDefinitionId}"
_ASSIGNMENT_ACTION = "Microsoft.Authorization/roleAssignments/"
_DEFINITION_ACTION = "Microsoft.Authorization/roleDefinitions/"


def _at_any_scope(method: str, path: str, handler: Handler, action: str, operation_id: str) -> list[Route]:
    """The route under a scope and at the tenant root; collections are authorised over their scope."""
    collection = path in {_ASSIGNMENTS, _DEFINITIONS}
    return [
        Route(
            method, _SCOPE + path, handler, action, scope="{scope}" if collection else None, operation_id=operation_id
        ),
        Route(method, path, handler, action, scope="/" if collection else None, operation_id=operation_id),
    ]


# Role assignments' registration as ARM listed it in 2022 (Azure/azure-sdk-for-java#28334, ascending), with
# 2022-04-01 and 2022-05-01-preview, the versions azure-mgmt-authorization 4 and az 2.91 send.
API_VERSIONS = ApiVersions.listed(
    "Microsoft.Authorization",
    (
        "2014-04-01-preview,2014-07-01-preview,2014-10-01-preview,2015-05-01-preview,2015-06-01,2015-07-01,"
        "2016-07-01,2017-05-01,2017-09-01,2017-10-01-preview,2018-01-01-preview,2018-07-01,2018-09-01-preview,"
        "2018-12-01-preview,2019-04-01-preview,2020-03-01-preview,2020-04-01-preview,2020-08-01-preview,"
        "2020-10-01-preview,2021-04-01-preview,2022-01-01-preview,2022-04-01,2022-05-01-preview"
    ),
)

ROUTES = served_on(
    API_VERSIONS,
    [
        *_at_any_scope(
            "PUT", _ASSIGNMENT, handlers.create_assignment, _ASSIGNMENT_ACTION + "write", "RoleAssignments_Create"
        ),
        *_at_any_scope("GET", _ASSIGNMENT, handlers.get_assignment, _ASSIGNMENT_ACTION + "read", "RoleAssignments_Get"),
        *_at_any_scope(
            "DELETE", _ASSIGNMENT, handlers.delete_assignment, _ASSIGNMENT_ACTION + "delete", "RoleAssignments_Delete"
        ),
        *_at_any_scope(
            "GET", _ASSIGNMENTS, handlers.list_assignments, _ASSIGNMENT_ACTION + "read", "RoleAssignments_ListForScope"
        ),
        *_at_any_scope("GET", _DEFINITION, handlers.get_definition, _DEFINITION_ACTION + "read", "RoleDefinitions_Get"),
        *_at_any_scope(
            "PUT",
            _DEFINITION,
            handlers.create_definition,
            _DEFINITION_ACTION + "write",
            "RoleDefinitions_CreateOrUpdate",
        ),
        *_at_any_scope(
            "DELETE", _DEFINITION, handlers.delete_definition, _DEFINITION_ACTION + "delete", "RoleDefinitions_Delete"
        ),
        *_at_any_scope(
            "GET", _DEFINITIONS, handlers.list_definitions, _DEFINITION_ACTION + "read", "RoleDefinitions_List"
        ),
    ],
)
