"""One ARM resource as a step sees it: how to read it, what it should look like, how to write it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podid.provision.errors import NotFound, translated
from podid.provision.step import Change, merge, subset_diff, wire


@dataclass
class ArmResource:
    what: str  # "DNS zone example.internal"
    desired: dict[str, Any]  # wire JSON of the fields podid manages
    read: Callable[[], Any]  # the SDK model; raises (or returns None) when absent
    write: Callable[[dict[str, Any]], Any]  # PUT and wait; returns the SDK model
    whole: bool = False  # PUT replaces the whole resource (AKS): send the current one with our fields set
    ready: Callable[[Any], None] = lambda model: None  # hand the resource on to later steps
    initial: dict[str, Any] | None = None  # fields set only when creating (immutable choices, e.g. a DNS prefix)


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


def plan(resource: ArmResource) -> list[Change]:
    existing = current(resource.read)
    if existing is None:
        body = merge(resource.desired, resource.initial or {})
        details = tuple(line.replace("(none) → ", "") for line in subset_diff(body, {}))
        return [Change("create", resource.what, details, lambda: _write(resource, body))]
    resource.ready(existing)
    diffs = subset_diff(resource.desired, wire(existing))
    if not diffs:
        return []
    body = merge(wire(existing, readonly=False), resource.desired) if resource.whole else resource.desired
    return [Change("update", resource.what, tuple(diffs), lambda: _write(resource, body))]
