"""The sandbox's authoritative DNS server for every zone the ARM API holds."""

from podid.sandbox.dns.server import DnsServer, name_server_address

__all__ = ["DnsServer", "name_server_address"]
