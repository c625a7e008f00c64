"""RbacIndex: decisions from assignments at or above a scope.

Covers: the least-privilege DNS cases (zone-scoped DNS Zone Contributor can write record sets of
its zone but cannot list the RG's zones or touch a sibling zone; Reader on the RG fixes listing),
inheritance from subscription and root, Contributor vs role-assignment writes, case-insensitive
principals/scopes/actions, custom roles resolved through `resolve_role` (including later edits
and deletion), add/replace/remove/clear, `assignments_of`, `assignments_with_role`, and correctness with 10,000
assignments.
"""

import uuid

import pytest

from podid.azure_rbac import CUSTOM_ROLE, Permission, RoleDefinition, builtin_role
from podid.sandbox.rbac import Assignment, Decision, RbacIndex

SUB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"
RG = f"{SUB}/resourceGroups/demo-rg"
ZONES = f"{RG}/providers/Microsoft.Network/dnszones"
ZONE = f"{ZONES}/example.com"
SIBLING = f"{ZONES}/example.org"
IDENTITY = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/external-dns"
ALICE = "5f0c2d1e-0000-4000-8000-000000000001"
BOB = "5f0c2d1e-0000-4000-8000-000000000002"

DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
MANAGED_IDENTITY_OPERATOR = "f1a07417-d97a-45cb-824c-7a7467783830"

ALLOW, NA = Decision.ALLOW, Decision.NOT_APPLICABLE


def assign(scope: str, role: str, principal: str = ALICE, name: str | None = None) -> Assignment:
    return Assignment(name or str(uuid.uuid4()), scope, principal, role)


def index_with(*assignments: Assignment) -> RbacIndex:
    index = RbacIndex(builtin_role)
    for a in assignments:
        index.add(a)
    return index


@pytest.mark.parametrize(
    ("action", "scope", "expected"),
    [
        ("Microsoft.Network/dnszones/A/write", f"{ZONE}/A/www", ALLOW),
        ("Microsoft.Network/dnsZones/TXT/write", f"{ZONE}/TXT/a-www", ALLOW),
        ("Microsoft.Network/dnszones/A/delete", f"{ZONE}/A/www", ALLOW),
        ("Microsoft.Network/dnszones/recordsets/read", f"{ZONE}/recordsets", ALLOW),
        ("Microsoft.Network/dnsZones/read", ZONE, ALLOW),
        ("Microsoft.Network/dnszones/A/write", f"{ZONE.lower()}/a/www", ALLOW),
        ("Microsoft.Network/dnsZones/read", ZONES, NA),
        ("Microsoft.Network/dnsZones/read", RG, NA),
        ("Microsoft.Resources/subscriptions/resourceGroups/read", RG, NA),
        ("Microsoft.Network/dnszones/A/write", f"{SIBLING}/A/www", NA),
        ("Microsoft.Network/dnszones/A/write", f"{ZONES}/example.com.evil/A/www", NA),
        (
            "Microsoft.Network/dnszones/A/write",
            f"{SUB}/resourceGroups/other-rg/providers/Microsoft.Network/dnszones/example.com",
            NA,
        ),
        (
            "Microsoft.Authorization/roleAssignments/write",
            f"{ZONE}/providers/Microsoft.Authorization/roleAssignments/x",
            NA,
        ),
        ("Microsoft.Network/privateDnsZones/A/write", f"{ZONE}/A/www", NA),
    ],
)
def test_zone_scoped_dns_zone_contributor(action, scope, expected):
    index = index_with(assign(ZONE, DNS_ZONE_CONTRIBUTOR))
    assert index.decide(ALICE, action, scope) is expected


def test_reader_on_the_resource_group_allows_listing_zones_but_not_writing_siblings():
    index = index_with(assign(ZONE, DNS_ZONE_CONTRIBUTOR), assign(RG, READER))
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/read", ZONES) is ALLOW
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/read", SIBLING) is ALLOW
    assert index.decide(ALICE, "Microsoft.Network/dnszones/A/write", f"{SIBLING}/A/www") is NA
    assert index.decide(ALICE, "Microsoft.Network/dnszones/A/write", f"{ZONE}/A/www") is ALLOW


