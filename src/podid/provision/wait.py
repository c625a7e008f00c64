"""Bounded waiting for something the cloud does after it answered (registrations, DNS records, pods)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from podid.provision.errors import TimedOut

T = TypeVar("T")


def wait_for(
    check: Callable[[], T | None],
    what: str,
    timeout: float,
    first_delay: float = 0.05,
    max_delay: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``check`` until it returns something other than None (backing off), or raise TimedOut."""
    deadline = clock() + timeout
    delay = first_delay
    while True:
        found = check()
        if found is not None:
            return found
        if clock() >= deadline:
            raise TimedOut(f"timed out after {timeout:.0f} s waiting for {what}")
        sleep(delay)
        delay = min(delay * 2, max_delay)
