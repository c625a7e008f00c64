"""Azure DNS record types, and the rules for zone and record names and record data (pure functions, no state).

Records keep Azure's wire field names (``ipv4Address``, ``exchange``, ``minimumTTL`` ...): they are the same in
every api-version, and the DNS wire server turns them into rdata directly.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from podid.sandbox.arm.dns.errors import InvalidDomainName, InvalidRecordSet, InvalidZoneType, ZoneNameTooShort
from podid.sandbox.arm.errors import BadRequest, LocationRequired

Record = dict[str, Any]

# record type → the wire property holding its records (note Azure's casing: `caaRecords`)
RECORD_PROPERTY = {
    "A": "ARecords",
    "AAAA": "AAAARecords",
    "CAA": "caaRecords",
    "CNAME": "CNAMERecord",
    "MX": "MXRecords",
    "NS": "NSRecords",
    "PTR": "PTRRecords",
    "SOA": "SOARecord",
    "SRV": "SRVRecords",
    "TXT": "TXTRecords",
}
SINGLE_RECORD_TYPES = frozenset({"CNAME", "SOA"})  # one object on the wire, not a list
_PROPERTY_TYPE = {prop.lower(): kind for kind, prop in RECORD_PROPERTY.items()}

APEX = "@"
MAX_TTL = 2_147_483_647
MAX_RECORDS_PER_SET = 20
# Each TXT string up to 255 characters (https://github.com/Azure/azure-rest-api-specs/issues/8249,
# https://github.com/MicrosoftDocs/azure-docs/pull/89374); in characters, so a string may take more than 255
# bytes in UTF-8, which the DNS server then splits (dns/rdata.py). All strings of a set: 4096 characters.
MAX_TXT_STRING = 255
MAX_TXT_SET = 4096
_MAX_NAME = 253
_LABEL = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
_ARM_NAME = re.compile(r"^[^<>%&:\\?/]{1,260}$")
_CAA_TAG = re.compile(r"^[A-Za-z0-9]{1,255}$")

# each record type's fields, in wire order, with the kind of value each holds
_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "A": (("ipv4Address", "ipv4"),),
    "AAAA": (("ipv6Address", "ipv6"),),
    "CAA": (("flags", "u8"), ("tag", "caa_tag"), ("value", "text")),
    "CNAME": (("cname", "domain"),),
    "MX": (("preference", "u16"), ("exchange", "domain")),
    "NS": (("nsdname", "domain"),),
    "PTR": (("ptrdname", "domain"),),
    "SOA": (
        ("host", "domain"),
        ("email", "domain"),
        ("serialNumber", "u32"),
        ("refreshTime", "u32"),
        ("retryTime", "u32"),
        ("expireTime", "u32"),
        ("minimumTTL", "u32"),
    ),
    "SRV": (("priority", "u16"), ("weight", "u16"), ("port", "u16"), ("target", "domain")),
    "TXT": (("value", "strings"),),
}


def canonical_type(raw: str) -> str | None:
    """'a' and 'A' both mean 'A'; None for anything Azure DNS does not serve."""
    upper = raw.upper()
    return upper if upper in RECORD_PROPERTY else None


# names


def is_domain_name(name: str) -> bool:
    """A DNS name Azure accepts as record data: labels of letters, digits, '-' and '_', one optional final dot."""
    bare = name[:-1] if name.endswith(".") else name
    return 0 < len(bare) <= _MAX_NAME and all(_LABEL.match(label) for label in bare.split("."))


def validate_zone_name(name: str) -> None:
    if not is_domain_name(name) or name.endswith("."):
        raise InvalidDomainName(name)
    if name.count(".") < 1:
        raise ZoneNameTooShort(name)


def validate_zone_location(location: object) -> None:
    if location is None:
        raise LocationRequired()
    if not isinstance(location, str) or location.lower() != "global":
        raise BadRequest(
            f"The provided location '{location}' is not available for resource type 'Microsoft.Network/dnszones'. "
            "List of available regions for the resource type is 'global'.",
            code="LocationNotAvailableForResourceType",
        )


def validate_zone_type(zone_type: object) -> str:
    raw = "Public" if zone_type is None else zone_type
    canonical = {"public": "Public", "private": "Private"}.get(raw.lower()) if isinstance(raw, str) else None
    if canonical is None:
        raise InvalidZoneType(zone_type)
    return canonical


def validate_relative_name(name: str, zone: str, record_type: str) -> None:
    """'@', or labels under the zone; a leading '*' label makes a wildcard (never for NS or SOA)."""
    if record_type == "SOA" and name != APEX:
        raise InvalidRecordSet("Record sets of type 'SOA' can only be updated at the zone apex '@'.")
    if name == APEX:
        return
    fqdn = f"{name}.{zone}"
    if not _ARM_NAME.match(name) or len(fqdn) > _MAX_NAME:
        raise InvalidDomainName(fqdn)
    labels = name.split(".")
    if labels[0] == "*":
        if record_type == "NS":
            raise InvalidRecordSet("Wildcard record sets are not supported for record type 'NS'.")
        labels = labels[1:]
    if not all(_LABEL.match(label) for label in labels):
        raise InvalidDomainName(fqdn)


def relative_key(name: str) -> str:
    """The case-insensitive key of a relative name."""
    return name.lower()


# record set properties


def validate_ttl(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_TTL:
        raise InvalidRecordSet(f"The value '{value}' of property 'TTL' is invalid. It must be between 0 and {MAX_TTL}.")
    return value


def validate_metadata(value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise InvalidRecordSet("The value of property 'metadata' must be an object of string values.")
    return dict(value)


def parse_records(record_type: str, properties: dict[str, Any], *, partial: bool = False) -> list[Record] | None:
    """The records of ``record_type`` in a request's ``properties``, validated; None when absent.

    ``partial`` lets SOA updates name only the fields they change (Azure keeps the others).
    """
    for key, value in properties.items():
        other = _PROPERTY_TYPE.get(key.lower())
        if other is not None and other != record_type and value is not None:
            raise InvalidRecordSet(
                f"The property '{RECORD_PROPERTY[other]}' is not allowed in a record set of type '{record_type}'."
            )
    raw = _property(properties, RECORD_PROPERTY[record_type])
    if raw is None:
        return None
    items = [raw] if record_type in SINGLE_RECORD_TYPES else raw
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidRecordSet(f"The value of property '{RECORD_PROPERTY[record_type]}' is invalid.")
    records = [_record(record_type, item, partial) for item in items]
    _check_set(record_type, records)
    return records


def _property(properties: dict[str, Any], name: str) -> Any:
    lowered = name.lower()
    return next((value for key, value in properties.items() if key.lower() == lowered), None)


def _record(record_type: str, raw: dict[str, Any], partial: bool) -> Record:
    record: Record = {}
    for field, kind in _FIELDS[record_type]:
        value = _property(raw, field)
        if value is None:
            if partial:
                continue
            raise InvalidRecordSet(f"The property '{field}' is required in a record of type '{record_type}'.")
        record[field] = _VALIDATORS[kind](field, value)
    return record


def _check_set(record_type: str, records: list[Record]) -> None:
    if len(records) > MAX_RECORDS_PER_SET:
        raise InvalidRecordSet(
            f"The number of records in a record set of type '{record_type}' cannot exceed {MAX_RECORDS_PER_SET}."
        )
    seen: list[Record] = []
    for record in records:
        if record in seen:
            field = _FIELDS[record_type][-1][0]
            raise InvalidRecordSet(
                f"The list of record sets of type '{record_type}' may not contain multiple entries with the same "
                f"'{field}'."
            )
        seen.append(record)
    if record_type == "TXT" and sum(len(text) for record in records for text in record["value"]) > MAX_TXT_SET:
        # Azure's text: https://github.com/hashicorp/terraform-provider-azurerm/pull/24169
        raise InvalidRecordSet(
            f"The combined length of all TXT records in a record set may not exceed {MAX_TXT_SET} characters."
        )


# field validators: (field name, raw value) → normalised value, or InvalidRecordSet


def _integer(bits: int) -> Callable[[str, object], int]:
    top = (1 << bits) - 1

    def check(field: str, value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
            raise InvalidRecordSet(
                f"The value '{value}' of property '{field}' is invalid. It must be between 0 and {top}."
            )
        return value

    return check


def _address(version: int) -> Callable[[str, object], str]:
    def check(field: str, value: object) -> str:
        try:
            address = ipaddress.ip_address(value if isinstance(value, str) else "")
        except ValueError:
            address = None
        if address is None or address.version != version:
            raise InvalidRecordSet(f"The IPv{version} address '{value}' is invalid.")
        return str(value)

    return check


def _domain(field: str, value: object) -> str:
    if not isinstance(value, str) or not is_domain_name(value):
        raise InvalidDomainName(str(value))
    return value


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidRecordSet(f"The value of property '{field}' must be a string.")
    return value


def _caa_tag(field: str, value: object) -> str:
    if not isinstance(value, str) or not _CAA_TAG.match(value):
        raise InvalidRecordSet(f"The CAA tag '{value}' is invalid.")
    return value


def _strings(field: str, value: object) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise InvalidRecordSet("The value of a TXT record must be a non-empty list of strings.")
    for text in value:
        if len(text) > MAX_TXT_STRING:
            raise InvalidRecordSet(f"A TXT record string cannot be longer than {MAX_TXT_STRING} characters.")
    return list(value)


_VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "ipv4": _address(4),
    "ipv6": _address(6),
    "domain": _domain,
    "text": _text,
    "caa_tag": _caa_tag,
    "strings": _strings,
    "u8": _integer(8),
    "u16": _integer(16),
    "u32": _integer(32),
}
