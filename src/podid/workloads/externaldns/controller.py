"""The control loop (external-dns `controller/controller.go`).

`run_once`: registry records -> source endpoints -> plan -> apply, only when the plan has changes.

`run`: every tick (1 s) checks whether a cycle is due. Cycles are due every `interval`; a watch can set the
`trigger` event to ask for one early, as `ScheduleRunOnce` does for the release played: v0.14 runs it
`min_event_sync_interval` after the event; from v0.15.0 5 s after it, and never less than
`min_event_sync_interval` after the last cycle started. Either way a burst of events is one cycle. A
SoftError is logged (counted from v0.18.0) and the loop goes on,
starting no cycle before the server's Retry-After (if it sent one) has passed; anything else is logged at
fatal, as the release words it, and re-raised, so the entrypoint exits non-zero like `log.Fatalf`. Time
comes from an injected Clock so tests never wait.
"""

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from .domain_filter import MATCH_ALL, DomainFilter
from .errors import SoftError
from .plan import DEFAULT_MANAGED_TYPES, Changes, Policy, calculate
from .registry import Registry
from .release import NEWEST, Release
from .source import Source

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
DEFAULT_MIN_EVENT_SYNC_INTERVAL = 5.0


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Block until `event` is set or `timeout` passes; return whether it is set."""
        ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(timeout)


@dataclass
class _Schedule:
    interval: float
    min_event_sync_interval: float
    release: Release
    next_run_at: float = float("-inf")
    last_run_at: float = float("-inf")
    not_before: float = float("-inf")  # set by a Retry-After

    def due(self, now: float) -> bool:
        if now < self.next_run_at:
            return False
        self.next_run_at = now + self.interval
        self.last_run_at = now
        return True

    def on_event(self, now: float) -> None:
        """`ScheduleRunOnce(now)` (controller/controller.go at v0.14.2 and at v0.15.0+)."""
        delay = self.release.event_delay
        wanted = now + (self.min_event_sync_interval if delay is None else delay)
        spaced = self.last_run_at + self.min_event_sync_interval if self.release.events_spaced else float("-inf")
        self.next_run_at = max(spaced, self.not_before, min(wanted, self.next_run_at))

    def hold_until(self, moment: float) -> None:
        self.not_before = moment
        self.next_run_at = max(self.next_run_at, moment)


class Controller:
    def __init__(
        self,
        source: Source,
        registry: Registry,
        policy: Policy,
        domain_filter: DomainFilter = MATCH_ALL,
        managed_types: Iterable[str] = DEFAULT_MANAGED_TYPES,
        min_event_sync_interval: float = DEFAULT_MIN_EVENT_SYNC_INTERVAL,
        clock: Clock | None = None,
        release: Release = NEWEST,
    ) -> None:
        self._source = source
        self._registry = registry
        self._policy = policy
        self._domain_filter = domain_filter
        self._managed_types = tuple(managed_types)
        self._min_event_sync_interval = min_event_sync_interval
        self._clock = clock or SystemClock()
        self._release = release
        self.consecutive_soft_errors = 0

    def run_once(self) -> Changes:
        records = self._registry.records()
        endpoints = self._source.endpoints()
        changes = calculate(
            records,
            endpoints,
            self._policy,
            self._domain_filter,
            self._registry.owner_id,
            self._managed_types,
        )
        if changes.has_changes():
            self._registry.apply_changes(changes)
        else:
            log.info("All records are already up to date")
        return changes

    def run(self, stop_event: threading.Event, interval: float, trigger: threading.Event | None = None) -> None:
        """Loop until `stop_event` is set; raises the first non-soft error."""
        trigger = trigger if trigger is not None else threading.Event()
        schedule = _Schedule(interval, self._min_event_sync_interval, self._release)
        while not stop_event.is_set():
            if schedule.due(self._clock.monotonic()):
                retry_after = self._run_counting_soft_errors()
                if retry_after is not None:
                    schedule.hold_until(schedule.last_run_at + retry_after)
            if self._clock.wait(trigger, TICK_SECONDS):
                trigger.clear()
                schedule.on_event(self._clock.monotonic())
        log.info("Terminating main controller loop")

    def _run_counting_soft_errors(self) -> float | None:
        """Run a cycle; return the server's Retry-After when it failed softly with one."""
        try:
            self.run_once()
        except SoftError as err:
            self.consecutive_soft_errors += 1
            self._log_soft_error(err)
            return err.retry_after
        except Exception as err:
            log.critical(self._release.fatal_run_once.format(err))
            raise
        if self.consecutive_soft_errors and self._release.counts_soft_errors:
            log.info("Reconciliation succeeded after %d consecutive soft errors", self.consecutive_soft_errors)
        self.consecutive_soft_errors = 0
        return None

    def _log_soft_error(self, err: SoftError) -> None:
        if self._release.counts_soft_errors:
            log.error("Failed to do run once: %s (consecutive soft errors: %d)", err, self.consecutive_soft_errors)
        else:
            log.error("Failed to do run once: %s", err)
