"""Bounded waiting: returns what the check finds, backs off between tries, and times out with TimedOut naming
what it waited for and what to check; a long-running operation that never ends times out too."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from azure.core.polling import LROPoller, PollingMethod

from podid.provision.errors import TimedOut, Transient
from podid.provision.wait import CHECK, finish, wait_for


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_returns_the_first_found_value_backing_off() -> None:
    clock, answers = FakeClock(), iter([None, None, None, "ready"])
    assert (
        wait_for(lambda: next(answers), "x", 60, first_delay=1, max_delay=3, sleep=clock.sleep, clock=lambda: clock.now)
        == "ready"
    )
    assert clock.sleeps == [1, 2, 3]


def test_times_out_as_a_transient_failure() -> None:
    clock = FakeClock()
    with pytest.raises(TimedOut, match="timed out after 5 s waiting for the record") as raised:
        wait_for(lambda: None, "the record", 5, first_delay=1, sleep=clock.sleep, clock=lambda: clock.now)
    assert isinstance(raised.value, Transient)
    assert clock.now >= 5


def test_a_time_out_says_what_to_check() -> None:
    clock = FakeClock()
    with pytest.raises(TimedOut) as raised:
        wait_for(lambda: None, "the record", 300, sleep=clock.sleep, clock=lambda: clock.now, hint="check the logs")
    assert str(raised.value) == "timed out after 5 min waiting for the record: check the logs"


class NeverDone(PollingMethod[Any]):
    """A long-running operation that stays in progress (as a stuck ARM operation does)."""

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        self._stop = threading.Event()

    def run(self) -> None:
        self._stop.wait(5)

    def status(self) -> str:
        return "InProgress"

    def finished(self) -> bool:
        return False

    def resource(self) -> Any:
        return None


def test_a_long_running_operation_has_a_deadline() -> None:
    poller: LROPoller[Any] = LROPoller(None, None, lambda response: None, NeverDone())
    with pytest.raises(TimedOut) as raised:
        finish(poller, "AKS cluster c1", timeout=0.1)
    assert str(raised.value) == f"timed out after 0 s waiting for AKS cluster c1: {CHECK}"
