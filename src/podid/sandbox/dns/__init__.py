"""The sandbox's authoritative DNS server for every zone the ARM API holds."""

from podid.sandbox.dns.server import DnsServer

__all__ = ["DnsServer"]
