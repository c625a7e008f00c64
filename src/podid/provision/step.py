"""Steps: read current → compute desired → diff → apply, and the runner that executes them in order.

A step's ``plan(state)`` reads what exists and returns the changes that would make it as desired; each change
carries its own ``apply``. ``run(apply=False)`` is ``podid plan``; ``run(apply=True)`` is ``podid up``. A
second ``up`` plans no change, so it writes nothing. Steps pass what they learn (ids, principals, the cluster) to
later steps through the shared ``State``; in a plan, what does not exist yet is "known after apply".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from azure.core.serialization import is_generated_model

from podid.provision.errors import ProvisionError
from podid.provision.state import State

M = TypeVar("M")
# "keep": not a change: an existing part podid did not create, reported so that nobody wonders why it stays
Action = Literal["create", "update", "delete", "keep"]
UNKNOWN = "(known after apply)"


class Blocked(ProvisionError):
    """A change that cannot be made (Azure cannot apply it in place, or it would overwrite what is not ours)."""


@dataclass(frozen=True)
class Change:
    action: Action
    what: str  # "DNS zone example.internal"
    details: tuple[str, ...] = ()  # "location: eastus → westus2"
    apply: Callable[[], object] | None = field(default=None, compare=False, repr=False)
    blocked: str | None = None  # why `up` refuses this change (before any write)
    replaces: bool = False  # an update made by deleting and creating again (a Pod's spec is immutable)

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"action": self.action, "what": self.what, "details": list(self.details)}
        if self.blocked:
            shown["blocked"] = self.blocked
        if self.replaces:
            shown["replace"] = True
        return shown


def kept(what: str, reason: str = "not created by podid") -> Change:
    return Change("keep", what, (reason,))


@dataclass
class StepReport:
    step: str
    changes: list[Change]
    applied: bool
    seconds: float = 0.0
    kept: list[Change] = field(default_factory=list)  # what this step leaves alone, and why

    @property
    def action(self) -> str:
        """What the step does as a whole: create, update or delete ("" when nothing)."""
        actions = {change.action for change in self.changes}
        if not actions:
            return ""
        return "create" if actions == {"create"} else "delete" if actions == {"delete"} else "update"

    @property
    def outcome(self) -> str:
        if not self.changes:
            return "unchanged"
        verb = self.action
        return {"create": "created", "delete": "deleted", "update": "updated"}[verb] if self.applied else verb

    @property
    def blocked(self) -> list[str]:
        return [change.blocked for change in self.changes if change.blocked]

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "outcome": self.outcome,
            "changes": [change.as_dict() for change in self.changes],
            "kept": [f"{change.what} ({', '.join(change.details)})" for change in self.kept],
            "seconds": round(self.seconds, 3),
        }


class Step(Protocol):
    name: str

    def plan(self, state: State) -> list[Change]: ...


class Progress(Protocol):
    def started(self, step: str) -> None: ...

    def finished(self, report: StepReport) -> None: ...


@runtime_checkable
class ApplyProgress(Progress, Protocol):
    """Progress that is also told when a step starts writing, and how (a long write reports itself)."""

    def applying(self, step: str, action: str) -> None: ...


class Silent:
    """Progress that shows nothing (a preflight's plan)."""

    def started(self, step: str) -> None:
        pass

    def finished(self, report: StepReport) -> None:
        pass


def _applying(progress: Progress, report: StepReport) -> None:
    if report.changes and isinstance(progress, ApplyProgress):
        progress.applying(report.step, report.action)


def _report(step: Step, state: State, began: float, apply: bool, progress: Progress) -> StepReport:
    planned = step.plan(state)
    changes = [change for change in planned if change.action != "keep"]
    report = StepReport(step.name, changes, apply, kept=[change for change in planned if change.action == "keep"])
    if apply and report.blocked:
        raise Blocked(report.blocked[0])
    if apply:
        _applying(progress, report)
        for change in changes:
            if change.apply is not None:
                change.apply()
    report.seconds = time.monotonic() - began
    return report


def run(steps: Sequence[Step], state: State, apply: bool, progress: Progress) -> list[StepReport]:
    """Plan every step in order and, when ``apply``, apply its changes before planning the next one.
    A blocked change stops the run before its step writes anything."""
    reports = []
    for step in steps:
        progress.started(step.name)
        report = _report(step, state, time.monotonic(), apply, progress)
        progress.finished(report)
        reports.append(report)
    return reports


def apply_planned(reports: Sequence[StepReport], progress: Progress) -> list[StepReport]:
    """Apply changes planned beforehand (``podid down`` shows them and asks first); a step at a time."""
    done = []
    for planned in reports:
        progress.started(planned.step)
        began = time.monotonic()
        _applying(progress, planned)
        for change in planned.changes:
            if change.apply is not None:
                change.apply()
        report = StepReport(planned.step, planned.changes, True, time.monotonic() - began, planned.kept)
        progress.finished(report)
        done.append(report)
    return done


def wire(model: Any, readonly: bool = True) -> dict[str, Any]:
    """An SDK model as the JSON on the wire (REST names), for either SDK model generation."""
    if model is None:
        return {}
    if isinstance(model, Mapping) and not is_generated_model(model):
        return dict(model)
    if hasattr(model, "serialize"):  # msrest models
        return dict(model.serialize(keep_readonly=readonly))
    return dict(model.as_dict(exclude_readonly=not readonly))


def model(model_class: type[M], body: Mapping[str, Any]) -> M:
    """An SDK model from wire JSON, for either SDK model generation."""
    deserialize = getattr(model_class, "deserialize", None)
    if deserialize is not None:  # msrest models
        return deserialize(dict(body))  # type: ignore[no-any-return]
    return model_class(dict(body))  # type: ignore[call-arg]


SHORT = 60  # a nested value longer than this on one line is shown indented, a line per field


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if not isinstance(value, dict | list):
        return str(value)
    one_line = json.dumps(value, sort_keys=True)
    return one_line if len(one_line) <= SHORT else json.dumps(value, sort_keys=True, indent=2)


def _same(desired: Any, current: Any) -> bool:
    if isinstance(desired, str) and isinstance(current, str) and desired.lower().startswith("/subscriptions/"):
        return desired.lower() == current.lower()  # ARM ids are case-insensitive and services re-case them
    return bool(desired == current)


def subset_diff(desired: Any, current: Any, path: str = "") -> list[str]:
    """Where ``current`` differs from ``desired`` in the fields ``desired`` sets; extra current fields are fine."""
    if isinstance(desired, dict) and isinstance(current, dict):
        return [
            line
            for key, value in desired.items()
            for line in subset_diff(value, current.get(key), f"{path}.{key}" if path else key)
        ]
    if isinstance(desired, list) and isinstance(current, list) and len(desired) == len(current):
        pairs = enumerate(zip(desired, current, strict=True))
        return [line for index, (want, have) in pairs for line in subset_diff(want, have, f"{path}[{index}]")]
    if not _same(desired, current):
        return [f"{path}: {_show(current)} → {_show(desired)}"]
    return []


def merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overlay``'s fields set, recursively for objects (lists are replaced)."""
    merged = dict(base)
    for key, value in overlay.items():
        current = merged.get(key)
        merged[key] = merge(current, value) if isinstance(value, Mapping) and isinstance(current, Mapping) else value
    return merged
