"""Microsoft.Compute: the node VM scale sets of AKS clusters, their instances and identities."""

from podid.sandbox.arm.compute.models import ComputeBackend
from podid.sandbox.arm.compute.routes import ROUTES
from podid.sandbox.arm.provider import Provider

PROVIDER = Provider("compute", ("Microsoft.Compute",), ROUTES, ComputeBackend)
