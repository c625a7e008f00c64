"""The in-memory DNS backend (external-dns `provider/inmemory`): zones of record sets, strict batch rules.

A batch is validated as a whole before anything is applied:
- a created record must not exist yet;
- an updated or deleted record must exist, and the old/deleted copy must carry the stored targets;
- no record may appear twice among creates, updates and deletes.
Records outside every zone are skipped, as external-dns does.

Unlike external-dns' version, labels are not stored: a real DNS backend keeps only name, type, TTL and targets,
so ownership must come from the TXT registry and nowhere else.
"""

import threading
from collections.abc import Iterable

from ..endpoint import Endpoint, same_targets
from ..errors import (
    DuplicateRecordError,
    RecordAlreadyExistsError,
    RecordNotFoundError,
    ZoneAlreadyExistsError,
)
from ..plan import Changes
from . import find_zone

_Key = tuple[str, str, str]


def _stored(ep: Endpoint) -> Endpoint:
    return Endpoint(ep.dns_name, ep.record_type, ep.targets, ep.ttl, set_identifier=ep.set_identifier)


class InMemoryProvider:
    def __init__(self, zones: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._zones: dict[str, dict[_Key, Endpoint]] = {}
        for zone in zones:
            self.create_zone(zone)

    def create_zone(self, name: str) -> None:
        with self._lock:
            if name in self._zones:
                raise ZoneAlreadyExistsError()
            self._zones[name] = {}

    def records(self) -> list[Endpoint]:
        with self._lock:
            return [ep for zone in self._zones.values() for ep in zone.values()]

    def apply_changes(self, changes: Changes) -> None:
        with self._lock:
            per_zone = self._split(changes)
            for zone, zone_changes in per_zone.items():
                self._validate(self._zones[zone], zone_changes)
            for zone, zone_changes in per_zone.items():
                self._apply(self._zones[zone], zone_changes)

    def _split(self, changes: Changes) -> dict[str, Changes]:
        zones = list(self._zones)

        def in_zone(endpoints: tuple[Endpoint, ...], zone: str) -> tuple[Endpoint, ...]:
            return tuple(ep for ep in endpoints if find_zone(ep.dns_name, zones) == zone)

        return {
            zone: Changes(
                in_zone(changes.create, zone),
                in_zone(changes.update_old, zone),
                in_zone(changes.update_new, zone),
                in_zone(changes.delete, zone),
            )
            for zone in zones
        }

    @staticmethod
    def _validate(zone: dict[_Key, Endpoint], changes: Changes) -> None:
        seen: set[_Key] = set()

        def claim(ep: Endpoint) -> None:
            if ep.key() in seen:
                raise DuplicateRecordError()
            seen.add(ep.key())

        def require_stored(ep: Endpoint) -> None:
            stored = zone.get(ep.key())
            if stored is None or not same_targets(stored.targets, ep.targets):
                raise RecordNotFoundError()

        for ep in changes.create:
            if ep.key() in zone:
                raise RecordAlreadyExistsError()
            claim(ep)
        for ep in changes.update_new:
            if ep.key() not in zone:
                raise RecordNotFoundError()
            claim(ep)
        for ep in changes.update_old:
            require_stored(ep)
        for ep in changes.delete:
            require_stored(ep)
            claim(ep)

    @staticmethod
    def _apply(zone: dict[_Key, Endpoint], changes: Changes) -> None:
        for ep in changes.create + changes.update_new:
            zone[ep.key()] = _stored(ep)
        for ep in changes.delete:
            del zone[ep.key()]
