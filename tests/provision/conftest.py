"""A provisioning State for one test: the tutorial's settings with this test's names, on the session sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from podid import provision
from podid.config import Settings
from podid.provision.design import Design
from podid.provision.state import State
from podid.provision.step import Step
from podid.provision.steps import POD_IDENTITY, steps_of
from podid.sandbox import Endpoints
from tests.conftest import control_call


def fresh_state(endpoints: Endpoints, unique: str, kubeconfig: Path) -> State:
    settings = Settings(
        resource_group=unique,
        cluster_name=f"aks-{unique}",
        dns_domain=f"{unique}.internal",
        kubeconfig=kubeconfig,
    ).validate()
    return provision.start(settings, provision.sandbox_target(Path(endpoints.data_dir)))


def steps_until(design: Design, name: str, phase: str = POD_IDENTITY) -> list[Step]:
    """The steps of ``phase`` that run before the one named ``name`` (tests name steps, not positions)."""
    steps = steps_of(design, phase)
    return steps[: [step.name for step in steps].index(name)]


def step_named(design: Design, name: str, phase: str = POD_IDENTITY) -> Step:
    (found,) = [step for step in steps_of(design, phase) if step.name == name]
    return found


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    return tmp_path / "kube" / "config"


@pytest.fixture
def state(endpoints: Endpoints, unique: str, kubeconfig: Path) -> State:
    return fresh_state(endpoints, unique, kubeconfig)


def _metric(endpoints: Endpoints, name: str) -> int:
    response = control_call(endpoints, "GET", "/metrics")
    response.raise_for_status()
    return int(response.json()[name])


def arm_writes(endpoints: Endpoints) -> int:
    """Successful ARM writes the sandbox has answered so far (its control surface counts them)."""
    return _metric(endpoints, "totalWrites")


def kube_writes(endpoints: Endpoints) -> int:
    """Successful client writes (POST/PUT/PATCH/DELETE) that any cluster's API server has answered so far."""
    return _metric(endpoints, "totalKubeWrites")
