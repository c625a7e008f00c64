"""Deterministic identifiers and an injectable clock.

GUIDs come from a seeded generator so that a seeded sandbox hands out the same ids every run
(moto's ``mock_random``); time comes from a clock that tests may move forward, never back.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import UTC, datetime


class IdGenerator:
    """Hands out GUID strings; reseeding makes the sequence reproducible."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random()
        self._seeded = False
        if seed is not None:
            self.seed(seed)

    def seed(self, seed: int, stream: int = 0) -> None:
        """Draw from the sequence of ``(seed, stream)``: one seed gives as many unrelated sequences as streams."""
        with self._lock:
            self._random = random.Random(f"{seed}/{stream}")
            self._seeded = True

    def guid(self) -> str:
        if not self._seeded:
            return str(uuid.uuid4())
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def hex(self, length: int) -> str:
        return self.guid().replace("-", "")[:length]


class Clock:
    """Wall-clock time plus an offset that tests can advance."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        return time.time() + self._offset

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def isoformat(self) -> str:
        """The timestamp format ARM uses: ISO 8601 with 7 fractional digits and a Z."""
        moment = self.utcnow()
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"

    def advance(self, seconds: float) -> None:
        """Move forward: moving back would make expired tokens and assertions valid again."""
        if not seconds >= 0:
            raise ValueError(f"the clock only moves forward, not by {seconds} seconds")
        self._offset += seconds
