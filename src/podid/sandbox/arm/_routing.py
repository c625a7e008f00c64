"""ARM route tables: URL templates mapped to handlers and to the Azure action RBAC checks.

A template such as ``/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}`` matches
case-insensitively, as ARM does; ``{name:regex}`` widens a placeholder (``{scope:.*}`` for extension
resources). The action (``Microsoft.Network/dnsZones/{recordType}/write``) and the RBAC scope are
templates over the same placeholders, so every operation is authorised from its route alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from podid.sandbox._url_templates import PLACEHOLDER, compile_template

if TYPE_CHECKING:
    from podid.sandbox.arm._request import ArmRequest, ArmResponse

Handler = Callable[["ArmRequest[Any]"], "ArmResponse"]


@dataclass(frozen=True)
class ApiVersions:
    """The api-versions a provider serves a route on, in the order ARM lists them when it refuses another."""

    namespace: str
    versions: tuple[str, ...]

    @classmethod
    def listed(cls, namespace: str, versions: str) -> ApiVersions:
        """From a comma-separated list, as ARM prints it."""
        return cls(namespace, tuple(versions.split(",")))

    def accepts(self, api_version: str) -> bool:
        return api_version.lower() in (version.lower() for version in self.versions)


@dataclass(frozen=True)
class Route:
    """One ARM operation: method + URL template → handler, Azure action and RBAC scope."""

    method: str
    template: str
    handler: Handler
    action: str
    scope: str | None = None  # template; default: the request path itself
    operation_id: str = ""
    authorize: bool = True
    api_versions: ApiVersions | None = None  # None: any api-version
    pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)
    literals: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", compile_template(self.template))
        object.__setattr__(self, "literals", len(PLACEHOLDER.sub("", self.template).replace("/", " ").split()))


def served_on(api_versions: ApiVersions, routes: Iterable[Route]) -> list[Route]:
    """The routes, each accepting only `api_versions`."""
    return [replace(route, api_versions=api_versions) for route in routes]


def fill(template: str, params: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: params[match.group(1)], template)


class Router:
    """Finds the route for a request, and the backend its provider serves it with; more literal segments win over
    fewer."""

    def __init__(self) -> None:
        self._by_method: dict[str, list[tuple[Route, object]]] = {}

    def add(self, routes: Iterable[Route], backend: object) -> None:
        for route in routes:
            bucket = self._by_method.setdefault(route.method, [])
            bucket.append((route, backend))
            bucket.sort(key=lambda item: -item[0].literals)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str], object] | None:
        for route, backend in self._by_method.get(method, ()):
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict(), backend
        return None

    def allows_other_method(self, method: str, path: str) -> bool:
        return any(
            route.pattern.match(path)
            for other, bucket in self._by_method.items()
            if other != method
            for route, _ in bucket
        )
