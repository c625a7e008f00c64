"""Scope normalisation, the ancestor chain, and the at-or-above / at-or-below relations.

Covers: duplicate/trailing slash handling, case folding, record set → zone → RG → subscription → root,
collection URLs (partial `providers/...` paths) resolving to their deepest complete level,
Microsoft.Authorization extension ids resolving to the scope they attach to, names that look like
keywords, the `$filter=atScope()` relations used when listing role assignments, and the well-formedness check
that refuses empty, `.` and `..` segments.
"""

import pytest

from podid.azure_rbac import ancestors, is_at_or_above, is_at_or_below, is_well_formed, normalize_scope, scope_key

SUB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"
RG = f"{SUB}/resourceGroups/Demo-RG"
ZONE = f"{RG}/providers/Microsoft.Network/dnszones/example.com"

sub = SUB.lower()
rg = f"{sub}/resourcegroups/demo-rg"
zone = f"{rg}/providers/microsoft.network/dnszones/example.com"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("", "/"),
        ("/", "/"),
        ("//", "/"),
        (f"/{SUB}/", SUB),
        (f"{SUB}//resourceGroups//Demo-RG/", RG),
        (SUB[1:], SUB),
    ],
)
def test_normalize_keeps_case(raw, normalized):
    assert normalize_scope(raw) == normalized
    assert scope_key(raw) == normalized.lower()


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("/", ["/"]),
        ("", ["/"]),
        (SUB, [sub, "/"]),
        (RG, [rg, sub, "/"]),
        (f"{RG}/", [rg, sub, "/"]),
        (ZONE, [zone, rg, sub, "/"]),
        (f"{ZONE}/A/www", [f"{zone}/a/www", zone, rg, sub, "/"]),
        (f"/{ZONE}//TXT/a-www/", [f"{zone}/txt/a-www", zone, rg, sub, "/"]),
        # Collection URLs and a bare namespace are governed by the level above them.
        (f"{RG}/providers/Microsoft.Network/dnszones", [rg, sub, "/"]),
        (f"{RG}/providers/Microsoft.Network", [rg, sub, "/"]),
        (f"{RG}/providers", [rg, sub, "/"]),
        (f"{ZONE}/A", [zone, rg, sub, "/"]),
        (f"{SUB}/resourceGroups", [sub, "/"]),
        (f"{SUB}/providers/Microsoft.Network/dnszones", [sub, "/"]),
        # Extension resources attach to their scope.
        (f"{ZONE}/providers/Microsoft.Authorization/roleAssignments/3f2d9a4e", [zone, rg, sub, "/"]),
        (f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/befefa01", [sub, "/"]),
        ("/providers/Microsoft.Authorization/roleDefinitions/befefa01", ["/"]),
        # Nested resources: a child's parent resource is an ancestor.
        (
            f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1/federatedIdentityCredentials/f",
            [
                f"{rg}/providers/microsoft.managedidentity/userassignedidentities/id1/federatedidentitycredentials/f",
                f"{rg}/providers/microsoft.managedidentity/userassignedidentities/id1",
                rg,
                sub,
                "/",
            ],
        ),
        # Keywords used as names stay names.
        (f"{SUB}/resourceGroups/providers", [f"{sub}/resourcegroups/providers", sub, "/"]),
        (f"{ZONE}/A/providers", [f"{zone}/a/providers", zone, rg, sub, "/"]),
        (
            "/providers/Microsoft.Management/managementGroups/mg1",
            ["/providers/microsoft.management/managementgroups/mg1", "/"],
        ),
    ],
)
def test_ancestors(scope, expected):
    assert ancestors(scope) == expected


def test_ancestors_returns_a_fresh_list():
    first = ancestors(ZONE)
    first.clear()
    assert ancestors(ZONE) == [zone, rg, sub, "/"]


def test_zone_is_not_an_ancestor_of_a_zone_with_a_longer_name():
    assert zone not in ancestors(f"{ZONE}.evil/A/www")
    assert zone not in ancestors(f"{ZONE}x")


@pytest.mark.parametrize(
    ("candidate", "scope", "above", "below"),
    [
        (ZONE, ZONE, True, True),
        (ZONE.upper(), f"{ZONE}/", True, True),
        ("/", ZONE, True, False),
        (SUB, ZONE, True, False),
        (RG.lower(), ZONE, True, False),
        (ZONE, RG, False, True),
        (f"{ZONE}/A/www", ZONE, False, True),
        (ZONE, "/", False, True),
        (f"{RG}/providers/Microsoft.Network/dnszones/other.com", ZONE, False, False),
        ("/subscriptions/other", ZONE, False, False),
        (f"{SUB}/resourceGroups/Demo-RG2", f"{RG}/providers/x/y/z", False, False),
    ],
)
def test_at_or_above_and_below(candidate, scope, above, below):
    assert is_at_or_above(candidate, scope) is above
    assert is_at_or_below(candidate, scope) is below


@pytest.mark.parametrize(
    ("scope", "well_formed"),
    [
        ("/", True),
        (SUB, True),
        (ZONE, True),
        (f"{RG}/providers/Microsoft.Network/dnszones/..example.com", True),
        (f"{SUB}/resourceGroups/a.b", True),
        ("", False),
        ("//", False),
        (f"{RG}/", False),
        (f"{SUB}//resourceGroups/Demo-RG", False),
        (f"{RG}/../Other-RG", False),
        (f"{RG}/../../resourceGroups/Other-RG", False),
        (f"{SUB}/./resourceGroups/Demo-RG", False),
        (f"{ZONE}/..", False),
    ],
)
def test_well_formed_scopes_have_no_empty_or_dot_segments(scope, well_formed):
    assert is_well_formed(scope) is well_formed
