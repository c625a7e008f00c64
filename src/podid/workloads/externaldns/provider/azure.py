"""Azure DNS through azure-mgmt-dns (external-dns `provider/azure/azure.go`).

Every call lists the zones of the one resource group (kept if the domain filter matches the zone name). That
listing needs `Microsoft.Network/dnsZones/read` at resource-group scope; any failure of it, the tutorial's
zone-only grant's 403 `AuthorizationFailed` included, is a SoftError: logged, then retried every interval.
`records` then lists every record set of each zone (`list_all_by_dns_zone`): A, AAAA, CNAME, MX, NS and TXT
become Endpoints, the TXT value being `TXTRecords[0].value[0]`. `apply_changes` maps each change to the zone
with the longest matching name (logging once and skipping names in no zone), then issues one DELETE per deleted
record set, then one full-replace PUT per created or updated record set (TTL 300 unless set); UpdateOld is not
needed. external-dns sends them one after another; `write_concurrency` keeps a few in flight instead, because
a Python client's per-call overhead would make 10,000 records take minutes, and drops back to one at a time
once the zone throttles. A failed write is logged (`Failed to update ...`, worded by `azure_errors.describe`)
and the batch goes on, as in external-dns, except a transient failure (429 and Retry-After, 5xx, after
azure-core's own retries): one of the concurrent writes is tried again on its own, and one written on its own
ends the batch with a SoftError for the controller to log, because further writes would only spend more of a
throttled quota.

`zones` and `record_sets` are the two operation groups of `azure.mgmt.dns.aio.DnsManagementClient`; the
Protocols below list only the calls made, so tests can pass a small fake. The provider's own methods are
synchronous, as the controller is: each runs its coroutine through `run` (`DnsClient.run` in the workload, whose
loop the client lives on; `asyncio.run` by default).
"""

import asyncio
import logging
from collections.abc import AsyncIterable, Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Protocol, TypeVar

from azure.core.exceptions import AzureError
from azure.mgmt.dns.models import (
    AaaaRecord,
    ARecord,
    CnameRecord,
    MxRecord,
    NsRecord,
    RecordSet,
    TxtRecord,
    Zone,
)

from ..domain_filter import MATCH_ALL, DomainFilter
from ..endpoint import AAAA, CNAME, MX, NS, TXT, A, Endpoint
from ..errors import SoftError
from ..plan import Changes
from . import find_zone
from .azure_errors import as_soft, translate, translated

log = logging.getLogger(__name__)

DEFAULT_TTL = 300
_TYPE_PREFIX = "Microsoft.Network/dnszones/"
T = TypeVar("T")
Write = Callable[[], Awaitable[None]]


class ZonesApi(Protocol):
    def list_by_resource_group(self, resource_group_name: str) -> AsyncIterable[Zone]: ...


class RecordSetsApi(Protocol):
    def list_all_by_dns_zone(self, resource_group_name: str, zone_name: str) -> AsyncIterable[RecordSet]: ...

    def create_or_update(
        self,
        resource_group_name: str,
        zone_name: str,
        relative_record_set_name: str,
        record_type: str,
        parameters: RecordSet,
    ) -> Awaitable[RecordSet]: ...

    def delete(
        self, resource_group_name: str, zone_name: str, relative_record_set_name: str, record_type: str
    ) -> Awaitable[None]: ...


class CoroutineRunner(Protocol):
    """Runs a coroutine to its end from synchronous code: `asyncio.run`, `DnsClient.run`."""

    def __call__(self, coroutine: Coroutine[Any, Any, T], /) -> T: ...


def _targets(record_set: RecordSet, record_type: str) -> list[str]:
    if record_type == A:
        return [r.ipv4_address for r in record_set.a_records or [] if r.ipv4_address]
    if record_type == AAAA:
        return [r.ipv6_address for r in record_set.aaaa_records or [] if r.ipv6_address]
    if record_type == CNAME:
        cname = record_set.cname_record.cname if record_set.cname_record else None
        return [cname] if cname else []
    if record_type == MX:
        return [f"{r.preference} {r.exchange}" for r in record_set.mx_records or [] if r.exchange]
    if record_type == NS:
        return [r.nsdname for r in record_set.ns_records or [] if r.nsdname]
    values = record_set.txt_records[0].value if record_set.txt_records else None
    return [values[0]] if values else []


