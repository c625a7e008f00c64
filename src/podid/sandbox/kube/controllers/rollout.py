"""How many replicas each ReplicaSet of a Deployment should have at this step of a rollout (pure).

RollingUpdate, as the deployment controller's ``reconcileNewReplicaSet``/``reconcileOldReplicaSets``: the new
ReplicaSet grows while all ReplicaSets together stay within ``replicas + maxSurge``; old ReplicaSets first lose
their unavailable pods, then shrink only as far as ``replicas - maxUnavailable`` pods stay available. So with
one replica (``maxSurge`` 1, ``maxUnavailable`` 0) a new pod is Ready before the old one is deleted.
Recreate: old ReplicaSets go to zero, and the new one grows once no old pod is left.
"""

from __future__ import annotations

import math

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, dig

DEFAULT_SURGE = DEFAULT_UNAVAILABLE = "25%"


def scaled(value: object, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: ``"25%"`` of ``total`` (rounded up or down), or the integer."""
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        scaled = total * int(value[:-1]) / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return as_int(value)


def desired(deployment: Obj) -> int:
    return as_int(dig(deployment, "spec", "replicas"), 1)


def max_surge(deployment: Obj) -> int:
    rolling = as_dict(dig(deployment, "spec", "strategy", "rollingUpdate"))
    return scaled(rolling.get("maxSurge", DEFAULT_SURGE), desired(deployment), round_up=True)


def max_unavailable(deployment: Obj) -> int:
    """Never 0 together with a 0 surge (validation forbids it; the controller then allows 1)."""
    rolling = as_dict(dig(deployment, "spec", "strategy", "rollingUpdate"))
    unavailable = scaled(rolling.get("maxUnavailable", DEFAULT_UNAVAILABLE), desired(deployment), round_up=False)
    return 1 if unavailable == 0 and max_surge(deployment) == 0 else min(unavailable, desired(deployment))


def _recreate(deployment: Obj) -> bool:
    return bool(dig(deployment, "spec", "strategy", "type") == "Recreate")


def _replicas(rs: Obj | None) -> int:
    return as_int(dig(rs, "spec", "replicas")) if rs is not None else 0


def _available(rs: Obj) -> int:
    return as_int(dig(rs, "status", "availableReplicas"))


def new_replicas(deployment: Obj, new: Obj | None, old: list[Obj]) -> int:
    """The new ReplicaSet's next ``spec.replicas``."""
    wanted, current = desired(deployment), _replicas(new)
    if _recreate(deployment):
        return wanted if not any(_replicas(rs) or as_int(dig(rs, "status", "replicas")) for rs in old) else 0
    if current >= wanted:
        return wanted
    room = wanted + max_surge(deployment) - current - sum(_replicas(rs) for rs in old)
    return current + max(min(room, wanted - current), 0)


def old_replicas(deployment: Obj, new: Obj | None, old: list[Obj]) -> list[int]:
    """The old ReplicaSets' next ``spec.replicas``, in the order given (oldest revision first, ideally)."""
    if _recreate(deployment):
        return [0] * len(old)
    available = sum(_available(rs) for rs in old) + (_available(new) if new is not None else 0)
    budget = max(available - (desired(deployment) - max_unavailable(deployment)), 0)
    result = []
    for rs in old:
        replicas = _replicas(rs)
        unavailable = max(replicas - _available(rs), 0)
        cut = min(replicas, unavailable + budget)
        budget -= max(cut - unavailable, 0)
        result.append(replicas - cut)
    return result
