"""podid verify's probe pods: the stock ``python`` image running ``script.py`` (standard library only), on
real AKS as in the sandbox. ``command(action, *args)`` is the container command that runs one action."""

from __future__ import annotations

from functools import cache
from pathlib import Path

IMAGE = "python:3.12-alpine"


@cache
def source() -> str:
    """The probe's source, passed to ``python -c``: what the pod runs is exactly this file."""
    return (Path(__file__).parent / "script.py").read_text()


def command(action: str, *args: str) -> list[str]:
    return ["python", "-c", source(), action, *args]