def _endpoint(record_set: RecordSet, zone: str) -> Endpoint | None:
    record_type = (record_set.type or "").removeprefix(_TYPE_PREFIX)
    if not record_set.name or record_type not in (A, AAAA, CNAME, MX, NS, TXT):
        return None  # SOA, SRV, CAA, PTR: not ours
    name = zone if record_set.name == "@" else f"{record_set.name}.{zone}"
    targets = _targets(record_set, record_type)
    if not targets:
        log.debug("Failed to extract targets for '%s' with type '%s'.", name, record_type)
        return None
    if record_type != TXT:
        targets = [target.removesuffix(".") for target in targets]
    return Endpoint(name, record_type, tuple(targets), record_set.ttl or 0)


def _mx(target: str) -> MxRecord:
    preference, _, exchange = target.partition(" ")
    if not exchange or not preference.isdigit():
        raise ValueError("mx target needs to be of form '10 example.com'")
    return MxRecord(preference=int(preference), exchange=exchange)


_RECORD_FIELDS: Mapping[str, Callable[[tuple[str, ...]], dict[str, Any]]] = {
    A: lambda targets: {"a_records": [ARecord(ipv4_address=t) for t in targets]},
    AAAA: lambda targets: {"aaaa_records": [AaaaRecord(ipv6_address=t) for t in targets]},
    CNAME: lambda targets: {"cname_record": CnameRecord(cname=targets[0])},  # only the first target
    MX: lambda targets: {"mx_records": [_mx(t) for t in targets]},
    NS: lambda targets: {"ns_records": [NsRecord(nsdname=t) for t in targets]},
    TXT: lambda targets: {"txt_records": [TxtRecord(value=[targets[0]])]},
}


def record_set_for(ep: Endpoint) -> RecordSet:
    """The full-replace PUT body for `ep`; ValueError for a type Azure DNS support here does not cover."""
    if ep.record_type not in _RECORD_FIELDS:
        raise ValueError(f"unsupported record type '{ep.record_type}'")
    return RecordSet(ttl=ep.ttl or DEFAULT_TTL, **_RECORD_FIELDS[ep.record_type](ep.targets))


def _relative_name(dns_name: str, zone: str) -> str:
    return dns_name[: len(dns_name) - len(zone)].removesuffix(".") or "@"


