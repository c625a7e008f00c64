"""Progress of ``podid up|plan|down`` on stderr: a spinner while a step works, then one line per step."""

from __future__ import annotations

from rich.console import Console
from rich.status import Status

from podid.provision.step import StepReport

_STYLE = {
    "unchanged": "dim",
    "created": "green",
    "updated": "yellow",
    "deleted": "red",
    "create": "green",
    "update": "yellow",
    "delete": "red",
}
_MARK = {"create": "+", "update": "~", "delete": "-"}


class StepProgress:
    """Implements provision's Progress protocol for a terminal (or a log, when stderr is not one)."""

    def __init__(self, console: Console | None = None, details: bool = False) -> None:
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)
        self.details = details  # plan: show every change and field
        self._status: Status | None = None

    def started(self, step: str) -> None:
        if self.console.is_terminal:
            self._status = self.console.status(f"{step} …")
            self._status.start()

    def finished(self, report: StepReport) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        style = _STYLE.get(report.outcome, "")
        self.console.print(f"  {report.step:<22} [{style}]{report.outcome}[/] [dim]({report.seconds:.1f}s)[/]")
        if self.details or report.applied:
            for change in report.changes:
                self.console.print(f"      [{_STYLE[change.action]}]{_MARK[change.action]}[/] {change.what}")
                if self.details:
                    for line in change.details:
                        self.console.print(f"          [dim]{line}[/]")
        for change in report.kept:  # not ours: reused by `up`, left by `down`
            self.console.print(f"      [dim]kept {change.what} ({', '.join(change.details)})[/]")


class QuietProgress:
    def started(self, step: str) -> None:
        pass

    def finished(self, report: StepReport) -> None:
        pass
