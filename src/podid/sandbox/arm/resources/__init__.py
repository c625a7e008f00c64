"""Microsoft.Resources: resource groups, subscriptions, tenants, locations, provider registration."""

from podid.sandbox.arm.provider import Provider
from podid.sandbox.arm.resources.models import ResourcesBackend
from podid.sandbox.arm.resources.routes import ROUTES

PROVIDER = Provider("resources", ("Microsoft.Resources",), ROUTES, ResourcesBackend)
