"""Azure DNS's per-zone request limits as token buckets, enforced only when enabled.

Record sets: create/update/delete 200 per minute, get 2,000 per minute, list 60 per minute, per zone
(https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits, "Public
DNS resource record operations"; MicrosoftDocs/azure-docs includes/dns-limits.md). A bucket
holds a minute's worth of tokens and refills continuously, so a burst up to the limit passes and the steady
rate is the limit; an empty bucket answers how long until the next token, which becomes ``Retry-After``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

RECORD_SET_LIMITS = {"write": 200, "read": 2000, "list": 60}  # requests per minute per zone


class TokenBucket:
    """``per_minute`` tokens, refilled at ``per_minute / 60`` per second of the injected clock."""

    def __init__(self, per_minute: int, now: Callable[[], float]) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._now = now
        self._tokens = self._capacity
        self._stamp = now()

    def take(self) -> float:
        """Take a token: 0.0 when one was available, else the seconds until one will be (nothing taken)."""
        moment = self._now()
        self._tokens = min(self._capacity, self._tokens + (moment - self._stamp) * self._rate)
        self._stamp = moment
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self._rate


class ZoneLimits:
    """One bucket per (zone, operation kind); ``None`` from ``check`` means go ahead."""

    def __init__(self, now: Callable[[], float], limits: dict[str, int] | None = None) -> None:
        self._now = now
        self._limits = limits or RECORD_SET_LIMITS
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def check(self, zone_key: str, kind: str) -> int | None:
        """Spend one request of ``kind`` on the zone; the integer Retry-After when over the limit."""
        bucket = self._buckets.get((zone_key, kind))
        if bucket is None:
            bucket = self._buckets[(zone_key, kind)] = TokenBucket(self._limits[kind], self._now)
        wait = bucket.take()
        return max(1, math.ceil(wait)) if wait > 0 else None

    def forget(self, zone_key: str) -> None:
        for kind in self._limits:
            self._buckets.pop((zone_key, kind), None)
