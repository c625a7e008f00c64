"""ARM errors: each carries its HTTP status and Azure's wire code; the front door writes the envelope.

ArmError (status, code, message)
├── BadRequest (400): InvalidRequestContent, MissingApiVersionParameter, InvalidApiVersionParameter,
│                     InvalidResourceName, InvalidResourceType, InvalidResourceNamespace, LocationRequired
├── Unauthenticated (401): AuthenticationFailed, InvalidAuthenticationToken, ExpiredAuthenticationToken,
│                          InvalidAuthenticationTokenAudience
├── AuthorizationFailed (403)
├── NotFound (404): SubscriptionNotFound, ResourceGroupNotFound, ResourceNotFound, ParentResourceNotFound
├── Conflict (409)
├── PreconditionFailed (412)
├── RequestContentTooLarge (413)
└── TooManyRequests (429, with Retry-After)
"""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    status = 500
    code = "InternalServerError"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.details = details or []

    def envelope(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


class BadRequest(ArmError):
    status, code = 400, "BadRequest"


class InvalidRequestContent(BadRequest):
    code = "InvalidRequestContent"


class MissingApiVersionParameter(BadRequest):
    code = "MissingApiVersionParameter"

    def __init__(self) -> None:
        super().__init__("The api-version query parameter (?api-version=) is required for all requests.")


class InvalidResourceName(BadRequest):
    code = "InvalidResourceName"


class InvalidResourceType(BadRequest):
    """An unknown resource type, or a known one on an api-version its provider does not serve; ARM then lists
    the ones it does (quoted in Azure/azure-sdk-for-java#28334 and Azure/azure-powershell#12061)."""

    code = "InvalidResourceType"

    def __init__(self, resource_type: str, namespace: str, api_version: str, supported: tuple[str, ...] = ()) -> None:
        listed = f" The supported api-versions are '{','.join(supported)}'." if supported else ""
        super().__init__(
            f"The resource type '{resource_type}' could not be found in the namespace '{namespace}' "
            f"for api version '{api_version}'.{listed}"
        )


class InvalidApiVersionParameter(BadRequest):
    """An api-version ARM's own resource types (Microsoft.Resources) do not serve (quoted in
    ansible-collections/azure#1739 and pulumi/pulumi-azure-native#3637)."""

    code = "InvalidApiVersionParameter"

    def __init__(self, api_version: str, supported: tuple[str, ...]) -> None:
        super().__init__(
            f"The api-version '{api_version}' is invalid. The supported versions are '{','.join(supported)}'."
        )


class InvalidResourceNamespace(BadRequest):
    code = "InvalidResourceNamespace"

    def __init__(self, namespace: str) -> None:
        super().__init__(f"The resource namespace '{namespace}' is invalid.")


class LocationRequired(BadRequest):
    code = "LocationRequired"

    def __init__(self) -> None:
        super().__init__("The location property is required for this definition.")


class InvalidResourceLocation(BadRequest):
    code = "InvalidResourceLocation"

    def __init__(self, name: str, existing: str, resource_group: str, requested: str) -> None:
        super().__init__(
            f"The resource '{name}' already exists in location '{existing}' in resource group '{resource_group}'. "
            f"A resource with the same name cannot be created in location '{requested}'. "
            "Please select a new resource name."
        )


class Unauthenticated(ArmError):
    status, code = 401, "AuthenticationFailed"


class AuthorizationFailed(ArmError):
    status, code = 403, "AuthorizationFailed"

    def __init__(self, client: str, object_id: str, action: str, scope: str) -> None:
        super().__init__(
            f"The client '{client}' with object id '{object_id}' does not have authorization to perform action "
            f"'{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please "
            "refresh your credentials."
        )


class NotFound(ArmError):
    status, code = 404, "NotFound"


class SubscriptionNotFound(NotFound):
    code = "SubscriptionNotFound"

    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"The subscription '{subscription_id}' could not be found.")


class ResourceGroupNotFound(NotFound):
    code = "ResourceGroupNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"Resource group '{name}' could not be found.")


class ResourceNotFound(NotFound):
    code = "ResourceNotFound"

    def __init__(self, resource_type: str, name: str, resource_group: str) -> None:
        super().__init__(
            f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' was not found. "
            "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        )


class ParentResourceNotFound(NotFound):
    code = "ParentResourceNotFound"

    def __init__(self, parent: str) -> None:
        super().__init__(
            f"Can not perform requested operation on nested resource. Parent resource '{parent}' not found."
        )


class Conflict(ArmError):
    status, code = 409, "Conflict"


class PreconditionFailed(ArmError):
    status, code = 412, "PreconditionFailed"


class RequestContentTooLarge(ArmError):
    """ARM's 4 MB request limit, e.g. https://github.com/Azure/Azure-Landing-Zones/issues/2644 and
    https://github.com/MicrosoftDocs/azure-docs/issues/74251 (a 413)."""

    status, code = 413, "RequestContentTooLarge"

    def __init__(self) -> None:
        super().__init__("The request content size exceeds the maximum size of 4 MB.")


class TooManyRequests(ArmError):
    status, code = 429, "TooManyRequests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
