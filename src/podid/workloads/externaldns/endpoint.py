"""The value every stage passes around (external-dns `endpoint/endpoint.go`, `endpoint/labels.go`).

An `Endpoint` is one DNS record set: a name, a type, its targets and TTL, plus labels. Labels are how
ownership travels: the TXT registry serialises them into the TXT value
`"heritage=external-dns,external-dns/owner=<id>,external-dns/resource=<kind>/<ns>/<name>"`
(sorted keys, literal double quotes) and parses them back on read.
"""

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

A = "A"
AAAA = "AAAA"
CNAME = "CNAME"
TXT = "TXT"
MX = "MX"
NS = "NS"

OWNER_LABEL = "owner"
RESOURCE_LABEL = "resource"
HERITAGE = "external-dns"

TTL_UNSET = 0  # the provider default applies (300 s for Azure)


class InvalidHeritageError(ValueError):
    """A TXT value without `heritage=external-dns`: a foreign record, never touched (`ErrInvalidHeritage`)."""

    def __init__(self) -> None:
        super().__init__("heritage is unknown or not found")


@dataclass(frozen=True)
class Endpoint:
    """One record set. Immutable: stages derive new endpoints with `with_labels`."""

    dns_name: str
    record_type: str
    targets: tuple[str, ...]
    ttl: int = TTL_UNSET
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    set_identifier: str = ""
    # upstream's `txt/force-update` provider-specific property: the TXT registry asks the planner to rewrite
    # a record whose TXTs are incomplete; no part of the record itself, so not compared
    force_update: bool = field(default=False, compare=False)

    def key(self) -> tuple[str, str, str]:
        return (self.dns_name, self.record_type, self.set_identifier)

    def is_owned_by(self, owner_id: str) -> bool:
        return self.labels.get(OWNER_LABEL) == owner_id

    def with_labels(self, **labels: str) -> "Endpoint":
        return replace(self, labels={**self.labels, **labels})


def serialize_labels(labels: Mapping[str, str]) -> str:
    """The TXT value: heritage first, then the labels sorted by key, wrapped in literal quotes."""
    tokens = [f"heritage={HERITAGE}"]
    tokens += [f"{HERITAGE}/{key}={labels[key]}" for key in sorted(labels)]
    return '"' + ",".join(tokens) + '"'


def parse_labels(text: str) -> dict[str, str]:
    """Parse a TXT value written by `serialize_labels`; raise InvalidHeritageError for foreign values."""
    labels: dict[str, str] = {}
    found_heritage = False
    for token in text.strip('"').split(","):
        parts = token.split("=")
        if len(parts) != 2:
            continue
        key, value = parts
        if key == "heritage":
            if value != HERITAGE:
                raise InvalidHeritageError()
            found_heritage = True
        elif key.startswith(HERITAGE):
            labels[key.removeprefix(f"{HERITAGE}/")] = value
    if not found_heritage:
        raise InvalidHeritageError()
    return labels


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _canonical(target: str) -> str:
    """IPv6 can be written many ways; compare and sort by the parsed form."""
    ip = _ip(target)
    return str(ip) if ip is not None else target


def sorted_targets(targets: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(targets), key=_canonical))


def same_targets(left: Iterable[str], right: Iterable[str]) -> bool:
    """Order-insensitive, case-insensitive, IPv6 compared after parsing (`Targets.Same`)."""
    return sorted(_canonical(t).lower() for t in left) == sorted(_canonical(t).lower() for t in right)


def _compare_target(left: str, right: str) -> int:
    """IPs sort before names, so `1.2.3.4` is never 'greater' than `1-2-3-4.example.com`."""
    left_ip, right_ip = _ip(left), _ip(right)
    if left_ip is not None and right_ip is not None:
        left_key = (left_ip.version, int(left_ip))
        right_key = (right_ip.version, int(right_ip))
        return (left_key > right_key) - (left_key < right_key)
    if (left_ip is None) != (right_ip is None):
        return -1 if left_ip is not None else 1
    return (left > right) - (left < right)


def compare_targets(left: Iterable[str], right: Iterable[str]) -> int:
    """`Targets.IsLess` as a cmp function: fewer targets first, then the first differing sorted target."""
    left_sorted, right_sorted = sorted(left, key=_canonical), sorted(right, key=_canonical)
    if len(left_sorted) != len(right_sorted):
        return -1 if len(left_sorted) < len(right_sorted) else 1
    for left_target, right_target in zip(left_sorted, right_sorted, strict=True):
        if left_target != right_target:
            return _compare_target(left_target, right_target)
    return 0


def _compare_endpoints(left: Endpoint, right: Endpoint) -> int:
    return compare_targets(left.targets, right.targets)


by_targets = functools.cmp_to_key(_compare_endpoints)
"""Sort key ordering endpoints by their targets, as the planner's conflict resolver does."""
