"""The verb table (``apiserver.verbs``): one lookup for every resource, events.k8s.io's rows among them.

Covers: every verb a built-in or aad-pod-identity kind advertises in discovery, and every verb of its
subresources, reaches a handler; events.k8s.io/v1 Events reach the rows of their group (the stored core/v1
events served in their version), not the common ones; a method with no verb behind it (a POST naming an event, a
PUT or PATCH of the collection) is the same 405 MethodNotAllowed for events in both versions.
"""

from __future__ import annotations

import pytest

from podid.sandbox.kube.apiserver import events_api, verbs
from podid.sandbox.kube.apiserver.rest import Target
from podid.sandbox.kube.machinery.resources import AAD_POD_IDENTITY_TYPES, BUILTIN_TYPES, ResourceType
from podid.sandbox.kube.machinery.status import KubeApiError

# How a verb reaches the apiserver: (method, whether the path names an object)
REQUESTS = {
    "get": ("GET", True),
    "list": ("GET", False),
    "watch": ("GET", False),
    "create": ("POST", False),
    "update": ("PUT", True),
    "patch": ("PATCH", True),
    "delete": ("DELETE", True),
    "deletecollection": ("DELETE", False),
}
CORE_EVENTS = next(rt for rt in BUILTIN_TYPES if rt.api_version == "v1" and rt.kind == "Event")
EVENTS_V1 = next(rt for rt in BUILTIN_TYPES if rt.api_version == "events.k8s.io/v1")


def target(rt: ResourceType, named: bool, subresource: str = "") -> Target:
    return Target(rt, "default" if rt.namespaced else "", "x" if named else "", subresource)


def handler_of(rt: ResourceType, verb: str, subresource: str = "") -> verbs.Verb:
    """The handler of ``verb`` on an object of ``rt`` (a subresource always names one), or the 405 refusal."""
    method, named = REQUESTS[verb]
    return verbs.handler(method, target(rt, named or bool(subresource), subresource))


@pytest.mark.parametrize("rt", BUILTIN_TYPES + AAD_POD_IDENTITY_TYPES, ids=lambda rt: rt.group_resource)
def test_every_advertised_verb_has_a_handler(rt: ResourceType) -> None:
    for verb in rt.verbs:
        assert callable(handler_of(rt, verb)), verb
    for sub in rt.subresources:
        for verb in sub.verbs:
            assert callable(handler_of(rt, verb, sub.name)), f"{sub.name} {verb}"


def test_events_v1_reach_the_rows_of_their_group() -> None:
    served = {verb: handler_of(EVENTS_V1, verb) for verb in EVENTS_V1.verbs}
    assert served == {
        "get": events_api.read,
        "list": events_api.list_or_watch,
        "watch": events_api.list_or_watch,
        "create": events_api.create,
        "update": events_api.update,
        "patch": events_api.patch,
        "delete": events_api.delete,
        "deletecollection": events_api.delete,
    }
    assert handler_of(CORE_EVENTS, "get") is not events_api.read


@pytest.mark.parametrize("rt", [CORE_EVENTS, EVENTS_V1], ids=lambda rt: rt.api_version)
@pytest.mark.parametrize(("method", "named"), [("POST", True), ("PUT", False), ("PATCH", False)])
def test_a_method_without_a_verb_is_refused(rt: ResourceType, method: str, named: bool) -> None:
    with pytest.raises(KubeApiError) as refused:
        verbs.handler(method, target(rt, named))
    assert (refused.value.code, refused.value.reason) == (405, "MethodNotAllowed")
