"""Counters the control surface exposes (e.g. to prove a second `podid up` writes nothing).

ARM requests and successful writes are counted in total and in the scope ARM puts their path in: the resource
group it is under, else its subscription (a tenant-level path, ``/providers/...``, is in the totals only).
Kubernetes client writes are counted in total and per cluster (its managedCluster id). A reader comparing the
counters of its own resource group or cluster is not disturbed by the writes other setups keep making (their
external-dns, say) in the same sandbox.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

Scope = tuple[str, str | None]  # (subscription, resource group or None), lower-cased

# Resource group names are case-insensitive, as are the segments of an ARM path
# (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftresources).
_UNDER = re.compile(r"/+subscriptions/+([^/]+)(?:/+resourcegroups/+([^/]+))?", re.IGNORECASE)


def scope_of(resource_id: str) -> Scope | None:
    """The subscription and resource group a resource id or request path is under; None at tenant level."""
    found = _UNDER.match(resource_id)
    if found is None:
        return None
    subscription, group = found.groups()
    return subscription.lower(), group.lower() if group else None


def scope_id(scope: Scope) -> str:
    subscription, group = scope
    return f"/subscriptions/{subscription}" + (f"/resourcegroups/{group}" if group else "")


@dataclass(frozen=True)
class Within:
    """The scopes a reader asks about: a subscription (its resource groups included), a resource group (in the
    subscription named, or in any), compared case-insensitively."""

    subscription: str | None = None
    group: str | None = None

    def holds(self, scope: Scope | None) -> bool:
        if scope is None:
            return False
        subscription, group = scope
        return (self.subscription is None or self.subscription.lower() == subscription) and (
            self.group is None or self.group.lower() == group
        )


@dataclass
class _ArmCounts:
    writes: Counter[str] = field(default_factory=Counter)
    requests: int = 0

    def __add__(self, other: _ArmCounts) -> _ArmCounts:
        return _ArmCounts(self.writes + other.writes, self.requests + other.requests)

    def copy(self) -> _ArmCounts:
        return _ArmCounts(Counter(self.writes), self.requests)

    def body(self) -> dict[str, object]:
        return {"writes": dict(self.writes), "totalWrites": self.writes.total(), "requests": self.requests}


def _kube_body(writes: Counter[str]) -> dict[str, object]:
    return {"kubeWrites": dict(writes), "totalKubeWrites": writes.total()}


@dataclass
class Metrics:
    """Counters the control surface exposes (e.g. to prove a second `podid up` writes nothing)."""

    _arm: _ArmCounts = field(default_factory=_ArmCounts)
    _scopes: dict[Scope, _ArmCounts] = field(default_factory=dict)
    _kube: Counter[str] = field(default_factory=Counter)  # through any cluster's API server
    _clusters: dict[str, Counter[str]] = field(default_factory=dict)  # by lower-cased cluster id
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_kube_write(self, cluster_id: str, method: str) -> None:
        with self._lock:
            self._kube[method] += 1
            self._clusters.setdefault(cluster_id.lower(), Counter())[method] += 1

    def observe(self, seconds: float, method: str, path: str, wrote: bool) -> None:
        """One ARM request answered; ``wrote``: a successful write, counted by its method."""
        scope = scope_of(path)
        with self._lock:
            self.seconds += seconds
            counted = [self._arm] if scope is None else [self._arm, self._scopes.setdefault(scope, _ArmCounts())]
            for counts in counted:
                counts.requests += 1
                if wrote:
                    counts.writes[method] += 1

    def snapshot(self, within: Within | None = None) -> dict[str, object]:
        """Every counter; with ``within``, the scopes and clusters it holds, and totals summed over those."""
        with self._lock:
            scopes = {key: counts.copy() for key, counts in self._scopes.items() if within is None or within.holds(key)}
            clusters = {
                key: Counter(writes)
                for key, writes in self._clusters.items()
                if within is None or within.holds(scope_of(key))
            }
            arm = self._arm.copy() if within is None else sum(scopes.values(), _ArmCounts())
            kube = Counter(self._kube) if within is None else sum(clusters.values(), Counter[str]())
        return {
            **arm.body(),
            **_kube_body(kube),
            "scopes": dict(sorted((scope_id(key), counts.body()) for key, counts in scopes.items())),
            "clusters": {key: _kube_body(writes) for key, writes in sorted(clusters.items())},
        }
