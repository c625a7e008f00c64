"""Microsoft.Network DNS zones and record sets, and every rule Azure DNS applies to them.

State is persisted in the store under lower-cased ARM ids (so a resource-group delete purges it) and
mirrored in a ``DnsIndex`` that answers ARM reads and the DNS wire server without scanning.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from podid.sandbox.arm.dns._index import DnsIndex, ZoneRecords
from podid.sandbox.arm.dns.errors import (
    CnameConflict,
    ConditionNotMet,
    InvalidRecordSet,
    RecordSetNotFound,
    ZoneThrottled,
)
from podid.sandbox.arm.dns.ratelimit import ZoneLimits
from podid.sandbox.arm.dns.records import (
    APEX,
    Record,
    validate_relative_name,
    validate_zone_location,
    validate_zone_name,
    validate_zone_type,
)
from podid.sandbox.arm.errors import ParentResourceNotFound, ResourceNotFound
from podid.sandbox.arm.provider import Shared
from podid.sandbox.arm.siblings import ResourceGroups

ZONE_KIND = "dnsZone"
RECORD_SET_KIND = "dnsRecordSet"
ZONE_TYPE = "Microsoft.Network/dnszones"  # the ARM type, as Azure spells it in responses
MAX_RECORD_SETS = 10_000
DEFAULT_TTL = 3600
_NS_TTL, _SOA_TTL = 172_800, 3600
_NAME_SERVER_DOMAINS = ("azure-dns.com", "azure-dns.net", "azure-dns.org", "azure-dns.info")
_HOSTMASTER = "azuredns-hostmaster.microsoft.com"


@dataclass(frozen=True)
class Zone:
    id: str
    name: str
    resource_group: str
    etag: str
    name_servers: tuple[str, ...]
    tags: dict[str, str] = field(default_factory=dict)
    zone_type: str = "Public"


@dataclass(frozen=True, eq=False)  # identity equality: the DNS server caches rdata per record-set object
class RecordSet:
    zone_id: str
    zone_name: str
    type: str
    name: str
    etag: str
    ttl: int
    records: tuple[Record, ...] = ()
    metadata: dict[str, str] | None = None

    @property
    def id(self) -> str:
        return f"{self.zone_id}/{self.type}/{self.name}"

    @property
    def fqdn(self) -> str:
        return f"{self.zone_name}." if self.name == APEX else f"{self.name}.{self.zone_name}."


@dataclass(frozen=True)
class RecordSetChange:
    """What a PUT or PATCH says about a record set, already parsed; None means "not given"."""

    ttl: int | None = None
    metadata: dict[str, str] | None = None
    records: list[Record] | None = None


def check_conditions(etag: str | None, if_match: str | None, if_none_match: str | None) -> None:
    """ARM's If-Match / If-None-Match: * rules against the current etag (None: the resource does not exist)."""
    if if_match is not None and (etag is None or if_match.strip() not in {"*", etag, f'"{etag}"'}):
        raise ConditionNotMet("If-Match", if_match)
    if if_none_match is not None and if_none_match.strip() == "*" and etag is not None:
        raise ConditionNotMet("If-None-Match", if_none_match)


