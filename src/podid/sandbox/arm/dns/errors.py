"""The errors Azure DNS answers with, each building its own message.

Azure DNS reports validation failures as 400 ``BadRequest`` and CNAME clashes as 409 ``Conflict`` (observed in
external-dns logs); missing record sets are 404 ``NotFound`` with the resource-record message, missing zones
ARM's ``ResourceNotFound``/``ParentResourceNotFound``.

The DNS provider's own errors travel without ARM's ``error`` wrapper, as ``{"code": …, "message": …}`` (a
response quoted in Azure/azure-cli#27374); ARM's own (authentication, RBAC, missing zones and groups, request
deserialisation) keep it. Clients read both: azure-core's ARMErrorFormat unwraps ``error`` when present.

ArmError
├── BadRequest (400): InvalidDomainName, ZoneNameTooShort, InvalidRecordSet, InvalidZoneType
├── NotFound (404): RecordSetNotFound
├── Conflict (409): CnameConflict
├── PreconditionFailed (412): ConditionNotMet
└── TooManyRequests (429): ZoneThrottled
"""

from __future__ import annotations

from typing import Any

from podid.sandbox.arm.errors import ArmError, BadRequest, Conflict, NotFound, PreconditionFailed, TooManyRequests


class _Bare(ArmError):
    """An error of the DNS provider itself: its body is the bare code and message."""

    def envelope(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


class InvalidRecordSet(_Bare, BadRequest):
    """A record set body or name Azure DNS refuses (limits, duplicates, wrong type, bad values)."""


class InvalidDomainName(InvalidRecordSet):
    def __init__(self, name: str) -> None:
        super().__init__(f"The domain name '{name}' is invalid.")


class ZoneNameTooShort(InvalidRecordSet):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"The zone name '{name}' does not have enough labels. Zone names must have two or more labels."
        )


class InvalidZoneType(_Bare, BadRequest):
    def __init__(self, zone_type: object) -> None:
        super().__init__(f"The zone type '{zone_type}' is invalid. It must be 'Public' or 'Private'.")


class RecordSetNotFound(_Bare, NotFound):
    def __init__(self, name: str, resource_group: str, subscription: str) -> None:
        super().__init__(
            f"The resource record '{name}' does not exist in resource group '{resource_group}' of subscription "
            f"'{subscription}'."
        )


class CnameConflict(_Bare, Conflict):
    def __init__(self, creating_cname: bool) -> None:
        super().__init__(
            "The CNAME record could not be created because another record with the same name already exists in "
            "this zone."
            if creating_cname
            else "The record could not be created because a CNAME record with the same name already exists in "
            "this zone."
        )


class ConditionNotMet(_Bare, PreconditionFailed):
    def __init__(self, header: str, value: str) -> None:
        super().__init__(f"The condition '{value}' in the {header} header was not satisfied.")


class ZoneThrottled(_Bare, TooManyRequests):
    def __init__(self, zone: str, operation: str, retry_after: int) -> None:
        super().__init__(
            f"Number of '{operation}' requests for DNS zone '{zone}' exceeded the limit. Please try again after "
            f"'{retry_after}' seconds.",
            retry_after,
        )
