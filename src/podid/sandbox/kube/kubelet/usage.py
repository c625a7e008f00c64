"""What a node's kubelet reports of its containers' CPU and memory (its ``/metrics/resource``, which
metrics-server scrapes): measured from each container's process in /proc.

metrics-server gives CPU as the rate between its last two scrapes (kubernetes-sigs/metrics-server
``pkg/storage``: the cumulative CPU seconds' difference over the window). Here the first reading of a process
averages over its life so far, and each later one over the time since the reading before it, which is then its
window. A container without a process (an image with no built-in workload, which runs nothing) uses nothing.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from podid.sandbox.kube.kubelet.containers import Container

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Usage:
    cpu_nanocores: int
    memory_bytes: int
    window_seconds: float


@dataclass(frozen=True)
class _Reading:
    cpu_seconds: float
    at: float  # time.monotonic()


class UsageMeter:
    """Container usage from /proc, remembering each process's last reading for the next rate."""

    def __init__(self) -> None:
        self._last: dict[int, _Reading] = {}

    def container(self, container: Container) -> Usage:
        pid = container.process.process_id() if container.process is not None else None
        sample = _sample(pid) if pid is not None else None
        if pid is None or sample is None:
            self._last.pop(pid or 0, None)
            return Usage(0, 0, max(time.monotonic() - container.started_at, 0.0))
        cpu_seconds, rss, age = sample
        now = time.monotonic()
        previous = self._last.get(pid) or _Reading(0.0, now - age)
        self._last[pid] = _Reading(cpu_seconds, now)
        window = max(now - previous.at, 1e-3)
        rate = max(cpu_seconds - previous.cpu_seconds, 0.0) / window
        return Usage(round(rate * 1e9), rss, window)


def _sample(pid: int) -> tuple[float, int, float] | None:
    """A process's CPU seconds so far, its resident memory and its age in seconds; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    # fields 14, 15 (utime, stime) and 22 (starttime) of proc(5), counted after the command's ")"
    cpu_seconds = (int(stat[11]) + int(stat[12])) / _TICKS
    age = max(uptime - int(stat[19]) / _TICKS, 1e-3)
    return cpu_seconds, resident_pages * _PAGE, age
