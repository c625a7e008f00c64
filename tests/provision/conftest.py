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


def arm_writes(endpoints: Endpoints, group: str, cluster: str) -> int:
    """Successful ARM writes the sandbox has answered so far in a setup's resource group, its cluster's node
    resource group and the subscription itself (feature and provider registrations): not those of other setups,
    whose external-dns keeps writing records in their own groups."""
    response = control_call(endpoints, "GET", "/metrics", params={"subscriptionId": endpoints.subscription_id})
    response.raise_for_status()
    scopes = response.json()["scopes"]
    subscription = f"/subscriptions/{endpoints.subscription_id}"
    node_group = Settings(resource_group=group, cluster_name=cluster).node_resource_group
    mine = (subscription, f"{subscription}/resourceGroups/{group}", f"{subscription}/resourceGroups/{node_group}")
    return sum(int(scopes.get(scope.lower(), {}).get("totalWrites", 0)) for scope in mine)


def kube_writes(endpoints: Endpoints, group: str) -> int:
    """Successful client writes (POST/PUT/PATCH/DELETE) that the API servers of the clusters in ``group`` have
    answered so far."""
    query = {"subscriptionId": endpoints.subscription_id, "resourceGroup": group}
    response = control_call(endpoints, "GET", "/metrics", params=query)
    response.raise_for_status()
    return int(response.json()["totalKubeWrites"])
