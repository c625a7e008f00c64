"""The composition root's wiring: each backend gets the siblings its factory names, built before it, and nothing
else; a need nobody provides or two backends needing each other stop the sandbox from starting."""

from __future__ import annotations

import pytest

from podid.sandbox.arm.provider import Provider
from podid.sandbox.arm.providers import PROVIDERS, namespaces
from podid.sandbox.cloud import build_backends

SHARED = object()  # what every backend is built with; these factories only pass it on


def provider(name: str, factory: object) -> Provider:
    return Provider(name, (f"Test.{name}",), (), factory)


def test_a_backend_gets_what_it_names_built_before_it() -> None:
    built: list[str] = []

    def groups(shared: object) -> str:
        built.append("groups")
        return "groups-backend"

    def zones(shared: object, *, groups: str, directory: str) -> tuple[object, str, str]:
        built.append("zones")
        return shared, groups, directory

    backends = build_backends((provider("zones", zones), provider("groups", groups)), SHARED, {"directory": "dir"})

    assert built == ["groups", "zones"]
    assert backends == {"zones": (SHARED, "groups-backend", "dir"), "groups": "groups-backend"}


def test_a_need_nothing_provides_is_refused() -> None:
    def zones(shared: object, *, cache: str) -> str:
        return cache

    with pytest.raises(ValueError, match="the zones backend needs 'cache', which nothing provides"):
        build_backends((provider("zones", zones),), SHARED, {})


def test_backends_that_need_each_other_are_refused() -> None:
    def first(shared: object, *, second: str) -> str:
        return second

    def second(shared: object, *, first: str) -> str:
        return first

    with pytest.raises(ValueError, match="backends that need each other: first -> second -> first"):
        build_backends((provider("first", first), provider("second", second)), SHARED, {})


def test_the_served_namespaces_are_the_providers() -> None:
    assert namespaces() == (
        "Microsoft.Resources",
        "Microsoft.Network",
        "Microsoft.Features",
        "Microsoft.ManagedIdentity",
        "Microsoft.Authorization",
        "Microsoft.ContainerService",
        "Microsoft.Compute",
    )
    assert len({provider.name for provider in PROVIDERS}) == len(PROVIDERS)
