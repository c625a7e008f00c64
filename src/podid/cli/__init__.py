"""The ``podid`` command line: sandbox control, ``up/plan/status/verify/down`` and az-style commands."""

from podid.cli._main import main

__all__ = ["main"]
