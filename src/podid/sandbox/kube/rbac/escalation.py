"""Privilege-escalation prevention on RBAC writes, as kube-apiserver's policybased RBAC storages do it.

Creating, replacing or patching (server-side apply included)

* a Role or ClusterRole needs every permission it grants to be held already (in the Role's namespace; for a
  ClusterRole, cluster-wide), or the ``escalate`` verb on it; setting, changing or dropping a ClusterRole's
  ``aggregationRule`` needs ``*`` on everything, since it can gather any rule;
* a RoleBinding or ClusterRoleBinding needs every permission of the role it refers to (in the RoleBinding's
  namespace), or the ``bind`` verb on that role; a missing role is its 404;
* is checked before validation, as the registry checks before its strategy validates;
* is not checked for ``system:masters`` (the local accounts), nor for updates that change nothing but what the
  garbage collector changes (ownerReferences, finalizers).

Refusals are 403 Forbidden Status objects with the apiserver's text. Sources, in github.com/kubernetes/kubernetes:
pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased/storage.go,
pkg/registry/rbac/escalation_check.go (``EscalationAllowed``, ``RoleEscalationAuthorized``, ``BindingAuthorized``),
pkg/registry/rbac/helpers.go (``IsOnlyMutatingGCFields``), pkg/registry/rbac/validation/rule.go
(``ConfirmNoEscalation``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace

from aiohttp import web

from podid.sandbox.kube.identity.users import MASTERS, USER, UserInfo
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.machinery.resources import RBAC_GROUP, ResourceType
from podid.sandbox.kube.machinery.status import KubeApiError, forbidden_by_registry, go_value
from podid.sandbox.kube.rbac.authorizer import Attributes, Authorizer, request_attributes
from podid.sandbox.kube.rbac.covers import Rule, covers, describe_missing, go_strings, rules_of

FULL_AUTHORITY = (Rule(("*",), ("*",), ("*",)), Rule(("*",), non_resource_urls=("*",)))
_AGGREGATION = "must have cluster-admin privileges to use the aggregationRule"
_GC_FIELDS = ("ownerReferences", "finalizers", "selfLink")
_ROLE_RESOURCES = {"Role": "roles", "ClusterRole": "clusterroles"}


def confirm_no_escalation(
    authorizer: Authorizer, request: web.Request, rt: ResourceType, obj: Obj, old: Obj | None
) -> None:
    """Raise the apiserver's 403 when writing ``obj`` (over ``old``; None on create) grants what its writer lacks."""
    user = request[USER]
    if rt.group != RBAC_GROUP or MASTERS in user.groups or (old is not None and _only_gc_fields(obj, old)):
        return
    attributes = request_attributes(request.method, request.path, request.query)
    check = _Check(authorizer, user, attributes, rt)
    if rt.kind in _ROLE_RESOURCES:
        check.role(obj, old)
    else:
        check.binding(obj)


class _Check:
    def __init__(self, authorizer: Authorizer, user: UserInfo, request: Attributes, rt: ResourceType) -> None:
        self._authorizer, self._user, self._request, self._rt = authorizer, user, request, rt

    def role(self, obj: Obj, old: Obj | None) -> None:
        # RoleEscalationAuthorized: "escalate" on the URL's own resource, namespace and name
        if self._authorizer.allows(self._user, replace(self._request, verb="escalate", subresource="")):
            return
        name = as_str(dig(obj, "metadata", "name"))
        self._confirm(name, rules_of(as_list(obj.get("rules"))))
        if self._rt.kind == "ClusterRole" and (_aggregates(obj) or _aggregates(old)):
            try:
                self._confirm(name, FULL_AUTHORITY)
            except KubeApiError:
                raise forbidden_by_registry(self._rt, name, _AGGREGATION) from None

    def binding(self, obj: Obj) -> None:
        ref, namespace = as_dict(obj.get("roleRef")), self._request.namespace
        role_kind, role_name = as_str(ref.get("kind")), as_str(ref.get("name"))
        if role_kind in _ROLE_RESOURCES:  # BindingAuthorized: "bind" on the role, in the binding's namespace
            group, resource = as_str(ref.get("apiGroup")), _ROLE_RESOURCES[role_kind]
            if self._authorizer.allows(self._user, Attributes("bind", "", group, resource, "", namespace, role_name)):
                return
        rules = rules_of(self._authorizer.role_ref_rules(ref, namespace))
        self._confirm(as_str(dig(obj, "metadata", "name")), rules)

    def _confirm(self, name: str, rules: Sequence[Rule]) -> None:
        """ConfirmNoEscalation: the user's rules in the request's namespace must cover ``rules``."""
        held, errors = self._authorizer.rules_for(self._user, self._request.namespace)
        covered, missing = covers(rules_of(held), rules)
        if covered:
            return
        user, groups = go_value(self._user.name), go_strings(self._user.groups)
        message = f"user {user} (groups={groups}) is attempting to grant RBAC permissions not currently held:\n"
        message += describe_missing(missing)
        if errors:  # fmt.Sprintf("%v", []error{utilerrors.NewAggregate(errs)})
            message += f"; resolution errors: [{_aggregate([str(error) for error in errors])}]"
        raise forbidden_by_registry(self._rt, name, message)


def _aggregate(messages: list[str]) -> str:
    """utilerrors.Aggregate's text: one error as itself, several deduplicated in brackets."""
    distinct = list(dict.fromkeys(messages))
    return distinct[0] if len(distinct) == 1 else "[" + ", ".join(distinct) + "]"


def _aggregates(role: Obj | None) -> bool:
    return bool(as_list(dig(role, "aggregationRule", "clusterRoleSelectors")))


def _only_gc_fields(obj: Obj, old: Obj) -> bool:
    """IsOnlyMutatingGCFields: ``obj`` equals ``old`` once its ownerReferences and finalizers are ``old``'s."""
    mine, theirs = copy.deepcopy(obj), as_dict(old.get("metadata"))
    meta = mine.setdefault("metadata", {})
    if not isinstance(meta, dict):
        return False
    for field in _GC_FIELDS:
        meta.pop(field, None)
        if field in theirs:
            meta[field] = theirs[field]
    return mine == old
