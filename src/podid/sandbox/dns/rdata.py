"""Azure DNS records (wire field names) → dnspython rdata.

Azure treats every name in record data as fully qualified whether or not it ends with a dot, so names are
parsed relative to the root.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

Record = Mapping[str, Any]


def _name(value: str) -> dns.name.Name:
    return dns.name.from_text(value)


def _mailbox(value: str) -> dns.name.Name:
    """SOA email: Azure stores the dotted form; accept 'user@domain' too."""
    return dns.name.from_text(value.replace("@", ".", 1))


# record type → the rdata constructor's arguments after (rdclass, rdtype), in dnspython's order
_FIELDS: dict[str, Callable[[Record], tuple[object, ...]]] = {
    "A": lambda r: (r["ipv4Address"],),
    "AAAA": lambda r: (r["ipv6Address"],),
    "CAA": lambda r: (r["flags"], r["tag"].encode(), r["value"].encode()),
    "CNAME": lambda r: (_name(r["cname"]),),
    "MX": lambda r: (r["preference"], _name(r["exchange"])),
    "NS": lambda r: (_name(r["nsdname"]),),
    "PTR": lambda r: (_name(r["ptrdname"]),),
    "SOA": lambda r: (
        _name(r["host"]),
        _mailbox(r["email"]),
        r["serialNumber"],
        r["refreshTime"],
        r["retryTime"],
        r["expireTime"],
        r["minimumTTL"],
    ),
    "SRV": lambda r: (r["priority"], r["weight"], r["port"], _name(r["target"])),
    "TXT": lambda r: ([chunk for text in r["value"] for chunk in _character_strings(text)],),
}
MAX_CHARACTER_STRING = 255  # a length octet (RFC 1035 §3.3)


def _character_strings(text: str) -> list[bytes]:
    """One TXT string as DNS character strings: UTF-8, split every 255 bytes as Azure DNS serves a longer value
    (https://learn.microsoft.com/azure/dns/dns-zones-records#txt-records)."""
    data = text.encode()
    return [data[start : start + MAX_CHARACTER_STRING] for start in range(0, len(data), MAX_CHARACTER_STRING)] or [b""]


def to_rdata(record_type: str, records: Sequence[Record]) -> list[dns.rdata.Rdata]:
    """The rdata of one record set; raises ValueError or a DNSException for data DNS cannot carry."""
    rdtype = dns.rdatatype.from_text(record_type)
    build: Callable[..., dns.rdata.Rdata] = dns.rdata.get_rdata_class(dns.rdataclass.IN, rdtype)  # type: ignore[no-untyped-call]
    fields = _FIELDS[record_type]
    return [build(dns.rdataclass.IN, rdtype, *fields(record)) for record in records]
