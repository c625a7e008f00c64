"""The resource providers the sandbox serves, listed once: the front door's routes, the namespaces it knows and the
backends the composition root builds all come from this list. Adding a provider is adding its ``PROVIDER`` here.

The order is the order of the route tables in docs/COVERAGE.md; a backend is built after the siblings it names.
"""

from podid.sandbox.arm import _lro
from podid.sandbox.arm._routing import Route
from podid.sandbox.arm.authorization import PROVIDER as AUTHORIZATION
from podid.sandbox.arm.compute import PROVIDER as COMPUTE
from podid.sandbox.arm.containerservice import PROVIDER as CONTAINER_SERVICE
from podid.sandbox.arm.dns import PROVIDER as DNS
from podid.sandbox.arm.features import PROVIDER as FEATURES
from podid.sandbox.arm.managedidentity import PROVIDER as MANAGED_IDENTITY
from podid.sandbox.arm.provider import Provider
from podid.sandbox.arm.resources import PROVIDER as RESOURCES

PROVIDERS: tuple[Provider, ...] = (
    RESOURCES,
    DNS,
    FEATURES,
    MANAGED_IDENTITY,
    AUTHORIZATION,
    CONTAINER_SERVICE,
    COMPUTE,
)


def namespaces() -> tuple[str, ...]:
    """Every namespace the sandbox serves, as Azure spells them."""
    return tuple(namespace for provider in PROVIDERS for namespace in provider.namespaces)


def all_routes() -> list[Route]:
    """Every ARM route: the long-running operations' (any provider's), then each provider's."""
    return [*_lro.ROUTES, *(route for provider in PROVIDERS for route in provider.routes)]
