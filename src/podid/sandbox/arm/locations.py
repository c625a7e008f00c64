"""Azure regions the sandbox knows: (name, displayName, regionalDisplayName), and how ARM checks a location."""

from podid.sandbox.arm.errors import BadRequest, LocationRequired

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


def validate_location(location: object, what: str) -> str:
    """Canonical region name, or ARM's 400 for a missing, malformed or unknown one."""
    if location is None or location == "":
        raise LocationRequired()
    canonical = canonical_location(location) if isinstance(location, str) else None
    if canonical is None:
        regions = ",".join(name for name, _ in LOCATIONS)
        if what == "resource group":
            raise BadRequest(
                f"The provided location '{location}' is not available for resource group. "
                f"List of available regions is '{regions}'.",
                code="LocationNotAvailableForResourceGroup",
            )
        raise BadRequest(
            f"The provided location '{location}' is not available for {what}. "
            f"List of available regions for the resource type is '{regions}'.",
            code="LocationNotAvailableForResourceType",
        )
    return canonical