@pytest.mark.parametrize("scope", [SUB, SUB.upper() + "/", "/"])
def test_assignments_above_are_inherited(scope):
    index = index_with(assign(scope, CONTRIBUTOR))
    assert index.decide(ALICE, "Microsoft.Network/dnszones/A/write", f"{ZONE}/A/www") is ALLOW
    assert index.decide(ALICE, "Microsoft.Resources/subscriptions/resourceGroups/write", RG) is ALLOW


def test_assignments_below_are_not_inherited_upwards():
    index = index_with(assign(f"{ZONE}/A/www", OWNER))
    assert index.decide(ALICE, "Microsoft.Network/dnszones/A/write", f"{ZONE}/A/www") is ALLOW
    assert index.decide(ALICE, "Microsoft.Network/dnszones/A/write", f"{ZONE}/A/api") is NA
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/write", ZONE) is NA


@pytest.mark.parametrize(
    ("role", "expected"),
    [(CONTRIBUTOR, NA), (OWNER, ALLOW), ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", ALLOW), (READER, NA)],
)
def test_role_assignment_write_needs_owner_or_user_access_administrator(role, expected):
    index = index_with(assign(SUB, role))
    scope = f"{ZONE}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
    assert index.decide(ALICE, "Microsoft.Authorization/roleAssignments/write", scope) is expected


def test_managed_identity_operator_on_the_identity_allows_assign():
    index = index_with(assign(IDENTITY, MANAGED_IDENTITY_OPERATOR))
    action = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
    assert index.decide(ALICE, action, IDENTITY.lower()) is ALLOW
    assert index.decide(ALICE, action, f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other") is NA


def test_principal_and_scope_casing_do_not_matter():
    index = index_with(assign(ZONE.upper(), DNS_ZONE_CONTRIBUTOR, principal=ALICE.upper()))
    assert index.decide(ALICE, "microsoft.network/DNSZONES/a/WRITE", f"{ZONE.lower()}/a/www") is ALLOW


def test_other_principals_get_nothing():
    index = index_with(assign("/", OWNER))
    assert index.decide(BOB, "Microsoft.Network/dnsZones/read", ZONE) is NA


def test_unknown_role_grants_nothing():
    index = index_with(assign(RG, "00000000-0000-0000-0000-000000000000"))
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/read", ZONE) is NA


def test_any_one_assignment_suffices():
    index = index_with(assign(RG, READER), assign(ZONE, DNS_ZONE_CONTRIBUTOR))
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/A/write", f"{ZONE}/A/www") is ALLOW


class CustomRoles:
    """A mutable role store standing in for the sandbox's roleDefinitions table."""

    def __init__(self) -> None:
        self.roles: dict[str, RoleDefinition] = {}

    def put(self, guid: str, *actions: str, not_actions: tuple[str, ...] = ()) -> None:
        self.roles[guid] = RoleDefinition(guid, f"role {guid}", "", CUSTOM_ROLE, (Permission(actions, not_actions),))

    def resolve(self, guid: str) -> RoleDefinition | None:
        return self.roles.get(guid.lower()) or builtin_role(guid)


def test_custom_roles_are_resolved_on_every_decision():
    store = CustomRoles()
    guid = "6a7b8c9d-0000-4000-8000-00000000abcd"
    store.put(guid, "Microsoft.Network/dnsZones/A/*", "Microsoft.Network/dnsZones/read")
    index = RbacIndex(store.resolve)
    index.add(assign(ZONE, guid))
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/A/write", f"{ZONE}/A/www") is ALLOW
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/TXT/write", f"{ZONE}/TXT/www") is NA

    store.put(guid, "Microsoft.Network/dnsZones/*", not_actions=("Microsoft.Network/dnsZones/A/*",))
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/A/write", f"{ZONE}/A/www") is NA
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/TXT/write", f"{ZONE}/TXT/www") is ALLOW

    del store.roles[guid]
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/TXT/write", f"{ZONE}/TXT/www") is NA


def test_custom_and_builtin_roles_mix():
    store = CustomRoles()
    store.put("6a7b8c9d-0000-4000-8000-00000000abcd", "Microsoft.Network/dnsZones/TXT/write")
    index = RbacIndex(store.resolve)
    index.add(assign(ZONE, "6a7b8c9d-0000-4000-8000-00000000abcd"))
    index.add(assign(RG, READER))
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/TXT/write", f"{ZONE}/TXT/x") is ALLOW
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/read", ZONES) is ALLOW
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/A/write", f"{ZONE}/A/x") is NA


def test_remove_revokes_and_ignores_unknown_names():
    grant = assign(ZONE, DNS_ZONE_CONTRIBUTOR, name="3F2D9A4E-1C0B-4E8F-9A77-0D1E2F3A4B5C")
    index = index_with(grant)
    index.remove("00000000-0000-0000-0000-000000000000")
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/read", ZONE) is ALLOW
    index.remove(grant.name.lower())
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/read", ZONE) is NA
    assert index.assignments_of(ALICE) == []
    index.remove(grant.name)


def test_add_with_an_existing_name_replaces_it():
    name = "3f2d9a4e-1c0b-4e8f-9a77-0d1e2f3a4b5c"
    index = index_with(assign(ZONE, DNS_ZONE_CONTRIBUTOR, name=name))
    replacement = assign(SIBLING, DNS_ZONE_CONTRIBUTOR, principal=BOB, name=name.upper())
    index.add(replacement)
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/read", ZONE) is NA
    assert index.decide(BOB, "Microsoft.Network/dnsZones/read", SIBLING) is ALLOW
    assert index.assignments_of(ALICE) == []
    assert index.assignments_of(BOB) == [replacement]


def test_removing_one_of_two_grants_at_a_scope_keeps_the_other():
    reader, contributor = assign(RG, READER), assign(RG, CONTRIBUTOR)
    index = index_with(reader, contributor)
    index.remove(contributor.name)
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/read", ZONE) is ALLOW
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/write", ZONE) is NA


def test_clear_forgets_everything():
    index = index_with(assign("/", OWNER), assign(ZONE, OWNER, principal=BOB))
    index.clear()
    assert index.decide(ALICE, "Microsoft.Network/dnsZones/read", ZONE) is NA
    assert index.assignments_of(BOB) == []


def test_assignments_of_lists_every_scope_in_insertion_order():
    mine = [
        assign(ZONE, DNS_ZONE_CONTRIBUTOR),
        assign(RG, READER),
        assign(IDENTITY, MANAGED_IDENTITY_OPERATOR),
    ]
    index = index_with(*mine, assign(SUB, OWNER, principal=BOB))
    assert index.assignments_of(ALICE.upper()) == mine
    assert index.assignments_of("unknown") == []


def test_returned_list_is_a_copy():
    index = index_with(assign(ZONE, DNS_ZONE_CONTRIBUTOR))
    index.assignments_of(ALICE).clear()
    assert len(index.assignments_of(ALICE)) == 1


def test_assignments_with_role_follow_adds_replacements_and_removals():
    reader, other_reader, owner = assign(RG, READER), assign(ZONE, READER, principal=BOB), assign(SUB, OWNER)
    index = index_with(reader, other_reader, owner)
    assert index.assignments_with_role(READER.upper()) == [reader, other_reader]
    index.remove(reader.name)
    index.add(Assignment(other_reader.name, ZONE, BOB, OWNER))
    assert index.assignments_with_role(READER) == []
    assert len(index.assignments_with_role(OWNER)) == 2
    index.clear()
    assert index.assignments_with_role(OWNER) == []


def test_many_assignments_still_decide_exactly():
    index = RbacIndex(builtin_role)
    for n in range(10_000):
        index.add(assign(f"{ZONES}/zone{n}.example", DNS_ZONE_CONTRIBUTOR, principal=f"principal-{n % 100}"))
    assert index.decide("principal-42", "Microsoft.Network/dnsZones/A/write", f"{ZONES}/zone142.example/A/www") is ALLOW
    assert index.decide("principal-42", "Microsoft.Network/dnsZones/A/write", f"{ZONES}/zone143.example/A/www") is NA
    assert len(index.assignments_of("principal-42")) == 100
