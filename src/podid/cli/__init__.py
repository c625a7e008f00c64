"""The ``podid`` command line: sandbox control, ``up/plan/status/verify/down`` and az-style commands."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import NoReturn


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``podid`` command; returns its exit code."""
    from podid.cli._main import main as run

    return run(argv)


def run_and_exit() -> NoReturn:
    """The ``podid`` console script: ``main``, then exit without the interpreter's teardown.

    Tearing down the module graph of the Azure SDK and the kubernetes client takes about 0.15 s, as long as a
    whole no-op command; the exit handlers run and the standard streams are flushed first, so nothing is lost.
    """
    # importing the SDKs allocates some million objects and frees few: collecting every 700 allocations (the
    # default) costs a tenth of the import time for nothing
    gc.set_threshold(50_000, 20, 20)
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing left to lose
            stream.flush()
    os._exit(code)


__all__ = ["main", "run_and_exit"]
