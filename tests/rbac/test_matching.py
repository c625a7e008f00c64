"""Action-pattern matching and per-role permission semantics.

Covers: `*` spanning `/`, case-insensitivity, literal treatment of regex/glob metacharacters, the
whole-segment `/*/` that also matches one `/` (Managed Identity Operator's assign/action), a
hypothesis property against an fnmatch-based reference, and notActions only cancelling their own
permission (Contributor vs Microsoft.Authorization writes, multi-permission custom roles).
"""

import fnmatch
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podid.azure_rbac import (
    CUSTOM_ROLE,
    Permission,
    RoleDefinition,
    builtin_role,
    role_allows,
    wildcard_match,
)


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("*", "Microsoft.Network/dnsZones/A/write", True),
        ("*/read", "Microsoft.Network/dnszones/read", True),
        ("*/read", "Microsoft.Network/dnszones/A/read", True),
        ("*/read", "Microsoft.Network/dnszones/A/write", False),
        ("*/read", "Microsoft.Network/dnszones/readers", False),
        ("Microsoft.Network/dnsZones/*", "microsoft.network/dnszones/a/write", True),
        ("Microsoft.Network/dnsZones/*", "Microsoft.Network/dnszones/read", True),
        ("Microsoft.Network/dnsZones/*", "Microsoft.Network/privateDnsZones/A/write", False),
        ("Microsoft.Network/dnsZones/*", "Microsoft.Network/dnsZonesX/read", False),
        ("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write", True),
        ("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/read", False),
        ("Microsoft.Authorization/*/read", "Microsoft.Authorization/roleDefinitions/read", True),
        ("Microsoft.Network/dnsZones/read", "MICROSOFT.NETWORK/DNSZONES/READ", True),
        ("Microsoft.Network/dnsZones/read", "Microsoft.Network/dnsZones/read/extra", False),
        ("Microsoft.Network/dnsZones/read", "x/Microsoft.Network/dnsZones/read", False),
        # `/*/` may stand for no segment (Managed Identity Operator grants these).
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
            True,
        ),
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/read",
            True,
        ),
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
            True,
        ),
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.ManagedIdentity/userAssignedIdentities/write",
            False,
        ),
        ("a/*/b", "a/b", True),
        ("a/*/b", "ab", False),
        ("a*/b", "a/b", True),
        ("a/*b", "a/b", True),
        ("a/*b", "ab", False),
        # Only `*` is special.
        ("Microsoft.Foo/?/read", "Microsoft.Foo/x/read", False),
        ("Microsoft.Foo/[ab]/read", "Microsoft.Foo/a/read", False),
        ("Microsoft.Foo/[ab]/read", "Microsoft.Foo/[ab]/read", True),
        ("Microsoft.Foo/a.b", "Microsoft.Foo/aXb", False),
        ("Microsoft.Foo/(x)+", "Microsoft.Foo/(x)+", True),
        ("", "", True),
        ("", "x", False),
    ],
)
def test_wildcard_table(pattern, action, expected):
    assert wildcard_match(pattern, action) is expected


def _segment_variants(pattern: str) -> set[str]:
    """The pattern plus every way of collapsing whole-segment `/*/` to `/`."""
    seen, todo = {pattern}, [pattern]
    while todo:
        current = todo.pop()
        for m in re.finditer("(?=/\\*/)", current):
            variant = current[: m.start()] + current[m.start() + 2 :]
            if variant not in seen:
                seen.add(variant)
                todo.append(variant)
    return seen


def _reference(pattern: str, action: str) -> bool:
    def glob(p: str) -> str:
        return p.replace("[", "[[]").replace("?", "[?]")

    return any(fnmatch.fnmatchcase(action.lower(), glob(v)) for v in _segment_variants(pattern.lower()))


ALPHABET = st.sampled_from(["a", "B", "/", "*", "?", "[", "]", ".", "\\", "\n", "read"])
patterns = st.lists(ALPHABET, max_size=10).map("".join)
actions = st.lists(st.sampled_from(["a", "b", "/", "?", "[", "]", ".", "\\", "\n", "READ", "A"]), max_size=12).map(
    "".join
)


@given(patterns, actions)
def test_matcher_agrees_with_fnmatch_reference(pattern, action):
    assert wildcard_match(pattern, action) is _reference(pattern, action)


