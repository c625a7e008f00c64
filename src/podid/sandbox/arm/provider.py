"""What an ARM resource provider is to the sandbox: its namespaces, its routes and how its backend is built.

Each provider package exposes one ``PROVIDER``; ``providers.PROVIDERS`` lists them once, and the composition root
(``podid.sandbox.cloud``) builds every backend from it. A backend factory's keyword-only parameters name the
siblings it needs (``resources``, ``identities``, ``directory``, ``kube``, …): the root hands it those and nothing
else, each typed by the consumer as the small Protocol it uses (``siblings``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from podid.sandbox.arm._routing import Route
from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.core.store import Store


@dataclass(frozen=True)
class Shared:
    """What every backend is built with: the sandbox's settings, store, ids and clock."""

    settings: CloudSettings
    store: Store
    ids: IdGenerator
    clock: Clock


@dataclass(frozen=True)
class Provider:
    """One resource provider: ``name`` is what siblings call its backend (and the composed cloud's attribute)."""

    name: str
    namespaces: tuple[str, ...]  # as Azure spells them
    routes: Sequence[Route]
    backend: Callable[..., object]  # (shared, *, <sibling>=…) -> the backend its handlers receive

    @property
    def needs(self) -> tuple[str, ...]:
        """The siblings the backend factory names: its keyword-only parameters."""
        parameters = inspect.signature(self.backend).parameters.values()
        return tuple(parameter.name for parameter in parameters if parameter.kind is parameter.KEYWORD_ONLY)
