"""The user-facing ClusterRoles of the bootstrap policy: ``view``, ``edit`` and ``admin``, aggregated.

Each is an ``aggregationRule`` over ClusterRoles labelled ``rbac.authorization.k8s.io/aggregate-to-<role>``; the
rules come from ``system:aggregate-to-<role>`` (the kinds a sandbox cluster serves, plus the core ones the real
roles name), and ``view`` is itself aggregated into ``edit``, ``edit`` into ``admin``. ``view`` does not read
Secrets. The aggregation controller (``aggregation``) fills in the rules.
"""

from __future__ import annotations

from podid.sandbox.kube.machinery.objects import Obj

AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-"
_READ = ["get", "list", "watch"]
_WRITE = ["create", "delete", "deletecollection", "patch", "update"]
_CORE_READ = [
    "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "pods/log",
    "pods/status", "replicationcontrollers", "replicationcontrollers/scale", "replicationcontrollers/status",
    "serviceaccounts", "services", "services/status", "bindings", "events", "limitranges", "namespaces/status",
    "resourcequotas", "resourcequotas/status",
]  # fmt: skip
_APPS = ["daemonsets", "deployments", "deployments/scale", "replicasets", "replicasets/scale", "statefulsets"]
_CORE_WRITE = [
    "configmaps", "events", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale",
    "secrets", "serviceaccounts", "services", "services/proxy",
]  # fmt: skip
_NETWORKING = ["ingresses", "networkpolicies"]
_POD_ACCESS = ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]

_VIEW = [
    {"apiGroups": [""], "resources": _CORE_READ, "verbs": _READ},
    {"apiGroups": [""], "resources": ["namespaces"], "verbs": _READ},
    {"apiGroups": ["apps"], "resources": [*_APPS, "deployments/status", "replicasets/status"], "verbs": _READ},
    {"apiGroups": ["networking.k8s.io"], "resources": [*_NETWORKING, "ingresses/status"], "verbs": _READ},
]
_EDIT = [
    {"apiGroups": [""], "resources": [*_POD_ACCESS[1:], "secrets", "services/proxy"], "verbs": _READ},
    {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]},
    {"apiGroups": [""], "resources": _POD_ACCESS, "verbs": _WRITE},
    {"apiGroups": [""], "resources": ["pods/eviction", "serviceaccounts/token"], "verbs": ["create"]},
    {"apiGroups": [""], "resources": _CORE_WRITE, "verbs": _WRITE},
    {"apiGroups": ["apps"], "resources": [*_APPS, "deployments/rollback"], "verbs": _WRITE},
    {"apiGroups": ["networking.k8s.io"], "resources": _NETWORKING, "verbs": _WRITE},
]
_ADMIN = [
    {"apiGroups": ["authorization.k8s.io"], "resources": ["localsubjectaccessreviews"], "verbs": ["create"]},
    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings", "roles"], "verbs": [*_READ, *_WRITE]},
]


def user_facing_roles() -> dict[str, tuple[dict[str, str], Obj]]:
    """ClusterRole name -> (its labels, its ``rules`` or ``aggregationRule`` fields)."""
    roles: dict[str, tuple[dict[str, str], Obj]] = {}
    for role, rules, feeds in (("view", _VIEW, "edit"), ("edit", _EDIT, "admin"), ("admin", _ADMIN, None)):
        selector = {"matchLabels": {f"{AGGREGATE_TO}{role}": "true"}}
        labels = {f"{AGGREGATE_TO}{feeds}": "true"} if feeds else {}
        roles[role] = (labels, {"aggregationRule": {"clusterRoleSelectors": [selector]}, "rules": []})
        roles[f"system:aggregate-to-{role}"] = ({f"{AGGREGATE_TO}{role}": "true"}, {"rules": rules})
    return roles
