"""The ``podid`` command line: sandbox control, ``up/plan/status/verify/down`` and az-style commands."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``podid`` command; returns its exit code (the ``podid`` console script)."""
    from podid.cli._main import main as run

    return run(argv)


__all__ = ["main"]
