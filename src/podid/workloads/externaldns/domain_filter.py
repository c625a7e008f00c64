"""`--domain-filter` / `--exclude-domains` matching (external-dns `endpoint/domain_filter.go`).

A name matches a filter when the filter starts with `.` and the name ends with it, when both have the same
number of labels and are equal, or when the name ends with `.<filter>`. So the filter `example.com` matches
`example.com` and `app.example.com`, while `.example.com` matches only subdomains. The same rule selects
Azure zones, which is why the filter `app.example.com` does *not* select the zone `example.com`.
"""

from collections.abc import Iterable
from dataclasses import dataclass


def _normalize(name: str) -> str:
    return name.strip().lower().removesuffix(".")


def _prepare(filters: Iterable[str]) -> tuple[str, ...]:
    return tuple(domain for domain in map(_normalize, filters) if domain)


def _matches(filter_: str, name: str) -> bool:
    if filter_.startswith("."):
        return name.endswith(filter_)
    if name.count(".") == filter_.count("."):
        return name == filter_
    return name.endswith("." + filter_)


@dataclass(frozen=True)
class DomainFilter:
    """Include/exclude lists, already normalised (lower case, trimmed, no trailing dot, no empties)."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def of(cls, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> "DomainFilter":
        return cls(_prepare(include), _prepare(exclude))

    def match(self, name: str) -> bool:
        """An empty include list matches everything; an empty exclude list excludes nothing."""
        name = name.lower().removesuffix(".")
        included = not self.include or any(_matches(f, name) for f in self.include)
        return included and not any(_matches(f, name) for f in self.exclude)


MATCH_ALL = DomainFilter()
