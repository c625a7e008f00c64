"""``SelfSubjectAccessReview`` and ``SelfSubjectRulesReview`` (authorization.k8s.io/v1): may I do this, and what
may I do in this namespace? What ``kubectl auth can-i`` and ``kubectl auth can-i --list`` ask. And
``SelfSubjectReview`` (authentication.k8s.io): who am I? (``kubectl auth whoami``).

Both are answered by the same authorizer as the requests themselves (``rbac.authorizer``) and are not stored. The rules
are those of the apiserver's authorizer chain (k8s.io/kubernetes pkg/registry/authorization/
selfsubjectrulesreview/rest.go): ``system:masters`` first gets everything (the privileged-group authorizer's
``*`` rules), then every RBAC rule bound to the user cluster-wide and in the namespace; a binding to a missing
role is an ``evaluationError`` (k8s.io/apimachinery's aggregate text), the rest still listed.
"""

from __future__ import annotations

from aiohttp import web

from podid.sandbox.kube.apiserver import rest
from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.identity.users import MASTERS, USER
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str
from podid.sandbox.kube.machinery.status import bad_request, invalid, invalid_value, required
from podid.sandbox.kube.rbac.authorizer import review_attributes

_BOTH = "cannot be specified in combination with nonResourceAttributes"
_NEITHER = "exactly one of nonResourceAttributes or resourceAttributes must be specified"


async def self_subject_access_review(context: ApiContext, request: web.Request, target: rest.Target) -> web.Response:
    rt = target.rt
    review = await rest.read_body(request)
    spec = as_dict(review.get("spec"))
    resource, url = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if resource and url:
        raise invalid(rt, "", [invalid_value("spec.resourceAttributes", resource, _BOTH)])
    if not resource and not url:
        raise invalid(rt, "", [required("spec.resourceAttributes", _NEITHER)])
    allowed = context.authorizer.allows(request[USER], review_attributes(spec))
    answer = {"kind": rt.kind, "apiVersion": f"{rt.group}/{rt.version}", "metadata": {"creationTimestamp": None}}
    return rest.json_response({**answer, "spec": spec, "status": {"allowed": allowed}}, 201)


# authorizerfactory.NewPrivilegedGroups' RulesFor
_MASTERS_RESOURCE_RULE: Obj = {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}
_MASTERS_URL_RULE: Obj = {"verbs": ["*"], "nonResourceURLs": ["*"]}


async def self_subject_rules_review(context: ApiContext, request: web.Request, target: rest.Target) -> web.Response:
    rt = target.rt
    review = await rest.read_body(request)
    namespace = as_str(as_dict(review.get("spec")).get("namespace"))
    if not namespace:
        raise bad_request("no namespace on request")
    user = request[USER]
    masters = MASTERS in user.groups
    resource_rules, url_rules = ([_MASTERS_RESOURCE_RULE], [_MASTERS_URL_RULE]) if masters else ([], [])
    rules, errors = context.authorizer.rules_for(user, namespace)
    for rule in rules:
        if as_list(rule.get("resources")):
            resource_rules.append(_fields(rule, "verbs", "apiGroups", "resources", "resourceNames"))
        if as_list(rule.get("nonResourceURLs")):
            url_rules.append(_fields(rule, "verbs", "nonResourceURLs"))
    status: Obj = {"resourceRules": resource_rules, "nonResourceRules": url_rules, "incomplete": False}
    if errors:
        messages = [error.status["message"] for error in errors]
        status["evaluationError"] = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
    answer = {"kind": rt.kind, "apiVersion": f"{rt.group}/{rt.version}", "metadata": {"creationTimestamp": None}}
    return rest.json_response({**answer, "spec": {"namespace": namespace}, "status": status}, 201)


def _fields(rule: Obj, *names: str) -> Obj:
    """The rule's fields as the review's ResourceRule/NonResourceRule carry them (empty lists omitted)."""
    return {name: rule[name] for name in names if as_list(rule.get(name)) or name == "verbs"}


async def self_subject_review(context: ApiContext, request: web.Request, target: rest.Target) -> web.Response:
    """The caller's user info, as authentication found it (pkg/registry/authentication/selfsubjectreview)."""
    rt = target.rt
    await rest.read_body(request)  # decoded (and refused when malformed) as the apiserver does; it asks nothing
    user = request[USER]
    answer = {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": {"creationTimestamp": None}}
    status = {"userInfo": {"username": user.name, "groups": list(user.groups)}}
    return rest.json_response({**answer, "status": status}, 201)
