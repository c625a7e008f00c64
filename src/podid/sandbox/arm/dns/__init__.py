"""Microsoft.Network: public DNS zones and their record sets."""

from podid.sandbox.arm.dns.models import DnsBackend
from podid.sandbox.arm.dns.routes import ROUTES
from podid.sandbox.arm.provider import Provider

PROVIDER = Provider("dns", ("Microsoft.Network",), ROUTES, DnsBackend)