class AzureProvider:
    def __init__(
        self,
        zones: ZonesApi,
        record_sets: RecordSetsApi,
        resource_group: str,
        domain_filter: DomainFilter = MATCH_ALL,
        dry_run: bool = False,
        write_concurrency: int = 1,
        run: CoroutineRunner = asyncio.run,
    ) -> None:
        self._zones = zones
        self._record_sets = record_sets
        self._resource_group = resource_group
        self._domain_filter = domain_filter
        self._dry_run = dry_run
        self._write_concurrency = write_concurrency
        self._run = run

    def records(self) -> list[Endpoint]:
        return self._run(self._records())

    def apply_changes(self, changes: Changes) -> None:
        self._run(self._apply_changes(changes))

    async def _records(self) -> list[Endpoint]:
        endpoints: list[Endpoint] = []
        for zone in await self._zone_names():
            with translated():
                record_sets = [rs async for rs in self._record_sets.list_all_by_dns_zone(self._resource_group, zone)]
            endpoints += [ep for ep in (_endpoint(rs, zone) for rs in record_sets) if ep is not None]
        return endpoints

    async def _apply_changes(self, changes: Changes) -> None:
        zones = await self._zone_names()
        ignored: set[str] = set()
        deletes = [partial(self._delete, zone, ep) for zone, ep in self._in_zones(changes.delete, zones, ignored)]
        upserts = self._in_zones(changes.create + changes.update_new, zones, ignored)
        await self._run_writes(deletes)
        await self._run_writes([partial(self._upsert, zone, ep) for zone, ep in upserts])

    async def _run_writes(self, writes: Sequence[Write]) -> None:
        """Up to `write_concurrency` writes at a time; after the first throttled one, the rest (and it) one by
        one, as external-dns writes, so a rate-limited zone is written at its rate instead of failing the cycle."""
        if self._write_concurrency > 1 and not self._dry_run:
            writes = await self._concurrently(writes)
        for write in writes:
            await write()

    async def _concurrently(self, writes: Sequence[Write]) -> list[Write]:
        """Run `writes` from `write_concurrency` workers until one is throttled; return those not done, in order."""
        queue = iter(enumerate(writes))
        left: list[tuple[int, Write]] = []

        async def worker() -> None:
            for index, write in queue:
                if left:
                    left.append((index, write))
                    continue
                try:
                    await write()
                except SoftError:
                    left.append((index, write))

        # every worker drains the queue before an unexpected error is raised: none is left running on the loop
        outcomes = await asyncio.gather(*(worker() for _ in range(self._write_concurrency)), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return [write for _, write in sorted(left, key=lambda item: item[0])]

    async def _zone_names(self) -> list[str]:
        log.debug("Retrieving Azure DNS zones for resource group: %s.", self._resource_group)
        try:
            zones = [zone async for zone in self._zones.list_by_resource_group(self._resource_group)]
        except AzureError as err:
            raise as_soft(err) from err
        names = [zone.name for zone in zones if zone.name and self._domain_filter.match(zone.name)]
        log.debug("Found %d Azure DNS zone(s).", len(names))
        return names

    @staticmethod
    def _in_zones(endpoints: Iterable[Endpoint], zones: list[str], ignored: set[str]) -> Iterator[tuple[str, Endpoint]]:
        for ep in endpoints:
            zone = find_zone(ep.dns_name, zones)
            if zone is not None:
                yield zone, ep
            elif ep.dns_name not in ignored:
                ignored.add(ep.dns_name)
                log.info("Ignoring changes to '%s' because a suitable Azure DNS zone was not found.", ep.dns_name)

    def _filtered_out(self, ep: Endpoint, action: str) -> bool:
        if self._domain_filter.match(ep.dns_name):
            return False
        log.debug(
            "Skipping %s of record %s because it was filtered out by the specified --domain-filter", action, ep.dns_name
        )
        return True

    async def _delete(self, zone: str, ep: Endpoint) -> None:
        name = _relative_name(ep.dns_name, zone)
        if self._filtered_out(ep, "deletion"):
            return
        if self._dry_run:
            log.info("Would delete %s record named '%s' for Azure DNS zone '%s'.", ep.record_type, name, zone)
            return
        log.info("Deleting %s record named '%s' for Azure DNS zone '%s'.", ep.record_type, name, zone)
        await self._write(
            lambda: self._record_sets.delete(self._resource_group, zone, name, ep.record_type),
            "Failed to delete %s record named '%s' for Azure DNS zone '%s': %s",
            ep.record_type,
            name,
            zone,
        )

    async def _upsert(self, zone: str, ep: Endpoint) -> None:
        if self._filtered_out(ep, "update"):
            return
        name = _relative_name(ep.dns_name, zone)
        args = (ep.record_type, name, ";".join(ep.targets), zone)
        if self._dry_run:
            log.info("Would update %s record named '%s' to '%s' for Azure DNS zone '%s'.", *args)
            return
        log.info("Updating %s record named '%s' to '%s' for Azure DNS zone '%s'.", *args)
        failure = "Failed to update %s record named '%s' to '%s' for DNS zone '%s': %s"
        try:
            record_set = record_set_for(ep)
        except ValueError as err:
            log.error(failure, *args, err)
            return
        await self._write(
            lambda: self._record_sets.create_or_update(self._resource_group, zone, name, ep.record_type, record_set),
            failure,
            *args,
        )

    @staticmethod
    async def _write(call: Callable[[], Awaitable[object]], failure: str, *args: object) -> None:
        """Log a failed write and go on, except a transient failure: that is raised (and logged by the
        controller if it ends the batch; a concurrent write is first tried again on its own)."""
        try:
            await call()
        except AzureError as err:
            error = translate(err)
            if isinstance(error, SoftError):
                raise error from err
            log.error(failure, *args, error)
