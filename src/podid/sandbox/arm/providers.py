"""The resource providers the front door serves: every provider's route table, in one place."""

from podid.sandbox.arm import _lro
from podid.sandbox.arm._routing import Route
from podid.sandbox.arm.resources.routes import ROUTES as RESOURCES


def all_routes() -> list[Route]:
    return [*_lro.ROUTES, *RESOURCES]
