"""events.k8s.io/v1: the same events as core/v1, in the other version, through the kubernetes client and kubectl.

Covers: a kubelet event listed as events.k8s.io/v1 (``regarding``, ``note``, ``deprecatedSource``,
``deprecatedCount``), selected by ``regarding.name`` (an unknown field label is a 400); an event created through
events.k8s.io/v1 is a core/v1 event (``involvedObject``, ``message``, ``reportingComponent``) and can be patched
and watched there; a create without ``eventTime``, ``action``... is a 422 naming them; ``kubectl get events``
stays core/v1 while ``kubectl get events.events.k8s.io`` prints the same columns.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
from kubernetes import client as k8s
from kubernetes import watch

from tests.kube.conftest import KubeCluster, Kubectl, eventually
from tests.kube.test_kubectl import table


@pytest.fixture(scope="module")
def events_api(api_client: k8s.ApiClient) -> k8s.EventsV1Api:
    return k8s.EventsV1Api(api_client)


def get(kube: KubeCluster, path: str, **query: str) -> requests.Response:
    """A raw GET: the Python client cannot read events.k8s.io/v1 events of the legacy recorders, whose eventTime
    is null on every apiserver (kubernetes-client/python#1616)."""
    headers = {"Authorization": f"Bearer {kube.access.user_token}"}
    url = kube.access.server_url + path
    return requests.get(url, params=query, headers=headers, verify=kube.ca_cert, timeout=10)


def test_kubelet_events_in_the_other_version(
    core: k8s.CoreV1Api, kube: KubeCluster, kubectl: Kubectl, namespace: str
) -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}
    core.create_namespaced_pod(namespace, pod)
    path = f"/apis/events.k8s.io/v1/namespaces/{namespace}/events"
    selector = "regarding.name=p,reason=Started"
    started = eventually(lambda: get(kube, path, fieldSelector=selector).json()["items"])
    event = started[0]
    assert (event["kind"], event["apiVersion"], event["eventTime"]) == ("Event", "events.k8s.io/v1", None)
    assert (event["regarding"]["fieldPath"], event["note"]) == ("spec.containers{c}", "Started container c")
    assert (event["deprecatedSource"]["component"], event["deprecatedCount"]) == ("kubelet", 1)
    assert event["reportingController"] == "kubelet" and "involvedObject" not in event
    same = core.read_namespaced_event(event["metadata"]["name"], namespace)
    assert (same.message, same.metadata.resource_version) == (event["note"], event["metadata"]["resourceVersion"])
    refused = get(kube, path, fieldSelector="involvedObject.name=p")
    assert (refused.status_code, refused.json()["message"]) == (400, "field label not supported: involvedObject.name")

    listed = json.loads(kubectl("get", "events", "-n", namespace, "-o", "json"))
    assert {item["apiVersion"] for item in listed["items"]} == {"v1"}
    rows = table(kubectl("get", "events.events.k8s.io", "-n", namespace, "--field-selector", "reason=Started"))
    assert [(r["REASON"], r["OBJECT"], r["MESSAGE"]) for r in rows] == [("Started", "pod/p", "Started container c")]


def test_an_event_created_in_events_v1_is_a_core_event(
    core: k8s.CoreV1Api, events_api: k8s.EventsV1Api, namespace: str
) -> None:
    now = datetime.now(UTC)
    body = {
        "metadata": {"name": "custom.1"},
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "reportingController": "example.com/operator",
        "reportingInstance": "operator-0",
        "action": "Reconcile",
        "reason": "Synced",
        "regarding": {"kind": "Namespace", "name": namespace, "apiVersion": "v1"},
        "note": "all good",
        "type": "Normal",
    }
    stream = watch.Watch()
    created = events_api.create_namespaced_event(namespace, body)
    assert (created.note, created.reporting_controller, created.deprecated_count) == (
        "all good",
        "example.com/operator",
        None,
    )
    stored = core.read_namespaced_event("custom.1", namespace)
    assert (stored.message, stored.reporting_component, stored.reporting_instance) == (
        "all good",
        "example.com/operator",
        "operator-0",
    )
    assert stored.involved_object.name == namespace and stored.count is None and stored.action == "Reconcile"
    patched = events_api.patch_namespaced_event(
        "custom.1", namespace, {"series": {"count": 2, "lastObservedTime": body["eventTime"]}}
    )
    assert patched.series.count == 2 and core.read_namespaced_event("custom.1", namespace).series.count == 2
    seen = []
    for change in stream.stream(
        events_api.list_namespaced_event, namespace, field_selector="reason=Synced", timeout_seconds=2
    ):
        seen.append((change["type"], change["object"].note, change["object"].api_version))
    assert seen == [("ADDED", "all good", "events.k8s.io/v1")]


def test_an_incomplete_event_is_invalid(kube: KubeCluster, namespace: str) -> None:
    headers = {"Authorization": f"Bearer {kube.access.user_token}"}
    url = f"{kube.access.server_url}/apis/events.k8s.io/v1/namespaces/{namespace}/events"
    body = {"metadata": {"name": "bare"}, "note": "hello", "type": "Normal"}  # the Python client refuses to send it
    refused = requests.post(url, json=body, headers=headers, verify=kube.ca_cert, timeout=10)
    assert refused.status_code == 422
    assert refused.json()["message"] == (
        'Event.events.k8s.io "bare" is invalid: [eventTime: Required value, reportingController: Required value, '
        "reportingInstance: Required value, action: Required value, reason: Required value]"
    )
