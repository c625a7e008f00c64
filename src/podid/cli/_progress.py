"""Progress of ``podid up|plan|down`` on stderr: the step under way with its elapsed time, then one line per step.

On a terminal the running step is a spinner whose elapsed time is redrawn; in a log (no terminal) a step still
running says so every 10 s, in terraform's words: ``AKS cluster: Still creating... [10s elapsed]``
(hashicorp/terraform internal/command/views/hook_ui.go, periodicUiTimer). A plan shows no timings: it reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from rich.console import Console
from rich.status import Status
from rich.text import Text

from podid.provision.step import Change, StepReport

HEARTBEAT = 10.0  # seconds between two "Still …" lines (terraform's periodicUiTimer)
_STYLE = {
    "unchanged": "dim",
    "created": "green",
    "updated": "yellow",
    "deleted": "red",
    "create": "green",
    "update": "yellow",
    "delete": "red",
    "blocked": "bold red",
}
_MARK = {"create": "+", "update": "~", "delete": "-"}
# terraform's verbs for an operation under way (hook_ui.go); before a step writes, it reads
_VERB = {"": "reading", "create": "creating", "update": "modifying", "delete": "destroying"}


class Clock(Protocol):
    def now(self) -> float: ...

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Wait ``seconds`` or until ``stop`` is set; whether it was set."""
        ...


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(max(0.0, seconds))


def elapsed(seconds: float) -> str:
    """Go's time.Duration, rounded to the second, as terraform prints it: 10s, 1m0s, 1h2m3s."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


class Running:
    """The step under way: since when, and what it is doing (reading, then creating, modifying, destroying)."""

    def __init__(self, step: str, clock: Clock) -> None:
        self.step, self.clock, self.began = step, clock, clock.now()
        self.verb = _VERB[""]

    def seconds(self) -> float:
        return self.clock.now() - self.began

    def still(self, at: float) -> str:
        return f"{self.step}: Still {self.verb}... [{elapsed(at)} elapsed]"

    def __rich__(self) -> Text:  # redrawn by the live display at each refresh
        return Text(f"{self.step} … {self.verb} [{elapsed(self.seconds())} elapsed]")


class Heartbeat:
    """A thread that prints ``Still …`` every ``interval`` seconds of a step, until stopped."""

    def __init__(self, running: Running, say: Callable[[str], None], interval: float) -> None:
        self.running, self.say, self.interval = running, say, interval
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat {running.step}", daemon=True)

    def _beat(self) -> None:
        beats, clock = 1, self.running.clock
        while not clock.wait(self.stop, self.running.began + beats * self.interval - clock.now()):
            self.say(self.running.still(beats * self.interval))
            beats += 1

    def start(self) -> None:
        self._thread.start()

    def end(self) -> None:
        self.stop.set()
        self._thread.join()


class StepProgress:
    """Implements provision's ApplyProgress protocol for a terminal, or a log when stderr is not one."""

    def __init__(
        self,
        console: Console | None = None,
        details: bool = False,
        clock: Clock | None = None,
        heartbeat: float = HEARTBEAT,
    ) -> None:
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)
        self.details = details  # plan: show every change and field
        self.clock, self.heartbeat = clock or MonotonicClock(), heartbeat
        self._running: Running | None = None
        self._status: Status | None = None
        self._beat: Heartbeat | None = None

    def started(self, step: str) -> None:
        self._running = Running(step, self.clock)
        if self.console.is_terminal:
            self._status = self.console.status(self._running)
            self._status.start()
        else:
            self._beat = Heartbeat(self._running, self._say, self.heartbeat)
            self._beat.start()

    def applying(self, step: str, action: str) -> None:
        if self._running is not None:
            self._running.verb = _VERB[action]

    def _say(self, line: str) -> None:
        self.console.print(line, markup=False)

    def _stop(self) -> None:
        if self._status is not None:
            self._status.stop()
        if self._beat is not None:
            self._beat.end()
        self._status = self._beat = self._running = None

    def finished(self, report: StepReport) -> None:
        self._stop()
        outcome = "blocked" if report.blocked else report.outcome
        timing = f" [dim]({report.seconds:.1f}s)[/]" if report.applied else ""  # a plan's timings mean nothing
        self.console.print(f"  {report.step:<22} [{_STYLE.get(outcome, '')}]{outcome}[/]{timing}")
        if self.details or report.applied:
            for change in report.changes:
                self._change(change)
        for change in report.kept:  # not ours: reused by `up`, left by `down`
            self.console.print(f"      [dim]kept {change.what} ({', '.join(change.details)})[/]")

    def _change(self, change: Change) -> None:
        """terraform's marks: ``+`` create, ``~`` update, ``-/+`` replace, ``-`` delete; ``!`` what up refuses."""
        if change.blocked:
            self.console.print(f"      [bold red]![/] {change.what} [bold red]cannot be changed[/]")
        elif change.replaces:
            self.console.print(f"    [yellow]-/+[/] {change.what} [bold red]must be replaced[/]")
        else:
            self.console.print(f"      [{_STYLE[change.action]}]{_MARK[change.action]}[/] {change.what}")
        if self.details:
            for detail in change.details:
                for line in detail.splitlines():
                    self.console.print(Text(f"          {line}", style="dim"))


class QuietProgress:
    def started(self, step: str) -> None:
        pass

    def finished(self, report: StepReport) -> None:
        pass
