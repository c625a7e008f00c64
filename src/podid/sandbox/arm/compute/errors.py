"""Errors Microsoft.Compute answers with for scale sets and their identities.

ArmError
├── BadRequest (400): FailedIdentityOperation (an identity to attach does not exist),
│                     InvalidParameter (an identity body the service refuses)
├── LinkedAuthorizationFailed (403): the caller may write the scale set but not assign the identity
└── NotFound (404): ResourceNotFound, ParentResourceNotFound (from arm.errors)

MIC retries on LinkedAuthorizationFailed and FailedIdentityOperation after dropping the identity ids it
finds quoted in the message, so both messages quote every offending id.
"""

from __future__ import annotations

from podid.sandbox.arm.errors import ArmError, BadRequest

ASSIGN_ACTION = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"


class LinkedAuthorizationFailed(ArmError):
    status, code = 403, "LinkedAuthorizationFailed"

    def __init__(self, object_id: str, action: str, scope: str, linked_scopes: list[str]) -> None:
        actions = ",".join(ASSIGN_ACTION for _ in linked_scopes)
        super().__init__(
            f"The client '{object_id}' with object id '{object_id}' has permission to perform action '{action}' on "
            f"scope '{scope}'; however, it does not have permission to perform action(s) '{actions}' on the linked "
            f"scope(s) '{','.join(linked_scopes)}' (respectively) or the linked scope(s) are invalid."
        )


class FailedIdentityOperation(BadRequest):
    code = "FailedIdentityOperation"

    def __init__(self, resource_id: str, identity_id: str) -> None:
        super().__init__(
            f"Identity operation for resource '{resource_id}' failed with error 'Failed to perform resource identity "
            f'operation. Status: \'NotFound\'. Response: \'{{"error":{{"code":"NotFound","message":"Resource '
            f"'{identity_id}' was not found.\"}}}}'.'."
        )


def invalid_identity(message: str) -> BadRequest:
    return BadRequest(message, code="InvalidParameter")
