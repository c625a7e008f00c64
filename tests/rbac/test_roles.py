"""Built-in role catalogue: GUIDs, names, descriptions, permissions and lookup.

Covers: every catalogue entry against Azure's published definitions
(https://learn.microsoft.com/azure/role-based-access-control/built-in-roles: GUID, roleName,
type, assignableScopes, empty data actions), exact descriptions clients display, the full
Virtual Machine Contributor list, Contributor's notActions, and `builtin_role` lookup by GUID or
name in any casing.
"""

import pytest

from podid.azure_rbac import BUILTIN_ROLE, BUILTIN_ROLES, builtin_role

CATALOGUE = [
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"),
    ("befefa01-2a29-4197-83a8-272ff33ce314", "DNS Zone Contributor"),
    ("b12aa53e-6015-4669-85d0-8515ebb3ae7f", "Private DNS Zone Contributor"),
    ("9980e02c-c2be-4d73-94e8-173b1dc7cf3c", "Virtual Machine Contributor"),
    ("f1a07417-d97a-45cb-824c-7a7467783830", "Managed Identity Operator"),
    ("e40ec5ca-96e0-45a2-b4ff-59039f2c2b59", "Managed Identity Contributor"),
    ("4d97b98b-1d4f-4787-a291-c67834d212e7", "Network Contributor"),
]


def test_catalogue_is_exactly_the_reference_roles():
    assert [(r.guid, r.role_name) for r in BUILTIN_ROLES] == CATALOGUE


@pytest.mark.parametrize(("guid", "name"), CATALOGUE)
def test_builtin_role_shape(guid, name):
    role = builtin_role(guid)
    assert role is not None
    assert role.role_name == name
    assert role.role_type == BUILTIN_ROLE == "BuiltInRole"
    assert role.assignable_scopes == ("/",)
    assert len(role.permissions) == 1
    permission = role.permissions[0]
    assert permission.actions
    assert permission.data_actions == permission.not_data_actions == ()


@pytest.mark.parametrize(
    ("key", "guid"),
    [
        ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
        ("dns zone contributor", "befefa01-2a29-4197-83a8-272ff33ce314"),
        ("MANAGED IDENTITY OPERATOR", "f1a07417-d97a-45cb-824c-7a7467783830"),
        ("BEFEFA01-2A29-4197-83A8-272FF33CE314", "befefa01-2a29-4197-83a8-272ff33ce314"),
        ("4d97b98b-1d4f-4787-a291-c67834d212e7", "4d97b98b-1d4f-4787-a291-c67834d212e7"),
    ],
)
def test_lookup_by_name_or_guid_ignores_case(key, guid):
    role = builtin_role(key)
    assert role is not None
    assert role.guid == guid


@pytest.mark.parametrize("key", ["", "Readers", "Storage Blob Data Reader", "00000000-0000-0000-0000-000000000000"])
def test_unknown_roles_are_none(key):
    assert builtin_role(key) is None


@pytest.mark.parametrize(
    ("name", "description"),
    [
        (
            "Owner",
            ("Grants full access to manage all resources, including the ability to assign roles in Azure RBAC."),
        ),
        (
            "Contributor",
            (
                "Grants full access to manage all resources, but does not allow you to assign roles in "
                "Azure RBAC, manage assignments in Azure Blueprints, or share image galleries."
            ),
        ),
        ("Reader", "View all resources, but does not allow you to make any changes."),
        ("User Access Administrator", "Lets you manage user access to Azure resources."),
        (
            "DNS Zone Contributor",
            (
                "Lets you manage DNS zones and record sets in Azure DNS, but does not let you control "
                "who has access to them."
            ),
        ),
        (
            "Private DNS Zone Contributor",
            "Lets you manage private DNS zone resources, but not the virtual networks they are linked to.",
        ),
        (
            "Virtual Machine Contributor",
            (
                "Lets you manage virtual machines, but not access to them, and not the virtual network "
                "or storage account they're connected to."
            ),
        ),
        ("Managed Identity Operator", "Read and Assign User Assigned Identity"),
        ("Managed Identity Contributor", "Create, Read, Update, and Delete User Assigned Identity"),
        ("Network Contributor", "Lets you manage networks, but not access to them."),
    ],
)
def test_descriptions_are_azures(name, description):
    role = builtin_role(name)
    assert role is not None
    assert role.description == description


@pytest.mark.parametrize(
    ("name", "actions", "not_actions"),
    [
        ("Owner", ("*",), ()),
        ("Reader", ("*/read",), ()),
        ("User Access Administrator", ("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"), ()),
        (
            "DNS Zone Contributor",
            (
                "Microsoft.Authorization/*/read",
                "Microsoft.Insights/alertRules/*",
                "Microsoft.Network/dnsZones/*",
                "Microsoft.ResourceHealth/availabilityStatuses/read",
                "Microsoft.Resources/deployments/*",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                "Microsoft.Support/*",
            ),
            (),
        ),
        (
            "Managed Identity Operator",
            (
                "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
                "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
                "Microsoft.Authorization/*/read",
                "Microsoft.Insights/alertRules/*",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                "Microsoft.Resources/deployments/*",
                "Microsoft.Support/*",
            ),
            (),
        ),
        (
            "Contributor",
            ("*",),
            (
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
                "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete",
                "Microsoft.Compute/galleries/share/action",
                "Microsoft.Purview/consents/write",
                "Microsoft.Purview/consents/delete",
                "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
                "Microsoft.Subscription/cancel/action",
                "Microsoft.Subscription/enable/action",
            ),
        ),
    ],
)
def test_permissions_verbatim(name, actions, not_actions):
    role = builtin_role(name)
    assert role is not None
    assert role.permissions[0].actions == actions
    assert role.permissions[0].not_actions == not_actions


def test_virtual_machine_contributor_full_action_list():
    role = builtin_role("Virtual Machine Contributor")
    assert role is not None
    actions = role.permissions[0].actions
    assert len(actions) == 45 == len(set(actions))
    assert actions[:4] == (
        "Microsoft.Authorization/*/read",
        "Microsoft.Compute/availabilitySets/*",
        "Microsoft.Compute/locations/*",
        "Microsoft.Compute/virtualMachines/*",
    )
    assert "Microsoft.Compute/virtualMachineScaleSets/*" in actions
    assert "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/*/read" in actions
    assert actions[-3:] == (
        "Microsoft.Storage/storageAccounts/listKeys/action",
        "Microsoft.Storage/storageAccounts/read",
        "Microsoft.Support/*",
    )
    assert not any(a.startswith("Microsoft.ManagedIdentity/") for a in actions)
