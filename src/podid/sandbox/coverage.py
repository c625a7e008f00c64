"""docs/COVERAGE.md: what the sandbox serves, generated from the route tables so that it cannot drift from them.

Per ARM resource provider: the api-versions it accepts and each operation (operation id, method, URL template,
the Azure action the RBAC gate checks); then Microsoft Graph's v1.0 routes. Refresh it with
``python -m podid.sandbox.coverage`` (from the repository root); a test fails while the file is out of date.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from podid.sandbox._url_templates import PLACEHOLDER
from podid.sandbox.arm._routing import Route
from podid.sandbox.arm.providers import all_routes
from podid.sandbox.graph._app import ROUTES as GRAPH_ROUTES

DOCUMENT = Path("docs/COVERAGE.md")
REFRESH = "python -m podid.sandbox.coverage"
_ANY_PROVIDER = "Long-running operations (every provider)"


def render() -> str:
    """The whole document."""
    lines = [
        "# What the sandbox serves",
        "",
        f"Generated from the route tables by `{REFRESH}`; do not edit by hand (a test fails while this file",
        "differs from what the command writes).",
        "",
        "## Azure Resource Manager",
        "",
    ]
    for provider, routes in _by_provider(all_routes()).items():
        lines += _provider_section(provider, routes)
    lines += [
        "## Microsoft Graph",
        "",
        "Under `/v1.0` (and `/graph/v1.0`, the sandbox's `microsoftGraphResourceId`).",
        "",
    ]
    rows = [(_name(handler), method, _code(path)) for method, path, handler in GRAPH_ROUTES]
    lines += _table(("handler", "method", "path"), rows)
    return "\n".join(lines)


def _by_provider(routes: Iterable[Route]) -> dict[str, list[Route]]:
    """Routes by provider namespace in table order; those any provider's URLs share (no api-version check) last."""
    grouped: dict[str, list[Route]] = {}
    for route in routes:
        grouped.setdefault(route.api_versions.namespace if route.api_versions else _ANY_PROVIDER, []).append(route)
    shared = grouped.pop(_ANY_PROVIDER, [])
    return {**grouped, **({_ANY_PROVIDER: shared} if shared else {})}


def _provider_section(provider: str, routes: list[Route]) -> list[str]:
    served = routes[0].api_versions
    versions = ", ".join(served.versions) if served else "any"
    rows = [(_operation(route), route.method, _code(_plain(route.template)), _action(route)) for route in routes]
    return [
        f"### {provider}",
        "",
        f"api-versions: {versions}",
        "",
        *_table(("operation", "method", "path", "RBAC action"), rows),
    ]


def _operation(route: Route) -> str:
    """The REST operation id, or for what Azure's specs name no operation (errors, polling) the handler."""
    return route.operation_id or _name(route.handler)


def _name(handler: Callable[..., Any]) -> str:
    return f"({handler.__name__.lstrip('_')})"


def _plain(template: str) -> str:
    """``{name:regex}`` shown as ``{name}``: the regex only narrows what the placeholder matches."""
    return PLACEHOLDER.sub(lambda match: "{" + match.group(1) + "}", template)


def _action(route: Route) -> str:
    return _code(route.action) if route.authorize else "no RBAC check"


def _code(text: str) -> str:
    return f"`{text}`"


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def main() -> None:
    """Write the document (to the path given, else docs/COVERAGE.md below the current directory)."""
    (Path(sys.argv[1]) if len(sys.argv) > 1 else DOCUMENT).write_text(render())


if __name__ == "__main__":
    main()
