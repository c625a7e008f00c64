"""The step table: each phase (``up`` in each identity mode, ``migrate``, ``down``) is read from one table.

Covers: ``migrate`` is a phase of the table, whose steps are the workload identity ``up``'s own (the same rows)
plus the migration's; it proves the new path before external-dns rolls, and removes the pod identity last; an
unknown phase is refused with the phases' names.
"""

from __future__ import annotations

import pytest

from podid.config import Settings
from podid.provision.design import Design
from podid.provision.steps import MIGRATE, PHASES, WORKLOAD_IDENTITY, steps_of

DESIGN = Design(Settings(), "00000000-0000-4000-8000-000000000001")
MIGRATION = [
    "pod identity setup",
    "AKS cluster",
    "kubeconfig",
    "DNS identity",
    "demo identity",
    "federated credential kube-addons/external-dns",
    "federated credential my-app/demo",
    "workload identity preflight",
    "external-dns",
    "external-dns writes through workload identity",
    "demo pod",
    "pod identity removal",
]
ONLY_MIGRATION = {  # the rest are the workload identity `up`'s steps
    "pod identity setup",
    "workload identity preflight",
    "external-dns",
    "external-dns writes through workload identity",
    "pod identity removal",
}


def names(phase: str) -> list[str]:
    return [step.name for step in steps_of(DESIGN, phase)]


def test_migrate_is_a_phase_of_the_table() -> None:
    assert MIGRATE in PHASES
    assert names(MIGRATE) == MIGRATION


def test_migrate_shares_the_workload_identity_steps() -> None:
    """Besides its own steps, migrate runs the workload identity ``up``'s steps (the same rows, so the same kinds)."""
    kinds = {step.name: type(step) for step in steps_of(DESIGN, WORKLOAD_IDENTITY)}
    shared = [(step.name, type(step)) for step in steps_of(DESIGN, MIGRATE) if step.name not in ONLY_MIGRATION]
    assert shared == [(name, kinds[name]) for name in MIGRATION if name not in ONLY_MIGRATION]


def test_the_new_path_is_proven_before_external_dns_rolls_and_the_pod_identity_goes_last() -> None:
    order = names(MIGRATE)
    assert order.index("workload identity preflight") < order.index("external-dns")
    assert order.index("external-dns") < order.index("external-dns writes through workload identity")
    assert order[-1] == "pod identity removal"


def test_an_unknown_phase_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown phase 'sideways': one of pod-identity, workload-identity, migrate"):
        steps_of(DESIGN, "sideways")
