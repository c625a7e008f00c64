"""Microsoft.ContainerService: AKS managed clusters, their node infrastructure and credentials."""

from podid.sandbox.arm.containerservice.models import ContainerServiceBackend
from podid.sandbox.arm.containerservice.routes import ROUTES
from podid.sandbox.arm.provider import Provider

PROVIDER = Provider("clusters", ("Microsoft.ContainerService",), ROUTES, ContainerServiceBackend)
