"""Counters the control surface exposes (e.g. to prove a second `podid up` writes nothing)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Metrics:
    """Counters the control surface exposes (e.g. to prove a second `podid up` writes nothing)."""

    writes: Counter[str] = field(default_factory=Counter)
    kube_writes: Counter[str] = field(default_factory=Counter)  # through any cluster's API server
    requests: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_write(self, method: str, path: str) -> None:
        with self._lock:
            self.writes[method] += 1

    def count_kube_write(self, method: str) -> None:
        with self._lock:
            self.kube_writes[method] += 1

    def observe(self, seconds: float) -> None:
        with self._lock:
            self.requests += 1
            self.seconds += seconds

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "writes": dict(self.writes),
                "totalWrites": sum(self.writes.values()),
                "kubeWrites": dict(self.kube_writes),
                "totalKubeWrites": sum(self.kube_writes.values()),
                "requests": self.requests,
            }
