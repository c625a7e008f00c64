"""One ARM resource as a step sees it: how to read it, what it should look like, how to write it, whose it is.

A resource podid creates is claimed (tags, or the description marker); one that exists already is reused as it
is and reported as kept, unless ``adopt`` claims it. Fields Azure cannot change in place (a location) are never
planned as updates: the change is shown as blocked and ``up`` refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podid.provision.errors import NotFound, translated
from podid.provision.step import Change, kept, merge, subset_diff, wire
from podid.provision.steps._owner import Owner


@dataclass(frozen=True)
class Fixed:
    """A field set at creation only: ``path`` into the wire JSON, and the setting that chose it."""

    path: tuple[str, ...]
    label: str  # "location"
    setting: str | None = None  # "AZ_LOCATION"


LOCATION = Fixed(("location",), "location", "AZ_LOCATION")


@dataclass
class ArmResource:
    what: str  # "DNS zone example.internal"
    desired: dict[str, Any]  # wire JSON of the fields podid manages
    read: Callable[[], Any]  # the SDK model; raises (or returns None) when absent
    write: Callable[[dict[str, Any]], Any]  # PUT and wait; returns the SDK model
    whole: bool = False  # PUT replaces the whole resource (AKS): send the current one with our fields set
    ready: Callable[[Any], None] = lambda model: None  # hand the resource on to later steps
    initial: dict[str, Any] | None = None  # fields set only when creating (immutable choices, e.g. a DNS prefix)
    owner: Owner | None = None  # claimed when created; None: a second view of a resource another step owns
    adopt: bool = False  # claim it when it exists but is not ours
    fixed: tuple[Fixed, ...] = ()


def current(read: Callable[[], Any]) -> Any:
    """The resource, or None when ARM says 404."""
    try:
        with translated():
            return read()
    except NotFound:
        return None


def _write(resource: ArmResource, body: dict[str, Any]) -> Any:
    with translated():
        model = resource.write(body)
    resource.ready(model)
    return model


def _at(body: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        body = body.get(key) if isinstance(body, dict) else None
    return body


def immovable(resource: ArmResource, have: dict[str, Any]) -> list[str]:
    """Why each fixed field that differs cannot be changed (ARM rejects a new location for an existing resource:
    https://learn.microsoft.com/azure/azure-resource-manager/management/move-resource-group-and-subscription)."""
    ours = resource.owner is None or resource.owner.owns(have)
    # `podid down` removes only what podid created: for another's resource, the way out is another name
    way_out = "delete the setup with `podid down`" if ours else "it is not podid's: choose another name"
    reasons = []
    for fixed in resource.fixed:
        want, found = _at(resource.desired, fixed.path), _at(have, fixed.path)
        if want is None or found is None or str(want).lower() == str(found).lower():
            continue
        keep = f" or keep {fixed.setting}={found}" if fixed.setting else ""
        reasons.append(f"{resource.what}: cannot change {fixed.label} {found} → {want} in place: {way_out}{keep}")
    return reasons


def _create(resource: ArmResource) -> list[Change]:
    body = merge(resource.desired, resource.initial or {})
    if resource.owner is not None:
        body = merge(body, resource.owner.claim())
    details = tuple(line.replace("(none) → ", "") for line in subset_diff(body, {}))
    return [Change("create", resource.what, details, lambda: _write(resource, body))]


def plan(resource: ArmResource) -> list[Change]:
    existing = current(resource.read)
    if existing is None:
        return _create(resource)
    resource.ready(existing)
    have = wire(existing)
    blocked = immovable(resource, have)
    if blocked:
        return [Change("update", resource.what, tuple(blocked), blocked=blocked[0])]
    desired, notes = resource.desired, []
    if resource.owner is not None:  # ours (or adopted) stays claimed through a PUT; another's is left unclaimed
        if resource.adopt or resource.owner.owns(have):
            desired = merge(desired, resource.owner.claim())
        else:
            notes = [kept(resource.what)]
    diffs = subset_diff(desired, have)
    if not diffs:
        return notes
    if resource.whole:
        body = merge(wire(existing, readonly=False), desired)
    else:  # a PUT replaces the tags: keep the ones podid does not own
        body = merge({"tags": have.get("tags") or {}}, desired) if have.get("tags") else desired
    return [*notes, Change("update", resource.what, tuple(diffs), lambda: _write(resource, body))]
