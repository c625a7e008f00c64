"""The RBAC objects a new cluster has (the apiserver's bootstrap policy), as far as the sandbox needs them.

``cluster-admin`` for ``system:masters``; discovery, basic-user and public-info for every authenticated user;
the aggregated ``admin``/``edit``/``view`` roles (``user_roles``). The controllers' own roles are not
there: the sandbox's controllers do not go through the API.
"""

from __future__ import annotations

from podid.sandbox.kube.identity.users import AUTHENTICATED, MASTERS
from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.resources import RBAC_GROUP
from podid.sandbox.kube.rbac.user_roles import user_facing_roles
from podid.sandbox.kube.storage.cluster import Cluster

GROUP_VERSION = f"{RBAC_GROUP}/v1"
_DISCOVERY_URLS = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz"]
_PUBLIC_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"]
_REVIEWS = ["selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"]
_NODE_LEASE_VERBS = ["get", "create", "update", "patch", "delete"]

CLUSTER_ROLES: dict[str, list[Obj]] = {
    "cluster-admin": [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]},
    ],
    "system:discovery": [{"nonResourceURLs": [*_DISCOVERY_URLS, "/version", "/version/"], "verbs": ["get"]}],
    "system:basic-user": [
        {"apiGroups": ["authorization.k8s.io"], "resources": _REVIEWS[:2], "verbs": ["create"]},
        {"apiGroups": ["authentication.k8s.io"], "resources": _REVIEWS[2:], "verbs": ["create"]},
    ],
    "system:public-info-viewer": [{"nonResourceURLs": _PUBLIC_URLS, "verbs": ["get"]}],
    # NodeRules' node-lease rule (bootstrappolicy/policy.go); the Node authorizer grants it to system:nodes
    "system:node": [
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": _NODE_LEASE_VERBS},
    ],
}
# binding name -> (role, groups)
CLUSTER_ROLE_BINDINGS: dict[str, tuple[str, list[str]]] = {
    "cluster-admin": ("cluster-admin", [MASTERS]),
    "system:discovery": ("system:discovery", [AUTHENTICATED]),
    "system:basic-user": ("system:basic-user", [AUTHENTICATED]),
    "system:public-info-viewer": ("system:public-info-viewer", [AUTHENTICATED, "system:unauthenticated"]),
    "system:node": ("system:node", []),  # kept without subjects since the Node authorizer (policy.go)
}


def _object(kind: str, name: str, labels: dict[str, str] | None = None) -> Obj:
    labels = {"kubernetes.io/bootstrapping": "rbac-defaults", **(labels or {})}
    annotations = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    metadata = {"name": name, "labels": labels, "annotations": annotations}
    return {"apiVersion": GROUP_VERSION, "kind": kind, "metadata": metadata}


def bootstrap_rbac(cluster: Cluster) -> None:
    """Create the default roles and bindings a cluster lacks (kept as they are when present)."""
    roles = cluster.resource_type(f"{RBAC_GROUP}/clusterroles")
    bindings = cluster.resource_type(f"{RBAC_GROUP}/clusterrolebindings")
    wanted: dict[str, tuple[dict[str, str], Obj]] = {name: ({}, {"rules": r}) for name, r in CLUSTER_ROLES.items()}
    wanted |= user_facing_roles()
    for name, (labels, fields) in wanted.items():
        if cluster.find(roles, "", name) is None:
            cluster.create_object(roles, "", {**_object("ClusterRole", name, labels), **fields})
    for name, (role_name, groups) in CLUSTER_ROLE_BINDINGS.items():
        if cluster.find(bindings, "", name) is None:
            subjects = [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": group} for group in groups]
            ref = {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role_name}
            binding = _object("ClusterRoleBinding", name)
            cluster.create_object(
                bindings, "", {**binding, "roleRef": ref, **({"subjects": subjects} if subjects else {})}
            )
