"""Bounded waiting: returns what the check finds, backs off between tries, and times out with TimedOut."""

from __future__ import annotations

import pytest

from podid.provision.errors import TimedOut, Transient
from podid.provision.wait import wait_for


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
