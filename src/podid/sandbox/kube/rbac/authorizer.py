"""RBAC authorization (rbac.authorization.k8s.io/v1) of one API server, as the apiserver's RBAC authorizer.

A request is allowed when one rule of a role bound to the user, or to one of its groups, covers it:
ClusterRoleBindings grant everywhere, RoleBindings (to a Role of their namespace or to a ClusterRole) in their
namespace only. A rule matches verbs, API groups, resources (``pods``, ``pods/log``, ``*``, ``*/scale``) and, when
it lists any, resource names; or, for requests that name no resource (``/api``, ``/version``), non-resource URLs
(``/apis/*`` matches by prefix). ``system:masters`` is allowed everything before RBAC is asked, as AKS's local
accounts are. ClusterRole aggregation is not evaluated.

``rules_for`` and ``role_ref_rules`` are the rule resolver (k8s.io/kubernetes pkg/registry/rbac/validation/rule.go
``RulesFor``/``GetRoleReferenceRules``) that the escalation checks of RBAC writes (``escalation``) ask.

``request_attributes`` reads a request the way the apiserver's RequestInfoFactory does: by the URL's shape alone,
so an unknown resource is still authorized (and then 404s) like a known one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from podid.sandbox.kube.identity.users import MASTERS, UserInfo
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str
from podid.sandbox.kube.machinery.resources import RBAC_GROUP, ResourceType
from podid.sandbox.kube.machinery.status import KubeApiError, go_value, unknown_error
from podid.sandbox.kube.storage.cluster import Cluster

_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")


@dataclass(frozen=True)
class Attributes:
    verb: str  # get, list, watch, create, update, patch, delete, deletecollection
    path: str
    api_group: str = ""
    resource: str = ""  # "" for a non-resource request
    subresource: str = ""
    namespace: str = ""
    name: str = ""


def request_attributes(method: str, path: str, query: Mapping[str, str]) -> Attributes:
    segments = [segment for segment in path.split("/") if segment]
    method = method.upper()
    if segments[:1] == ["api"] and len(segments) >= 3:
        group, rest = "", segments[2:]
    elif segments[:1] == ["apis"] and len(segments) >= 4:
        group, rest = segments[1], segments[3:]
    else:
        return Attributes(method.lower(), path)  # a non-resource request: the verb is the HTTP method
    legacy_watch = rest[:1] == ["watch"]
    rest = rest[1:] if legacy_watch else rest
    namespace = ""
    if rest[:1] == ["namespaces"] and len(rest) > 1:
        namespace = rest[1]  # a namespace is namespaced by its own name, with its subresources
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource, name, subresource = [*rest, "", "", ""][:3]
    verb = _verb(method, bool(name))
    if legacy_watch or (verb == "list" and query.get("watch") in ("1", "true")):
        verb = "watch"
    return Attributes(verb, path, group, resource, subresource, namespace, name)


def review_attributes(spec: Obj) -> Attributes:
    """What a SelfSubjectAccessReview asks about (``kubectl auth can-i``), as request attributes."""
    resource, url = as_dict(spec.get("resourceAttributes")), as_dict(spec.get("nonResourceAttributes"))
    if url or not resource:
        return Attributes(as_str(url.get("verb")), as_str(url.get("path")))
    fields = ("group", "resource", "subresource", "namespace", "name")
    return Attributes(as_str(resource.get("verb")), "", *(as_str(resource.get(field)) for field in fields))


def _verb(method: str, named: bool) -> str:
    if method in ("GET", "HEAD"):
        return "get" if named else "list"
    if method == "DELETE":
        return "delete" if named else "deletecollection"
    return _VERBS.get(method, method.lower())


class Authorizer:
    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster

    def allows(self, user: UserInfo, request: Attributes) -> bool:
        if MASTERS in user.groups:
            return True
        return any(_rule_covers(rule, request) for rule in self.rules_for(user, request.namespace)[0])

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[Obj], list[KubeApiError]]:
        """Every rule bound to ``user`` cluster-wide and in ``namespace``, and the errors of roles not found."""
        rules: list[Obj] = []
        errors: list[KubeApiError] = []
        for ref, where in self._bound_roles(user, namespace):
            try:
                rules += self.role_ref_rules(ref, where)
            except KubeApiError as error:
                errors.append(error)
        return rules, errors

    def role_ref_rules(self, ref: Obj, namespace: str) -> list[Obj]:
        """The rules of the role a binding in ``namespace`` ("" for a ClusterRoleBinding) refers to; 404 if absent."""
        kind, name = as_str(ref.get("kind")), as_str(ref.get("name"))
        if kind not in ("Role", "ClusterRole"):
            raise unknown_error(f"unsupported role reference kind: {go_value(kind)}")
        role = self._cluster.read(self._type("clusterroles" if kind == "ClusterRole" else "roles"), namespace, name)
        return [as_dict(rule) for rule in as_list(role.get("rules"))]

    def _bound_roles(self, user: UserInfo, namespace: str) -> Iterator[tuple[Obj, str]]:
        """(roleRef, the binding's namespace) of every binding naming ``user``: cluster-wide, then ``namespace``."""
        for binding in self._cluster.list_objects(self._type("clusterrolebindings"), None):
            if _binds(binding, user, ""):
                yield as_dict(binding.get("roleRef")), ""
        if namespace:
            for binding in self._cluster.list_objects(self._type("rolebindings"), namespace):
                if _binds(binding, user, namespace):
                    yield as_dict(binding.get("roleRef")), namespace

    def _type(self, plural: str) -> ResourceType:
        return self._cluster.resource_type(f"{RBAC_GROUP}/{plural}")


def _binds(binding: Obj, user: UserInfo, namespace: str) -> bool:
    for subject in (as_dict(s) for s in as_list(binding.get("subjects"))):
        kind, name = as_str(subject.get("kind")), as_str(subject.get("name"))
        if kind == "User" and name == user.name:
            return True
        if kind == "Group" and name in user.groups:
            return True
        if kind == "ServiceAccount":
            account_namespace = as_str(subject.get("namespace")) or namespace
            if user.name == f"system:serviceaccount:{account_namespace}:{name}":
                return True
    return False


def _rule_covers(rule: Obj, request: Attributes) -> bool:
    if not _listed(request.verb, rule.get("verbs")):
        return False
    if not request.resource:
        return any(_url_matches(url, request.path) for url in (as_str(u) for u in as_list(rule.get("nonResourceURLs"))))
    if not _listed(request.api_group, rule.get("apiGroups")):
        return False
    if not any(_resource_matches(as_str(r), request) for r in as_list(rule.get("resources"))):
        return False
    names = [as_str(n) for n in as_list(rule.get("resourceNames"))]
    return not names or request.name in names


def _listed(value: str, allowed: object) -> bool:
    values = [as_str(item) for item in as_list(allowed)]
    return "*" in values or value in values


def _resource_matches(pattern: str, request: Attributes) -> bool:
    combined = f"{request.resource}/{request.subresource}" if request.subresource else request.resource
    if pattern in ("*", combined):
        return True
    return bool(request.subresource) and pattern == f"*/{request.subresource}"


def _url_matches(pattern: str, path: str) -> bool:
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return pattern == path