@given(st.text(max_size=30), st.text(max_size=30))
def test_matcher_agrees_with_reference_on_arbitrary_text(pattern, action):
    assert wildcard_match(pattern, action) is _reference(pattern, action)


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_star_in_place_of_any_infix_matches(prefix, infix, suffix):
    pattern = prefix.replace("*", "") + "*" + suffix.replace("*", "")
    assert wildcard_match(pattern, prefix.replace("*", "") + infix + suffix.replace("*", ""))


@given(st.text(alphabet=st.characters(codec="ascii", exclude_characters="*"), max_size=30))
def test_literal_pattern_matches_itself_in_any_case(literal):  # action strings are ASCII
    assert wildcard_match(literal, literal.upper())
    assert wildcard_match(literal.swapcase(), literal)


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("Contributor", "Microsoft.Network/dnsZones/A/write", True),
        ("Contributor", "Microsoft.Authorization/roleAssignments/write", False),
        ("Contributor", "microsoft.authorization/roleassignments/WRITE", False),
        ("Contributor", "Microsoft.Authorization/roleAssignments/delete", False),
        ("Contributor", "Microsoft.Authorization/roleAssignments/read", True),
        ("Contributor", "Microsoft.Authorization/elevateAccess/action", False),
        ("Contributor", "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", True),
        ("Owner", "Microsoft.Authorization/roleAssignments/write", True),
        ("User Access Administrator", "Microsoft.Authorization/roleAssignments/write", True),
        ("User Access Administrator", "Microsoft.Network/dnsZones/read", True),
        ("User Access Administrator", "Microsoft.Network/dnsZones/A/write", False),
        ("Reader", "Microsoft.Resources/subscriptions/resourceGroups/read", True),
        ("Reader", "Microsoft.Network/dnsZones/A/write", False),
        ("Reader", "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", False),
        ("DNS Zone Contributor", "Microsoft.Network/dnszones/TXT/write", True),
        ("DNS Zone Contributor", "Microsoft.Network/dnsZones/delete", True),
        ("DNS Zone Contributor", "Microsoft.Network/privateDnsZones/A/write", False),
        ("DNS Zone Contributor", "Microsoft.Authorization/roleAssignments/write", False),
        ("DNS Zone Contributor", "Microsoft.Authorization/roleAssignments/read", True),
        ("Private DNS Zone Contributor", "Microsoft.Network/privateDnsZones/A/write", True),
        ("Private DNS Zone Contributor", "Microsoft.Network/dnsZones/A/write", False),
        ("Network Contributor", "Microsoft.Network/dnsZones/A/write", True),
        ("Network Contributor", "Microsoft.Compute/virtualMachineScaleSets/write", False),
        ("Virtual Machine Contributor", "Microsoft.Compute/virtualMachineScaleSets/write", True),
        (
            "Virtual Machine Contributor",
            "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
            False,
        ),
        ("Managed Identity Operator", "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", True),
        ("Managed Identity Operator", "Microsoft.ManagedIdentity/userAssignedIdentities/read", True),
        ("Managed Identity Operator", "Microsoft.ManagedIdentity/userAssignedIdentities/write", False),
        ("Managed Identity Contributor", "Microsoft.ManagedIdentity/userAssignedIdentities/write", True),
        (
            "Managed Identity Contributor",
            "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
            False,
        ),
        (
            "Managed Identity Contributor",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
            True,
        ),
    ],
)
def test_builtin_role_allows(role, action, allowed):
    definition = builtin_role(role)
    assert definition is not None
    assert role_allows(definition, action) is allowed


def _custom(*permissions: Permission) -> RoleDefinition:
    return RoleDefinition("11111111-2222-3333-4444-555555555555", "custom", "", CUSTOM_ROLE, permissions)


def test_not_action_only_cancels_its_own_permission():
    role = _custom(
        Permission(("Microsoft.Network/*",), ("Microsoft.Network/dnsZones/*",)),
        Permission(("Microsoft.Network/dnsZones/A/*",)),
    )
    assert role_allows(role, "Microsoft.Network/dnsZones/A/write")
    assert not role_allows(role, "Microsoft.Network/dnsZones/TXT/write")
    assert role_allows(role, "Microsoft.Network/virtualNetworks/read")


def test_data_actions_do_not_grant_control_plane_actions():
    role = _custom(Permission((), data_actions=("*",)))
    assert not role_allows(role, "Microsoft.Network/dnsZones/read")


def test_role_without_permissions_allows_nothing():
    assert not role_allows(_custom(), "Microsoft.Network/dnsZones/read")
