"""The identity of a VM scale set and how a PATCH changes it.

Azure documents it for api-version 2018-06-01 and later (the REST way):
https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-configure-managed-identities-scale-sets

A PATCH's ``identity.userAssignedIdentities`` is merged into the current set: ``{}`` attaches an identity,
``null`` detaches it, ids not sent stay. ``type`` says which kinds remain: dropping ``UserAssigned`` detaches
every user identity, ``None`` removes everything. Identity ids compare case-insensitively (MIC lower-cases
them) and keep the casing of the first attach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from podid.sandbox.arm.compute.errors import invalid_identity

SYSTEM, USER = "SystemAssigned", "UserAssigned"
_TYPES = {"none": frozenset(), "systemassigned": frozenset({SYSTEM}), "userassigned": frozenset({USER})}


@dataclass
class ScaleSetIdentity:
    system_principal_id: str | None = None
    # identity id -> {"principalId", "clientId"}, as the scale set reports it
    user_assigned: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def type(self) -> str:
        kinds = [kind for kind, on in ((SYSTEM, self.system_principal_id), (USER, self.user_assigned)) if on]
        return ", ".join(kinds) or "None"

    def find(self, identity_id: str) -> str | None:
        """The stored spelling of an attached identity id, if attached."""
        return next((key for key in self.user_assigned if key.lower() == identity_id.lower()), None)


@dataclass(frozen=True)
class IdentityPlan:
    system: bool  # whether a system-assigned identity remains
    attach: list[str]  # user identities to add (not attached yet)
    detach: list[str]  # stored ids to remove


def parse_type(raw: Any) -> frozenset[str]:
    """'SystemAssigned, UserAssigned' → both kinds; unknown values are refused as compute does."""
    if not isinstance(raw, str):
        raise invalid_identity(f"The value '{raw}' of parameter 'identity.type' is invalid.")
    kinds: set[str] = set()
    for part in raw.split(","):
        known = _TYPES.get(part.strip().lower())
        if known is None:
            raise invalid_identity(f"The value '{raw}' of parameter 'identity.type' is invalid.")
        kinds |= known
    return frozenset(kinds)


def plan(current: ScaleSetIdentity, patch: dict[str, Any]) -> IdentityPlan:
    """What a PATCH body's ``identity`` asks for, given the current identity."""
    entries = patch.get("userAssignedIdentities") or {}
    if not isinstance(entries, dict):
        raise invalid_identity("The value of parameter 'identity.userAssignedIdentities' is invalid.")
    wanted = [key for key, value in entries.items() if value is not None]
    unwanted = {key.lower() for key, value in entries.items() if value is None}
    remaining = [key for key in current.user_assigned if key.lower() not in unwanted]
    attach = [key for key in dict.fromkeys(wanted) if current.find(key) is None]
    if "type" in patch and patch["type"] is not None:
        kinds = parse_type(patch["type"])
    else:
        kinds = frozenset({SYSTEM} if current.system_principal_id else set()) | (
            {USER} if remaining or attach else set()
        )
    if USER not in kinds:
        if attach:
            raise invalid_identity(
                "The identity type must include 'UserAssigned' when 'identity.userAssignedIdentities' are specified."
            )
        remaining = []
    elif not remaining and not attach:
        raise invalid_identity(
            "The 'identity.userAssignedIdentities' must not be empty when the identity type includes 'UserAssigned'."
        )
    detach = [key for key in current.user_assigned if key not in remaining]
    return IdentityPlan(SYSTEM in kinds, attach, detach)
