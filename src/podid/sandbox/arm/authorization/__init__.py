"""Microsoft.Authorization: role definitions and role assignments."""
