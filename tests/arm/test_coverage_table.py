"""docs/COVERAGE.md is what `python -m podid.sandbox.coverage` writes from today's route tables, one row per route."""

from __future__ import annotations

from pathlib import Path

from podid.sandbox.arm.providers import all_routes
from podid.sandbox.coverage import DOCUMENT, REFRESH, render
from podid.sandbox.graph._app import ROUTES as GRAPH_ROUTES

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("GET", "PUT", "PATCH", "POST", "DELETE", "HEAD")


def test_the_coverage_table_is_up_to_date() -> None:
    written = (ROOT / DOCUMENT).read_text()
    assert written == render(), f"{DOCUMENT} is out of date: run `{REFRESH}` from the repository root"


def test_every_route_has_its_row() -> None:
    rows = [line for line in render().splitlines() if any(f"| {method} |" in line for method in METHODS)]
    assert len(rows) == len(all_routes()) + len(GRAPH_ROUTES)
