"""The errors Microsoft.ManagedIdentity answers with, each building its own message.

The managed identity service reports every rejected body as 400 ``BadRequest`` (its observed messages:
"Federated Identity Credential must specify 'issuer', 'subject' and 'audience'.", "Issuer and subject
combination already exists for this Managed Identity."); names, locations and missing resources get ARM's
generic codes.

ArmError
├── BadRequest (400): InvalidIdentityName, InvalidFederatedCredential (InvalidResourceLocation: arm.errors)
│                     ├── DuplicateIssuerSubject
│                     └── TooManyFederatedCredentials
└── NotFound (404): IdentityNotFound, FederatedCredentialNotFound
"""

from __future__ import annotations

from podid.sandbox.arm.errors import BadRequest, ResourceNotFound

IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
MAX_FEDERATED_CREDENTIALS = 20


class InvalidIdentityName(BadRequest):
    code = "InvalidResourceName"

    def __init__(self, name: str, what: str, limit: int) -> None:
        super().__init__(
            f"Resource name '{name}' is invalid. The name of a {what} must start with a letter or digit, contain "
            f"only letters, digits, '-' and '_', and be 3 to {limit} characters long."
        )


class InvalidFederatedCredential(BadRequest):
    """A federated identity credential body the service refuses."""


class DuplicateIssuerSubject(InvalidFederatedCredential):
    def __init__(self) -> None:
        super().__init__("Issuer and subject combination already exists for this Managed Identity.")


class TooManyFederatedCredentials(InvalidFederatedCredential):
    def __init__(self, identity_id: str) -> None:
        super().__init__(
            f"The managed identity '{identity_id}' already has the maximum of {MAX_FEDERATED_CREDENTIALS} "
            "Federated Identity Credentials."
        )


class IdentityNotFound(ResourceNotFound):
    def __init__(self, name: str, resource_group: str) -> None:
        super().__init__(IDENTITY_TYPE, name, resource_group)


class FederatedCredentialNotFound(ResourceNotFound):
    def __init__(self, identity: str, name: str, resource_group: str) -> None:
        super().__init__(IDENTITY_TYPE, f"{identity}/federatedIdentityCredentials/{name}", resource_group)
