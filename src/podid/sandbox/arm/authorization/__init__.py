"""Microsoft.Authorization: role definitions and role assignments."""

from podid.sandbox.arm.authorization.models import AuthorizationBackend
from podid.sandbox.arm.authorization.routes import ROUTES
from podid.sandbox.arm.provider import Provider

PROVIDER = Provider("authorization", ("Microsoft.Authorization",), ROUTES, AuthorizationBackend)
