"""``SelfSubjectAccessReview`` (authorization.k8s.io/v1): may I do this? What ``kubectl auth can-i`` asks.

The review is answered by the same authorizer as the requests themselves (``_rbac``) and is not stored.
"""

from __future__ import annotations

from aiohttp import web

from podid.sandbox.kube import _rest
from podid.sandbox.kube._context import ApiContext
from podid.sandbox.kube._objects import as_dict
from podid.sandbox.kube._rbac import USER, review_attributes
from podid.sandbox.kube._resources import ResourceType
from podid.sandbox.kube._status import invalid, invalid_value, required

_BOTH = "cannot be specified in combination with nonResourceAttributes"
_NEITHER = "exactly one of nonResourceAttributes or resourceAttributes must be specified"


async def self_subject_access_review(context: ApiContext, request: web.Request, rt: ResourceType) -> web.Response:
    review = await _rest.read_body(request)
    spec = as_dict(review.get("spec"))
    resource, url = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if resource and url:
        raise invalid(rt, "", [invalid_value("spec.resourceAttributes", resource, _BOTH)])
    if not resource and not url:
        raise invalid(rt, "", [required("spec.resourceAttributes", _NEITHER)])
    allowed = context.authorizer.allows(request[USER], review_attributes(spec))
    answer = {"kind": rt.kind, "apiVersion": f"{rt.group}/{rt.version}", "metadata": {"creationTimestamp": None}}
    return _rest.json_response({**answer, "spec": spec, "status": {"allowed": allowed}}, 201)
