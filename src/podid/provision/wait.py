"""Bounded waiting for something the cloud does after it answered (registrations, DNS records, pods, LROs).

Every wait has a deadline; when it passes, the TimedOut names what was waited for and what to check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from azure.core.polling import LROPoller

from podid.provision.errors import TimedOut

T = TypeVar("T")
# what a wait that names nothing better says: every step is idempotent, so the command resumes where it stopped
CHECK = "check the setup with `podid status`, then run the command again: it resumes where it stopped"
# AKS's own limit for a create or update is in the tens of minutes; the sandbox answers at once
LRO_TIMEOUT = 45 * 60.0


def _timed_out(what: str, timeout: float, check: str) -> TimedOut:
    waited = f"{timeout / 60:.0f} min" if timeout >= 120 else f"{timeout:.0f} s"
    return TimedOut(f"timed out after {waited} waiting for {what}: {check}")


def wait_for(
    check: Callable[[], T | None],
    what: str,
    timeout: float,
    first_delay: float = 0.05,
    max_delay: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    hint: str = CHECK,
) -> T:
    """Call ``check`` until it returns something other than None (backing off), or raise TimedOut."""
    deadline = clock() + timeout
    delay = first_delay
    while True:
        found = check()
        if found is not None:
            return found
        if clock() >= deadline:
            raise _timed_out(what, timeout, hint)
        sleep(delay)
        delay = min(delay * 2, max_delay)


def finish(poller: LROPoller[Any], what: str, timeout: float = LRO_TIMEOUT, hint: str = CHECK) -> Any:
    """A long-running operation's result, or TimedOut once ``timeout`` has passed (its poller would go on forever)."""
    result = poller.result(timeout=timeout)
    if not poller.done():
        raise _timed_out(what, timeout, hint)
    return result
