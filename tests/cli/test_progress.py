"""Progress on long work: the running step's elapsed time, and in a log (no terminal) terraform's heartbeat
``AKS cluster: Still creating... [10s elapsed]`` every 10 s of a step still running.

The heartbeat's rhythm is checked with a fake clock; one wire test makes the sandbox's cluster creation take
several polls (its control surface's ``lroPolls``) and reads the heartbeat of a real `up` of the first steps.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from podid import provision
from podid.cli._progress import Heartbeat, QuietProgress, Running, StepProgress, elapsed
from podid.sandbox import Endpoints
from tests.conftest import control_call
from tests.provision.conftest import fresh_state


class FakeClock:
    """Time moves only when the heartbeat waits: each wait lasts exactly as long as asked."""

    def __init__(self, now: float = 1000.0) -> None:
        self.time = now

    def now(self) -> float:
        return self.time

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        self.time += seconds
        return stop.is_set()


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.4, "0s"), (10.0, "10s"), (60.0, "1m0s"), (65.9, "1m5s"), (3723.0, "1h2m3s")]
)
def test_elapsed_time_reads_as_go_durations(seconds: float, shown: str) -> None:
    assert elapsed(seconds) == shown


def test_a_step_still_running_says_so_every_interval() -> None:
    clock, lines = FakeClock(), []
    running = Running("AKS cluster", clock)
    running.verb = "creating"

    def say(line: str) -> None:
        lines.append(line)
        if len(lines) == 3:
            beat.stop.set()

    beat = Heartbeat(running, say, 10.0)
    beat.start()
    beat.end()
    assert lines == [
        "AKS cluster: Still creating... [10s elapsed]",
        "AKS cluster: Still creating... [20s elapsed]",
        "AKS cluster: Still creating... [30s elapsed]",
    ]


def test_the_live_line_shows_the_elapsed_time_and_what_the_step_does() -> None:
    clock = FakeClock()
    running = Running("AKS cluster", clock)
    assert running.__rich__().plain == "AKS cluster … reading [0s elapsed]"
    running.verb, clock.time = "creating", clock.time + 65
    assert running.__rich__().plain == "AKS cluster … creating [1m5s elapsed]"


def test_a_step_that_ends_before_the_interval_says_nothing_more() -> None:
    log = io.StringIO()
    progress = StepProgress(Console(file=log, width=200), heartbeat=3600.0)
    progress.started("resource group")
    progress.finished(provision.StepReport("resource group", [], True, 0.04))
    assert log.getvalue() == "  resource group         unchanged (0.0s)\n"


@pytest.fixture
def slow_clusters(endpoints: Endpoints) -> Iterator[None]:
    """Each managedClusters operation stays InProgress for 3 polls (Retry-After: 1 each)."""
    before = control_call(endpoints, "PUT", "/settings", json={"lroPolls": {}}).json()["lroPolls"]
    response = control_call(endpoints, "PUT", "/settings", json={"lroPolls": {"managedClusters": 3}})
    assert response.status_code == 200, response.text
    yield
    control_call(
        endpoints, "PUT", "/settings", json={"lroPolls": {"managedClusters": before.get("managedclusters", 0)}}
    )


@pytest.mark.usefixtures("slow_clusters")
def test_a_slow_cluster_creation_has_a_heartbeat_in_a_log(endpoints: Endpoints, unique: str, tmp_path: Path) -> None:
    state = fresh_state(endpoints, unique, tmp_path / "kubeconfig")
    log = io.StringIO()
    try:
        provision.up(state, StepProgress(Console(file=log, width=200), heartbeat=1.0))
    finally:
        provision.down(provision.plan_down(state, QuietProgress()), QuietProgress())
    lines = log.getvalue().splitlines()
    assert "AKS cluster: Still creating... [1s elapsed]" in lines
    assert "AKS cluster: Still creating... [2s elapsed]" in lines
    done = next(index for index, line in enumerate(lines) if line.startswith("  AKS cluster            created ("))
    assert lines[done - 1].startswith("AKS cluster: Still creating... [")  # the last heartbeat, then the outcome
    assert lines[done + 1] == f"      + AKS cluster aks-{unique}"
    assert not any(line.startswith("resource group: Still") for line in lines)  # a quick step beats no heart
