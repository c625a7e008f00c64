"""The lifecycle every long-running part of the sandbox shares."""

from __future__ import annotations

from typing import Protocol


class Service(Protocol):
    """A front end or controller with its own sockets or tasks (IMDS, DNS, the Kubernetes fleet)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
