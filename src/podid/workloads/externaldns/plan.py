"""The pure planner: current records + desired endpoints -> Changes (external-dns `plan/plan.go`, `conflict.go`).

Rows are keyed by (lower-cased FQDN with a trailing dot, set identifier) and grouped by record type:

    row state                      result
    -----------------------------  ------------------------------------------------------------------
    no current records             create the best candidate of each desired type
    current records, no candidate  delete them all
    both                           per type: delete types no longer desired; update a type whose
                                   targets or configured TTL differ (or the registry forces it);
                                   create a newly desired type only
                                   if *every* current record of the row is owned by this owner

A CNAME candidate loses to A/AAAA candidates of the same name (RFC 1034 3.6.2). The policy then filters the
changes, and finally deletes and updates are restricted to records owned by `owner_id`: records owned by
someone else, or by no one, are never modified or deleted.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from .domain_filter import MATCH_ALL, DomainFilter
from .endpoint import (
    AAAA,
    CNAME,
    OWNER_LABEL,
    RESOURCE_LABEL,
    A,
    Endpoint,
    by_targets,
    same_targets,
)

log = logging.getLogger(__name__)

DEFAULT_MANAGED_TYPES = (A, AAAA, CNAME)


@dataclass(frozen=True)
class Changes:
    create: tuple[Endpoint, ...] = ()
    update_old: tuple[Endpoint, ...] = ()
    update_new: tuple[Endpoint, ...] = ()
    delete: tuple[Endpoint, ...] = ()

    def has_changes(self) -> bool:
        return bool(self.create or self.delete) or self.update_new != self.update_old


Policy = Callable[[Changes], Changes]


@dataclass
class _TypeGroup:
    current: Endpoint | None = None
    candidates: list[Endpoint] = field(default_factory=list)


@dataclass
class _Row:
    current: list[Endpoint] = field(default_factory=list)
    candidates: list[Endpoint] = field(default_factory=list)
    by_type: dict[str, _TypeGroup] = field(default_factory=dict)


@dataclass
class _Accumulator:
    create: list[Endpoint] = field(default_factory=list)
    update_old: list[Endpoint] = field(default_factory=list)
    update_new: list[Endpoint] = field(default_factory=list)
    delete: list[Endpoint] = field(default_factory=list)


def _row_key(ep: Endpoint) -> tuple[str, str]:
    name = ep.dns_name.strip().lower()
    return (name if name.endswith(".") else name + ".", ep.set_identifier)


def _build_table(
    current: Iterable[Endpoint], desired: Iterable[Endpoint], keep: Callable[[Endpoint], bool]
) -> dict[tuple[str, str], _Row]:
    rows: dict[tuple[str, str], _Row] = {}
    for ep in filter(keep, current):
        row = rows.setdefault(_row_key(ep), _Row())
        row.current.append(ep)
        row.by_type.setdefault(ep.record_type, _TypeGroup()).current = ep
    for ep in filter(keep, desired):
        row = rows.setdefault(_row_key(ep), _Row())
        row.candidates.append(ep)
        row.by_type.setdefault(ep.record_type, _TypeGroup()).candidates.append(ep)
    return rows


def _resolve_record_types(name: str, row: _Row) -> dict[str, _TypeGroup]:
    """Drop CNAME candidates when A/AAAA candidates want the same name; keep a current CNAME to delete it."""
    kinds = {ep.record_type == CNAME for ep in row.candidates}
    if len(kinds) < 2:
        return row.by_type
    log.warning("Domain %s contains conflicting record type candidates; discarding CNAME record", name)
    return {
        record_type: _TypeGroup(group.current, []) if record_type == CNAME else group
        for record_type, group in row.by_type.items()
    }


def _resolve_create(candidates: Sequence[Endpoint]) -> Endpoint:
    """The candidate with the fewest, then smallest, targets (IPs before names)."""
    return min(candidates, key=by_targets)


def _resolve_update(current: Endpoint, candidates: Sequence[Endpoint]) -> Endpoint:
    """Prefer the resource that already holds the name, so another resource cannot steal it."""
    resource = current.labels.get(RESOURCE_LABEL, "")
    for candidate in sorted(candidates, key=by_targets):
        if candidate.labels.get(RESOURCE_LABEL, "") == resource:
            return candidate
    return _resolve_create(candidates)


def _needs_update(desired: Endpoint, current: Endpoint) -> bool:
    """Targets or the configured TTL differ, or the registry wants the record rewritten (`plan.go`'s
    `shouldUpdateProviderSpecific` sees `txt/force-update` on the current record and not on the desired)."""
    ttl_changed = desired.ttl > 0 and desired.ttl != current.ttl
    return ttl_changed or current.force_update or not same_targets(desired.targets, current.targets)


def _plan_taken_row(row: _Row, groups: dict[str, _TypeGroup], owner_id: str, acc: _Accumulator) -> None:
    creates: list[Endpoint] = []
    for group in groups.values():
        if group.current is not None and not group.candidates:
            acc.delete.append(group.current)
        elif group.current is None and group.candidates:
            creates.append(_resolve_create(group.candidates))
        elif group.current is not None:
            update = _resolve_update(group.current, group.candidates)
            if _needs_update(update, group.current):
                acc.update_new.append(update.with_labels(**{OWNER_LABEL: group.current.labels.get(OWNER_LABEL, "")}))
                acc.update_old.append(group.current)
    if not owner_id or all(ep.is_owned_by(owner_id) for ep in row.current):
        acc.create.extend(creates)
    elif creates:
        log.debug("Skipping creates for %s: not every current record is owned by %r", row.current, owner_id)


def _remove_duplicates(endpoints: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    seen: dict[tuple[str, str, str], Endpoint] = {}
    for ep in endpoints:
        seen.setdefault(ep.key(), ep)
    return tuple(seen.values())


def _owned(endpoints: Iterable[Endpoint], owner_id: str) -> tuple[Endpoint, ...]:
    return tuple(ep for ep in endpoints if ep.is_owned_by(owner_id))


def calculate(
    current: Iterable[Endpoint],
    desired: Iterable[Endpoint],
    policy: Policy,
    domain_filter: DomainFilter = MATCH_ALL,
    owner_id: str = "",
    managed_types: Iterable[str] = DEFAULT_MANAGED_TYPES,
) -> Changes:
    """Compute the changes that move `current` towards `desired`. Pure: no I/O, inputs untouched."""
    managed = frozenset(managed_types)

    def keep(ep: Endpoint) -> bool:
        if not domain_filter.match(ep.dns_name):
            log.debug("ignoring record %s that does not match domain filter", ep.dns_name)
            return False
        return ep.record_type in managed

    acc = _Accumulator()
    for (name, _), row in _build_table(current, desired, keep).items():
        groups = _resolve_record_types(name, row)
        if not row.current:
            acc.create += [_resolve_create(g.candidates) for g in groups.values() if g.candidates]
        elif not row.candidates:
            acc.delete += row.current
        else:
            _plan_taken_row(row, groups, owner_id, acc)
    changes = policy(Changes(tuple(acc.create), tuple(acc.update_old), tuple(acc.update_new), tuple(acc.delete)))
    if not owner_id:
        return changes
    return replace(
        changes,
        delete=_remove_duplicates(_owned(changes.delete, owner_id)),
        update_old=_owned(changes.update_old, owner_id),
        update_new=_owned(changes.update_new, owner_id),
    )
