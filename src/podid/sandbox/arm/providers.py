"""The resource providers the front door serves: every provider's route table, in one place."""

from podid.sandbox.arm import _lro
from podid.sandbox.arm._routing import Route
from podid.sandbox.arm.authorization.routes import ROUTES as AUTHORIZATION
from podid.sandbox.arm.compute.routes import ROUTES as COMPUTE
from podid.sandbox.arm.containerservice.routes import ROUTES as CONTAINER_SERVICE
from podid.sandbox.arm.dns.routes import ROUTES as DNS
from podid.sandbox.arm.features.routes import ROUTES as FEATURES
from podid.sandbox.arm.managedidentity.routes import ROUTES as MANAGED_IDENTITY
from podid.sandbox.arm.resources.routes import ROUTES as RESOURCES


def all_routes() -> list[Route]:
    return [*_lro.ROUTES, *RESOURCES, *DNS, *FEATURES, *MANAGED_IDENTITY, *AUTHORIZATION, *CONTAINER_SERVICE, *COMPUTE]
