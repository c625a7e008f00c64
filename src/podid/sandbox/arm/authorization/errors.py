"""The errors Microsoft.Authorization answers with, each building its own message.

Clients match some of these exactly: `az role assignment create` and aks-preview treat 409
``RoleAssignmentExists`` ("The role assignment already exists.") as success, and the CLI retries while a
message contains " does not exist in the directory ".

ArmError
├── BadRequest (400): InvalidRoleDefinitionId, InvalidRoleAssignmentId, InvalidPrincipalId, PrincipalNotFound,
│                     InvalidPrincipalType,
│                     RoleAssignmentUpdateNotPermitted, RoleDefinitionUpdateNotPermitted, UnsupportedQuery,
│                     InvalidScope, RoleAssignmentScopeNotAssignableToRoleDefinition,
│                     RoleScopeBeingRemovedContainsAssignments,
│                     InvalidRoleDefinition (RoleDefinitionNameNullOrEmpty, InvalidAssignableScopes)
├── NotFound (404): RoleAssignmentNotFound, RoleDefinitionDoesNotExist (400 when an assignment names it)
└── Conflict (409): RoleAssignmentExists, RoleDefinitionWithSameNameExists, RoleDefinitionHasAssignments
"""

from __future__ import annotations

from podid.sandbox.arm.errors import BadRequest, Conflict, NotFound


class InvalidRoleDefinitionId(BadRequest):
    code = "InvalidRoleDefinitionId"

    def __init__(self, definition_id: str) -> None:
        super().__init__(f"The role definition ID '{definition_id}' is not valid.")


class InvalidRoleAssignmentId(BadRequest):
    code = "InvalidRoleAssignmentId"

    def __init__(self, name: str) -> None:
        super().__init__(f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.")


class InvalidPrincipalId(BadRequest):
    code = "InvalidPrincipalId"

    def __init__(self) -> None:
        super().__init__("A valid principal ID must be provided for role assignment.")


class PrincipalNotFound(BadRequest):
    """An assignment without principalType whose principal the directory does not know. Azure prints the id
    without dashes, the tenant with them, and two spaces before "See" (quoted in Azure/avdaccelerator#76 and
    Azure/HubAndSpokeResearchEnclave#50)."""

    code = "PrincipalNotFound"

    def __init__(self, principal_id: str, tenant_id: str) -> None:
        super().__init__(
            f"Principal {principal_id.replace('-', '').lower()} does not exist in the directory {tenant_id}. Check "
            "that you have the correct principal ID. If you are creating this principal and then immediately "
            "assigning a role, this error might be related to a replication delay. In this case, set the role "
            "assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See "
            "https://aka.ms/docs-principaltype"
        )


class InvalidPrincipalType(BadRequest):
    code = "InvalidPrincipalType"

    def __init__(self, principal_type: str) -> None:
        super().__init__(f"The principal type '{principal_type}' is not valid.")


class RoleAssignmentUpdateNotPermitted(BadRequest):
    code = "RoleAssignmentUpdateNotPermitted"

    def __init__(self) -> None:
        super().__init__("Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")


class RoleDefinitionUpdateNotPermitted(BadRequest):
    code = "RoleDefinitionUpdateNotPermitted"

    def __init__(self) -> None:
        super().__init__("Built-in role definitions cannot be modified.")


class UnsupportedQuery(BadRequest):
    code = "UnsupportedQuery"

    def __init__(self, text: str, supported: str) -> None:
        super().__init__(f"The filter '{text}' is not supported. Supported filters are either {supported}.")


class InvalidScope(BadRequest):
    """A scope with an empty, `.` or `..` segment, in a URL or a body.

    Azure documents no service-side code or text for this. The text extends Azure's client-side scope
    validation ("Scope '...' should not have any empty part.", Azure/azure-powershell
    src/Resources/Resources/Models.Authorization/AuthorizationClient.cs, ValidateScope) to dot segments, and
    the code is the plainest name for it.
    """

    code = "InvalidScope"

    def __init__(self, scope: str) -> None:
        super().__init__(f"Scope '{scope}' should not have any empty, '.' or '..' part.")


class RoleAssignmentScopeNotAssignableToRoleDefinition(BadRequest):
    """Assigning a custom role outside its assignableScopes (text as ARM returns it, quoted in
    https://github.com/Azure/ALZ-PowerShell-Module/issues/144)."""

    code = "RoleAssignmentScopeNotAssignableToRoleDefinition"

    def __init__(self, role_name: str) -> None:
        super().__init__(f"The role {role_name} is not available for assignment at the requested scope.")


class RoleScopeBeingRemovedContainsAssignments(BadRequest):
    """Narrowing a custom role's assignableScopes past one of its assignments (text as quoted in
    https://github.com/Azure/bicep/issues/17145)."""

    code = "RoleScopeBeingRemovedContainsAssignments"

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"Role assignments found under scope '{scope}' which is being removed. Removing this scope from the "
            "role will orphan these assignments. Delete these assignments before removing the scope."
        )


class InvalidRoleDefinition(BadRequest):
    """A custom role body Azure refuses."""


class RoleDefinitionNameNullOrEmpty(InvalidRoleDefinition):
    code = "RoleDefinitionNameNullOrEmpty"

    def __init__(self) -> None:
        super().__init__("The role definition name cannot be null or empty.")


class InvalidAssignableScopes(InvalidRoleDefinition):
    code = "InvalidAssignableScopes"

    def __init__(self) -> None:
        super().__init__("The role definition must have at least one assignable scope.")


class RoleAssignmentNotFound(NotFound):
    code = "RoleAssignmentNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"The role assignment '{name}' is not found.")


class RoleDefinitionDoesNotExist(NotFound):
    code = "RoleDefinitionDoesNotExist"

    def __init__(self, guid: str, status: int = 404) -> None:
        super().__init__(
            f"The specified role definition with ID '{guid.replace('-', '')}' does not exist.", status=status
        )


class RoleAssignmentExists(Conflict):
    code = "RoleAssignmentExists"

    def __init__(self) -> None:
        super().__init__("The role assignment already exists.")


class RoleDefinitionWithSameNameExists(Conflict):
    code = "RoleDefinitionWithSameNameExists"

    def __init__(self) -> None:
        super().__init__("A custom role with the same name already exists in this directory. Use a different name.")


class RoleDefinitionHasAssignments(Conflict):
    code = "RoleDefinitionHasAssignments"

    def __init__(self) -> None:
        super().__init__("There are existing role assignments referencing role.")
