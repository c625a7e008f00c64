"""Microsoft.ManagedIdentity: user-assigned identities and their federated identity credentials."""

from podid.sandbox.arm.managedidentity.models import IdentitiesBackend
from podid.sandbox.arm.managedidentity.routes import ROUTES
from podid.sandbox.arm.provider import Provider

PROVIDER = Provider("identities", ("Microsoft.ManagedIdentity",), ROUTES, IdentitiesBackend)
