"""Microsoft.Features: preview feature registration per subscription."""

from podid.sandbox.arm.features.models import FeaturesBackend
from podid.sandbox.arm.features.routes import ROUTES
from podid.sandbox.arm.provider import Provider

PROVIDER = Provider("features", ("Microsoft.Features",), ROUTES, FeaturesBackend)
