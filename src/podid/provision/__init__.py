"""Provisioning: the tutorial's system as idempotent steps, through the official Azure SDK and kubernetes client.

state = provision.start(settings, target)     # validates the settings against the target first
provision.plan(state, progress, mode)         # what `up` would change; changes nothing
provision.up(state, progress, mode)           # apply; refuses blocked changes before any write
planned = provision.plan_down(state, progress)  # what `down` removes (what podid created) and keeps
provision.down(planned, progress)             # remove it
"""

from __future__ import annotations

from podid.config import Settings, SettingsError
from podid.provision.clients import Clients
from podid.provision.design import Design
from podid.provision.errors import translated
from podid.provision.state import State
from podid.provision.step import Blocked, Progress, Silent, Step, StepReport, apply_planned, run
from podid.provision.steps import DOWN, MODES, steps_of
from podid.provision.target import Target, azure_target, sandbox_target


def check_location(clients: Clients, location: str) -> None:
    """Fail before any change when the subscription does not offer the location."""
    with translated():
        names = {
            str(item.name).lower()
            for item in clients.subscriptions.subscriptions.list_locations(clients.subscription_id)
        }
    if location.lower() not in names:
        raise SettingsError(
            f"location '{location}' is not available in subscription {clients.subscription_id}; "
            f"choose one of: {', '.join(sorted(names))}"
        )


def start(settings: Settings, target: Target) -> State:
    clients = Clients(target)
    check_location(clients, settings.location)
    return State(Design(settings, target.subscription_id), clients, settings.kubeconfig_path)


def plan(state: State, progress: Progress, mode: str = "pod-identity") -> list[StepReport]:
    return run(steps_of(state.design, mode), state, apply=False, progress=progress)


def preflight(state: State, steps: list[Step]) -> None:
    """Refuse before any write what ``up`` cannot do: plan the steps that guard something (a location, a
    network plugin, the kubeconfig, where the user may be asked) and stop at the first blocked change."""
    for report in run([step for step in steps if getattr(step, "guards", False)], state, False, Silent()):
        if report.blocked:
            raise Blocked(report.blocked[0])


def up(state: State, progress: Progress, mode: str = "pod-identity") -> list[StepReport]:
    planned = steps_of(state.design, mode)
    preflight(state, planned)
    return run(planned, state, apply=True, progress=progress)


def plan_down(state: State, progress: Progress) -> list[StepReport]:
    return run(steps_of(state.design, DOWN), state, apply=False, progress=progress)


def down(planned: list[StepReport], progress: Progress) -> list[StepReport]:
    return apply_planned(planned, progress)


__all__ = [
    "MODES",
    "Progress",
    "State",
    "StepReport",
    "Target",
    "azure_target",
    "down",
    "plan",
    "plan_down",
    "sandbox_target",
    "start",
    "up",
]
