"""Authoritative answers from the sandbox's DNS state (RFC 1034 §4.3.2, wildcards per RFC 4592).

For a query inside a served zone: the records of the name (synthesised from ``*.<closest encloser>`` when the
name does not exist), CNAMEs followed within the zone, a referral below a delegation (NS at a non-apex name),
NXDOMAIN or NODATA with the zone's SOA in the authority section; every answer but a referral carries AA.
Names outside every zone are REFUSED. The resolver only reads the zones it is given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol
from weakref import WeakKeyDictionary

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from podid.sandbox.dns.rdata import to_rdata

log = logging.getLogger(__name__)

MAX_CNAME_CHAIN = 8
_APEX = "@"


class RecordSetView(Protocol):
    @property
    def type(self) -> str: ...

    @property
    def ttl(self) -> int: ...

    @property
    def records(self) -> Sequence[Mapping[str, Any]]: ...


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class ZoneView(Protocol):
    """What the resolver reads of one zone (``ZoneRecords`` of the DNS backend)."""

    @property
    def zone(self) -> _Named: ...

    def types_at(self, name: str) -> Mapping[str, RecordSetView]: ...

    def name_exists(self, name: str) -> bool: ...


Serving = Callable[[str, int | None], ZoneView | None]  # (query name, name-server set asked or None)


class Resolver:
    """Turns a query into an authoritative response; rdata is built once per record-set version."""

    def __init__(self, serving: Serving) -> None:
        self._serving = serving
        self._rdata: WeakKeyDictionary[Any, list[dns.rdata.Rdata]] = WeakKeyDictionary()

    def respond(self, query: dns.message.Message, name_server_set: int | None = None) -> dns.message.Message:
        """The answer of the sandbox's name servers, or of Azure DNS's name-server set ``name_server_set``."""
        response = dns.message.make_response(query)
        if query.opcode() != dns.opcode.QUERY:
            response.set_rcode(dns.rcode.NOTIMP)
            return response
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        in_class = question.rdclass == dns.rdataclass.IN
        zone = self._serving(question.name.to_text(), name_server_set) if in_class else None
        if zone is None:
            response.set_rcode(dns.rcode.REFUSED)
            return response
        response.flags |= dns.flags.AA
        self._resolve(response, zone, question.name, question.rdtype)
        return response

    def _resolve(
        self, response: dns.message.Message, zone: ZoneView, qname: dns.name.Name, qtype: dns.rdatatype.RdataType
    ) -> None:
        origin = dns.name.from_text(zone.zone.name)
        name, visited = qname, set()
        for _ in range(MAX_CNAME_CHAIN):
            visited.add(name)
            relative = name.relativize(origin).to_text()
            cut = _delegation(zone, relative)
            if cut is not None:
                if name == qname:  # a referral, not an answer: the child zone is authoritative
                    response.flags &= ~dns.flags.AA
                    ns = zone.types_at(cut)["NS"]
                    response.authority.append(self._rrset(dns.name.from_text(cut, origin), ns))
                return
            types = _lookup(zone, relative)
            if types is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
                self._add_soa(response, zone, origin)
                return
            added, target = self._answer(response, name, qtype, types)
            if not added:  # NODATA
                self._add_soa(response, zone, origin)
                return
            if target is None or target in visited or not target.is_subdomain(origin):
                return
            name = target

    def _answer(
        self,
        response: dns.message.Message,
        name: dns.name.Name,
        qtype: dns.rdatatype.RdataType,
        types: Mapping[str, RecordSetView],
    ) -> tuple[bool, dns.name.Name | None]:
        """Add the name's records for qtype: (whether any were added, the CNAME target to follow)."""
        if qtype == dns.rdatatype.ANY:
            added = [self._append(response, name, record_set) for record_set in types.values()]
            return any(added), None
        wanted = types.get(dns.rdatatype.to_text(qtype))
        if wanted is not None and self._append(response, name, wanted):
            return True, None
        alias = types.get("CNAME")
        if alias is not None and qtype != dns.rdatatype.CNAME and self._append(response, name, alias):
            return True, dns.name.from_text(alias.records[0]["cname"])
        return False, None

    def _append(self, response: dns.message.Message, name: dns.name.Name, record_set: RecordSetView) -> bool:
        rrset = self._rrset(name, record_set)
        if not rrset:
            return False
        response.answer.append(rrset)
        return True

    def _add_soa(self, response: dns.message.Message, zone: ZoneView, origin: dns.name.Name) -> None:
        soa = zone.types_at(_APEX).get("SOA")
        if soa is None or not soa.records:
            return
        rrset = self._rrset(origin, soa)
        rrset.ttl = min(soa.ttl, int(soa.records[0]["minimumTTL"]))  # RFC 2308 negative-caching TTL
        response.authority.append(rrset)

    def _rrset(self, name: dns.name.Name, record_set: RecordSetView) -> dns.rrset.RRset:
        rdatas = self._rdata.get(record_set)
        if rdatas is None:
            try:
                rdatas = to_rdata(record_set.type, record_set.records)
            except (ValueError, dns.exception.DNSException):
                log.warning("record set %s %s cannot be served over DNS", record_set.type, name)
                rdatas = []
            self._rdata[record_set] = rdatas
        rrset = dns.rrset.RRset(name, dns.rdataclass.IN, dns.rdatatype.from_text(record_set.type))
        for rdata in rdatas:
            rrset.add(rdata, record_set.ttl)
        return rrset


def _delegation(zone: ZoneView, relative: str) -> str | None:
    """The highest non-apex name at or above ``relative`` holding NS records (a zone cut), if any."""
    if relative == _APEX:
        return None
    labels = relative.split(".")
    for start in range(len(labels) - 1, -1, -1):
        candidate = ".".join(labels[start:])
        ns = zone.types_at(candidate).get("NS")
        if ns is not None and ns.records:
            return candidate
    return None


def _lookup(zone: ZoneView, relative: str) -> Mapping[str, RecordSetView] | None:
    """The record sets answering for ``relative``: its own, a wildcard's, {} for NODATA, None for NXDOMAIN."""
    types = zone.types_at(relative)
    if types or zone.name_exists(relative):
        return types
    labels = relative.split(".")
    for start in range(1, len(labels) + 1):
        encloser = ".".join(labels[start:]) or _APEX
        if zone.name_exists(encloser):
            wildcard = zone.types_at("*" if encloser == _APEX else f"*.{encloser}")
            return wildcard or None
    return None
