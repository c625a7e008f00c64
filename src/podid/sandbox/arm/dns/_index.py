"""In-memory indexes over the DNS state, so that ARM reads and DNS queries are dictionary lookups.

``DnsIndex`` finds a zone by id or by the longest suffix of a query name; ``ZoneRecords`` holds one zone's
record sets by relative name and type, and counts the names at or below every name so that an empty
non-terminal (``b`` when only ``a.b`` exists) answers NODATA rather than NXDOMAIN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from podid.sandbox.arm.dns.records import APEX, relative_key

if TYPE_CHECKING:
    from podid.sandbox.arm.dns.models import RecordSet, Zone

_NAME_SERVER = re.compile(r"^ns[1-4]-0*(\d+)\.azure-dns\.(?:com|net|org|info)\.?$")


def _ancestors(key: str) -> Iterator[str]:
    """`key` and each name above it inside the zone, apex excluded: 'a.b.c' → 'a.b.c', 'b.c', 'c'."""
    if key == APEX:
        return
    labels = key.split(".")
    for start in range(len(labels)):
        yield ".".join(labels[start:])


class ZoneRecords:
    """One zone and its record sets."""

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self._sets: dict[str, dict[str, RecordSet]] = {}
        self._names_below: dict[str, int] = {}
        self.count = 0

    def get(self, record_type: str, name: str) -> RecordSet | None:
        return self._sets.get(relative_key(name), {}).get(record_type)

    def types_at(self, name: str) -> Mapping[str, RecordSet]:
        return self._sets.get(relative_key(name), {})

    def name_exists(self, name: str) -> bool:
        """True for the apex, a name with record sets, or an empty non-terminal above one."""
        key = relative_key(name)
        return key == APEX or self._names_below.get(key, 0) > 0

    def put(self, record_set: RecordSet) -> None:
        key = relative_key(record_set.name)
        types = self._sets.get(key)
        if types is None:
            types = self._sets[key] = {}
            for name in _ancestors(key):
                self._names_below[name] = self._names_below.get(name, 0) + 1
        if record_set.type not in types:
            self.count += 1
        types[record_set.type] = record_set

    def remove(self, record_type: str, name: str) -> None:
        key = relative_key(name)
        types = self._sets.get(key, {})
        if types.pop(record_type, None) is None:
            return
        self.count -= 1
        if not types:
            del self._sets[key]
            for ancestor in _ancestors(key):
                left = self._names_below[ancestor] - 1
                if left:
                    self._names_below[ancestor] = left
                else:
                    del self._names_below[ancestor]

    def record_sets(self, record_type: str | None = None) -> list[RecordSet]:
        if record_type is None:
            return [record_set for types in self._sets.values() for record_set in types.values()]
        return [types[record_type] for types in self._sets.values() if record_type in types]


class DnsIndex:
    """Every zone by lower-cased id, and the zones serving each DNS name in creation order."""

    def __init__(self) -> None:
        self._zones: dict[str, ZoneRecords] = {}
        self._by_name: dict[str, list[str]] = {}

    def zone(self, zone_id: str) -> ZoneRecords | None:
        return self._zones.get(zone_id.lower())

    def zones(self) -> list[ZoneRecords]:
        return list(self._zones.values())

    def add_zone(self, zone: Zone) -> ZoneRecords:
        records = ZoneRecords(zone)
        self._zones[zone.id.lower()] = records
        self._by_name.setdefault(zone.name.lower(), []).append(zone.id.lower())
        return records

    def replace_zone(self, zone: Zone) -> None:
        self._zones[zone.id.lower()].zone = zone

    def remove_zone(self, zone_id: str) -> None:
        records = self._zones.pop(zone_id.lower(), None)
        if records is None:
            return
        serving = self._by_name[records.zone.name.lower()]
        serving.remove(zone_id.lower())
        if not serving:
            del self._by_name[records.zone.name.lower()]

    def name_server_sets(self, name: str) -> set[int | None]:
        """The name-server sets the zones of this name are on."""
        return {
            name_server_number(self._zones[zone_id].zone.name_servers[0])
            for zone_id in self._by_name.get(name.lower(), ())
        }

    def serving(self, fqdn: str, name_server_set: int | None = None) -> ZoneRecords | None:
        """The zone whose name is the longest suffix of ``fqdn``: among same-named zones the first created, or
        the one whose name servers are set ``name_server_set`` (``ns1-0N…``) when the query went to that set."""
        labels = fqdn.rstrip(".").lower().split(".")
        for start in range(len(labels)):
            zones = [self._zones[zone_id] for zone_id in self._by_name.get(".".join(labels[start:]), ())]
            if name_server_set is not None:
                zones = [zone for zone in zones if name_server_number(zone.zone.name_servers[0]) == name_server_set]
            if zones:
                return zones[0]
        return None


def name_server_number(name_server: str) -> int | None:
    """N of an Azure DNS name server ``ns{1-4}-0N.azure-dns.{com,net,org,info}.``, None for another host."""
    found = _NAME_SERVER.match(name_server.lower())
    return int(found.group(1)) if found else None
