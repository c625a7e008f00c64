"""The seam between the registry and a DNS backend (external-dns `provider/provider.go`).

A provider knows nothing about ownership: it lists record sets as Endpoints (TXT included) and applies
Changes. `inmemory` is the reference backend for tests; `azure` talks to Azure DNS through azure-mgmt-dns.
"""

from typing import Protocol

from ..endpoint import Endpoint
from ..plan import Changes

__all__ = ["Provider", "find_zone"]


class Provider(Protocol):
    def records(self) -> list[Endpoint]: ...

    def apply_changes(self, changes: Changes) -> None: ...


def find_zone(dns_name: str, zones: list[str]) -> str | None:
    """The zone with the longest name that is `dns_name` itself or one of its parents."""
    name = dns_name.lower().removesuffix(".")
    matches = [zone for zone in zones if name == zone.lower() or name.endswith("." + zone.lower())]
    return max(matches, key=len, default=None)
