"""`podid(...)`: the CLI in-process against the session sandbox, as in tests/cli."""

from tests.cli.conftest import podid

__all__ = ["podid"]