class DnsBackend:
    """DNS zones and record sets: ARM operations plus the lookups the DNS wire server makes."""

    def __init__(self, shared: Shared, *, resources: ResourceGroups) -> None:
        self._settings, self._store, self._ids = shared.settings, shared.store, shared.ids
        self._resources = resources
        self.index = DnsIndex()
        self.limits = ZoneLimits(shared.clock.now) if shared.settings.dns_rate_limits else None
        for doc in self._store.all(ZONE_KIND):
            self.index.add_zone(_zone_from_doc(doc))
        for doc in self._store.all(RECORD_SET_KIND):
            record_set = _record_set_from_doc(doc)
            zone = self.index.zone(record_set.zone_id)
            if zone is not None:
                zone.put(record_set)
        resources.on_delete_under(self._forget_under)

    def zone_id(self, group: str, name: str) -> str:
        return f"{self._resources.group_id(group)}/providers/Microsoft.Network/dnszones/{name}"

    # zones

    def zones_create_or_update(
        self,
        group: str,
        name: str,
        location: object,
        tags: dict[str, str],
        zone_type: object = None,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> tuple[Zone, bool]:
        canonical_group = self._resources.resource_groups_get(group).name
        validate_zone_name(name)
        validate_zone_location(location)
        kind = validate_zone_type(zone_type)
        existing = self.index.zone(self.zone_id(group, name))
        check_conditions(existing.zone.etag if existing else None, if_match, if_none_match)
        if existing is not None:
            zone = replace(existing.zone, tags=tags, etag=self._ids.guid())
            self._save_zone(zone)
            self.index.replace_zone(zone)
            return zone, False
        zone = Zone(
            self.zone_id(canonical_group, name),
            name,
            canonical_group,
            self._ids.guid(),
            self._name_servers(name),
            tags,
            kind,
        )
        apex = self._apex_sets(zone)
        with self._store.transaction():
            self._save_zone(zone)
            for record_set in apex:
                self._persist(record_set)
        records = self.index.add_zone(zone)
        for record_set in apex:
            records.put(record_set)
        return zone, True

    def zones_update(self, group: str, name: str, tags: dict[str, str] | None, *, if_match: str | None = None) -> Zone:
        current = self._zone(group, name).zone
        check_conditions(current.etag, if_match, None)
        zone = replace(current, tags=current.tags if tags is None else tags, etag=self._ids.guid())
        self._save_zone(zone)
        self.index.replace_zone(zone)
        return zone

    def zones_get(self, group: str, name: str) -> Zone:
        return self._zone(group, name).zone

    def zones_list_by_resource_group(self, group: str) -> list[Zone]:
        prefix = self._resources.resource_groups_get(group).id.lower() + "/"
        return [records.zone for records in self.index.zones() if records.zone.id.lower().startswith(prefix)]

    def zones_list(self) -> list[Zone]:
        return [records.zone for records in self.index.zones()]

    def zones_begin_delete(self, group: str, name: str, *, if_match: str | None = None) -> Zone | None:
        """Check a delete may go ahead: the zone, or None when there is nothing to delete (204)."""
        records = self.index.zone(self.zone_id(group, name))
        if records is None:
            self._resources.resource_groups_get(group)
            check_conditions(None, if_match, None)
            return None
        check_conditions(records.zone.etag, if_match, None)
        return records.zone

    def zones_delete(self, zone_id: str) -> None:
        """The completion of a zone delete: the zone and all its record sets go."""
        with self._store.transaction():
            self._store.delete_prefix(zone_id.lower() + "/")
            self._store.delete(ZONE_KIND, zone_id)
        self._forget(zone_id)

    def number_of_record_sets(self, zone: Zone) -> int:
        records = self.index.zone(zone.id)
        return records.count if records else 0

    # record sets

    def record_sets_create_or_update(
        self,
        group: str,
        zone_name: str,
        record_type: str,
        name: str,
        change: RecordSetChange,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> tuple[RecordSet, bool]:
        zone = self._parent(group, zone_name)
        self._throttle(zone, "write")
        validate_relative_name(name, zone.zone.name, record_type)
        existing = zone.get(record_type, name)
        check_conditions(existing.etag if existing else None, if_match, if_none_match)
        if existing is None:
            self._check_new(zone, record_type, name)
        record_set = RecordSet(
            zone.zone.id,
            zone.zone.name,
            record_type,
            existing.name if existing else name,
            self._ids.guid(),
            DEFAULT_TTL if change.ttl is None else change.ttl,
            _next_records(existing, change.records or []),  # PUT replaces: no records given means none
            change.metadata,
        )
        self._save_record_set(zone, record_set)
        return record_set, existing is None

    def record_sets_update(
        self,
        group: str,
        zone_name: str,
        record_type: str,
        name: str,
        change: RecordSetChange,
        *,
        if_match: str | None = None,
    ) -> RecordSet:
        zone = self._parent(group, zone_name)
        self._throttle(zone, "write")
        existing = self._existing(zone, record_type, name)
        check_conditions(existing.etag, if_match, None)
        record_set = replace(
            existing,
            etag=self._ids.guid(),
            ttl=existing.ttl if change.ttl is None else change.ttl,
            records=_next_records(existing, change.records),
            metadata=existing.metadata if change.metadata is None else change.metadata,
        )
        self._save_record_set(zone, record_set)
        return record_set

    def record_sets_get(self, group: str, zone_name: str, record_type: str, name: str) -> RecordSet:
        zone = self._parent(group, zone_name)
        self._throttle(zone, "read")
        return self._existing(zone, record_type, name)

    def record_sets_delete(
        self, group: str, zone_name: str, record_type: str, name: str, *, if_match: str | None = None
    ) -> bool:
        """True when a record set was deleted (200), False when there was none (204)."""
        zone = self._parent(group, zone_name)
        self._throttle(zone, "write")
        if record_type == "SOA" or (record_type == "NS" and name == APEX):
            raise InvalidRecordSet(f"The record set of type '{record_type}' at the zone apex cannot be deleted.")
        existing = zone.get(record_type, name)
        check_conditions(existing.etag if existing else None, if_match, None)
        if existing is None:
            return False
        self._store.delete(RECORD_SET_KIND, existing.id)
        zone.remove(record_type, name)
        return True

    def record_sets_list_by_type(
        self, group: str, zone_name: str, record_type: str, suffix: str | None = None
    ) -> list[RecordSet]:
        zone = self._parent(group, zone_name)
        self._throttle(zone, "list")
        return _with_suffix(zone.record_sets(record_type), suffix)

    def record_sets_list_by_dns_zone(self, group: str, zone_name: str, suffix: str | None = None) -> list[RecordSet]:
        zone = self._parent(group, zone_name)
        self._throttle(zone, "list")
        return _with_suffix(zone.record_sets(), suffix)

    def record_sets_list_all_by_dns_zone(
        self, group: str, zone_name: str, suffix: str | None = None
    ) -> list[RecordSet]:
        return self.record_sets_list_by_dns_zone(group, zone_name, suffix)

    # lookups for the DNS wire server (no limits: they are not ARM requests)

    def serving(self, fqdn: str, name_server_set: int | None = None) -> ZoneRecords | None:
        """The zone that answers for ``fqdn`` (longest suffix; among same-named zones the first created, or the
        one name-server set ``name_server_set`` hosts)."""
        return self.index.serving(fqdn, name_server_set)

    # internals

    def _zone(self, group: str, name: str) -> ZoneRecords:
        records = self.index.zone(self.zone_id(group, name))
        if records is None:
            canonical = self._resources.resource_groups_get(group).name
            raise ResourceNotFound("Microsoft.Network/dnszones", name, canonical)
        return records

    def _parent(self, group: str, zone_name: str) -> ZoneRecords:
        records = self.index.zone(self.zone_id(group, zone_name))
        if records is None:
            self._resources.resource_groups_get(group)
            raise ParentResourceNotFound(zone_name)
        return records

    def _existing(self, zone: ZoneRecords, record_type: str, name: str) -> RecordSet:
        existing = zone.get(record_type, name)
        if existing is None:
            raise RecordSetNotFound(name, zone.zone.resource_group, self._settings.subscription_id)
        return existing

    def _check_new(self, zone: ZoneRecords, record_type: str, name: str) -> None:
        if record_type == "SOA":
            raise InvalidRecordSet("Record sets of type 'SOA' cannot be created; update the zone's SOA at '@'.")
        others = zone.types_at(name)
        if record_type == "CNAME" and (others or name == APEX):
            raise CnameConflict(creating_cname=True)
        if "CNAME" in others:
            raise CnameConflict(creating_cname=False)
        if zone.count >= MAX_RECORD_SETS:
            raise InvalidRecordSet(
                f"The zone '{zone.zone.name}' has reached its limit of {MAX_RECORD_SETS} record sets."
            )

    def _throttle(self, zone: ZoneRecords, kind: str) -> None:
        if self.limits is None:
            return
        retry_after = self.limits.check(zone.zone.id.lower(), kind)
        if retry_after is not None:
            raise ZoneThrottled(zone.zone.name, kind, retry_after)

    def _name_servers(self, name: str) -> tuple[str, ...]:
        # a stable server set per name; another zone of the same name gets a set none of them is on, as on Azure
        start, taken = zlib.crc32(name.lower().encode()), self.index.name_server_sets(name)
        numbers = [(start + step) % 9 + 1 for step in range(9)]
        number = next((candidate for candidate in numbers if candidate not in taken), numbers[0])
        return tuple(f"ns{i}-0{number}.{domain}." for i, domain in enumerate(_NAME_SERVER_DOMAINS, start=1))

    def _apex_sets(self, zone: Zone) -> list[RecordSet]:
        soa = {
            "host": zone.name_servers[0],
            "email": _HOSTMASTER,
            "serialNumber": 1,
            "refreshTime": 3600,
            "retryTime": 300,
            "expireTime": 2_419_200,
            "minimumTTL": 300,
        }
        ns = tuple({"nsdname": server} for server in zone.name_servers)
        guid = self._ids.guid
        return [
            RecordSet(zone.id, zone.name, "NS", APEX, guid(), _NS_TTL, ns),
            RecordSet(zone.id, zone.name, "SOA", APEX, guid(), _SOA_TTL, (soa,)),
        ]

    def _save_zone(self, zone: Zone) -> None:
        self._store.put(ZONE_KIND, zone.id, asdict(zone), parent=self._resources.group_id(zone.resource_group))

    def _save_record_set(self, zone: ZoneRecords, record_set: RecordSet) -> None:
        self._persist(record_set)
        zone.put(record_set)

    def _persist(self, record_set: RecordSet) -> None:
        self._store.put(RECORD_SET_KIND, record_set.id, asdict(record_set), parent=record_set.zone_id)

    def _forget(self, zone_id: str) -> None:
        self.index.remove_zone(zone_id)
        if self.limits is not None:
            self.limits.forget(zone_id.lower())

    def _forget_under(self, prefix: str) -> None:
        for records in self.index.zones():
            if records.zone.id.lower().startswith(prefix):
                self._forget(records.zone.id)


def _next_records(existing: RecordSet | None, given: list[Record] | None) -> tuple[Record, ...]:
    """The records after a write; an SOA update changes the fields it names except the host (Azure's own)."""
    if existing is not None and existing.type == "SOA":
        changes = given[0] if given else {}
        return ({**existing.records[0], **{key: value for key, value in changes.items() if key != "host"}},)
    if given is None:
        return existing.records if existing else ()
    return tuple(given)


def _with_suffix(record_sets: list[RecordSet], suffix: str | None) -> list[RecordSet]:
    if not suffix:
        return record_sets
    ending = "." + suffix.lower().strip(".")
    return [item for item in record_sets if item.name.lower().endswith(ending)]


def _zone_from_doc(doc: dict[str, Any]) -> Zone:
    return Zone(**{**doc, "name_servers": tuple(doc["name_servers"])})


def _record_set_from_doc(doc: dict[str, Any]) -> RecordSet:
    return RecordSet(**{**doc, "records": tuple(doc["records"])})
