"""The clusterrole-aggregation controller: a ClusterRole with an ``aggregationRule`` holds the rules of every
ClusterRole its selectors match, kept in step as those change (how ``view``, ``edit`` and ``admin`` grow when
another ClusterRole is labelled ``rbac.authorization.k8s.io/aggregate-to-view: "true"``).
"""

from __future__ import annotations

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, dig
from podid.sandbox.kube.machinery.resources import RBAC_GROUP
from podid.sandbox.kube.machinery.selectors import SelectorError, selector_from_object
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster


class ClusterRoleAggregator:
    def __init__(self, cluster: Cluster, queue: WorkQueue) -> None:
        self._cluster, self._queue = cluster, queue
        self._roles = cluster.resource_type(f"{RBAC_GROUP}/clusterroles")

    def on_event(self, _event_type: str, obj: Obj) -> None:
        if obj.get("kind") == "ClusterRole":
            self._queue.add(self.sync, "")  # any role may feed any aggregated one: one key, everything again

    def sync(self, _key: str) -> None:
        roles = self._cluster.list_objects(self._roles, None)
        for role in roles:
            if role.get("aggregationRule") is None:
                continue
            rules = _aggregated_rules(role, roles)
            if rules != as_list(role.get("rules")):
                self._cluster.write(self._roles, {**role, "rules": rules})


def _aggregated_rules(role: Obj, roles: list[Obj]) -> list[Obj]:
    """The rules of every other ClusterRole a selector of ``role`` matches, in name order, each rule once."""
    try:
        selectors = [selector_from_object(s) for s in as_list(dig(role, "aggregationRule", "clusterRoleSelectors"))]
    except SelectorError:
        return as_list(role.get("rules"))
    rules: list[Obj] = []
    name = dig(role, "metadata", "name")
    for other in roles:
        labels = as_dict(dig(other, "metadata", "labels"))
        if dig(other, "metadata", "name") == name or not any(s.matches(labels) for s in selectors):
            continue
        rules += [rule for rule in (as_dict(r) for r in as_list(other.get("rules"))) if rule not in rules]
    return rules
