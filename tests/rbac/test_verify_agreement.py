"""`podid verify` judges a role definition ARM returned by the same rules the sandbox's ARM enforces.

Covers: verify's `allows` on Azure SDK role definitions agreeing with `role_allows` for every built-in role
over a set of actions, and the whole-segment `/*/` standing for no segment — the case where verify's own
copy of the matcher once disagreed: Managed Identity Operator's assign/action, and a custom role whose
`Microsoft.Network/*/dnsZones/A/write` lets a kubelet identity write the zone.
"""

import pytest
from azure.mgmt.authorization.v2022_04_01.models import Permission as SdkPermission
from azure.mgmt.authorization.v2022_04_01.models import RoleDefinition as SdkRoleDefinition

from podid.azure_rbac import BUILTIN_ROLES, RoleDefinition, builtin_role, role_allows
from podid.verify.grants import DNS_WRITE, allows

ACTIONS = [
    DNS_WRITE,
    "Microsoft.Network/dnsZones/read",
    "Microsoft.Network/privateDnsZones/A/write",
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.Compute/virtualMachineScaleSets/write",
    "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
    "Microsoft.ManagedIdentity/userAssignedIdentities/read",
    "Microsoft.ManagedIdentity/userAssignedIdentities/write",
]


def as_returned_by_arm(role: RoleDefinition) -> SdkRoleDefinition:
    permissions = [SdkPermission(actions=list(p.actions), not_actions=list(p.not_actions)) for p in role.permissions]
    return SdkRoleDefinition(role_name=role.role_name, permissions=permissions)


@pytest.mark.parametrize("role", BUILTIN_ROLES, ids=lambda role: role.role_name)
@pytest.mark.parametrize("action", ACTIONS)
def test_verify_agrees_with_the_sandbox(role: RoleDefinition, action: str) -> None:
    assert allows(as_returned_by_arm(role), action) is role_allows(role, action)


def test_a_whole_segment_star_may_stand_for_no_segment() -> None:
    operator = builtin_role("Managed Identity Operator")
    assert operator is not None
    assert allows(as_returned_by_arm(operator), "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action")
    custom = SdkRoleDefinition(
        role_name="records anywhere", permissions=[SdkPermission(actions=["Microsoft.Network/*/dnsZones/A/write"])]
    )
    assert allows(custom, DNS_WRITE)
    assert not allows(custom, "Microsoft.Network/dnsZones/AAAA/write")
