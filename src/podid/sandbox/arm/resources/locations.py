"""Azure regions the sandbox knows: (name, displayName, regionalDisplayName)."""

LOCATIONS: tuple[tuple[str, str], ...] = (
    ("eastus", "East US"),
    ("eastus2", "East US 2"),
    ("southcentralus", "South Central US"),
    ("westus2", "West US 2"),
    ("westus3", "West US 3"),
    ("australiaeast", "Australia East"),
    ("southeastasia", "Southeast Asia"),
    ("northeurope", "North Europe"),
    ("swedencentral", "Sweden Central"),
    ("uksouth", "UK South"),
    ("westeurope", "West Europe"),
    ("centralus", "Central US"),
    ("southafricanorth", "South Africa North"),
    ("centralindia", "Central India"),
    ("eastasia", "East Asia"),
    ("japaneast", "Japan East"),
    ("koreacentral", "Korea Central"),
    ("canadacentral", "Canada Central"),
    ("francecentral", "France Central"),
    ("germanywestcentral", "Germany West Central"),
    ("norwayeast", "Norway East"),
    ("switzerlandnorth", "Switzerland North"),
    ("uaenorth", "UAE North"),
    ("brazilsouth", "Brazil South"),
    ("northcentralus", "North Central US"),
    ("westus", "West US"),
    ("westcentralus", "West Central US"),
    ("canadaeast", "Canada East"),
    ("ukwest", "UK West"),
    ("japanwest", "Japan West"),
    ("australiasoutheast", "Australia Southeast"),
)

_BY_KEY = {name: name for name, _ in LOCATIONS} | {
    display.replace(" ", "").lower(): name for name, display in LOCATIONS
}


def canonical_location(value: str) -> str | None:
    """'West US 2', 'westus2' and 'WestUS2' all mean 'westus2'; None when unknown."""
    return _BY_KEY.get(value.replace(" ", "").lower())


def display_name(name: str) -> str:
    return next(display for key, display in LOCATIONS if key == name)
