"""Events, through kubectl and the kubernetes client, as the components of a cluster report them.

Covers: a Deployment's rollout reports ``ScalingReplicaSet`` (deployment-controller), ``SuccessfulCreate``
(replicaset-controller), ``Scheduled`` (default-scheduler, events.k8s.io style: eventTime, action, no count) and
the kubelet's ``Pulled``/``Created``/``Started`` with the container's fieldPath; ``kubectl describe pod`` lists
them (through its involvedObject field selector) and ``kubectl get events`` prints them; a container that cannot
start repeats ``Failed`` as one event whose count grows; a crash-looping container reports ``BackOff``; a pod
that fits no node reports ``FailedScheduling``; scaling down reports ``SuccessfulDelete``; the oldest and newest
kubectl installed describe a pod with its events, list them with ``kubectl events`` and create and list a Job.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kubernetes import client as k8s

from tests.kube.conftest import VERSIONED_KUBECTL, KubeCluster, Kubectl, eventually

DEMO_IMAGE = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"


def deployment(name: str, replicas: int) -> dict[str, object]:
    labels = {"app": name}
    container = {"name": "web", "image": "nginx:1.25"}
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def events_of(core: k8s.CoreV1Api, namespace: str, kind: str, name: str) -> list[k8s.CoreV1Event]:
    selector = f"involvedObject.kind={kind},involvedObject.name={name}"
    return list(core.list_namespaced_event(namespace, field_selector=selector).items)


def reasons(events: list[k8s.CoreV1Event]) -> list[str]:
    return [e.reason for e in events]


def test_a_rollout_reports_its_events(core: k8s.CoreV1Api, apps: k8s.AppsV1Api, namespace: str) -> None:
    apps.create_namespaced_deployment(namespace, deployment("web", 2))
    pods = eventually(lambda: [p for p in core.list_namespaced_pod(namespace).items if p.status.phase == "Running"])
    rs_name = pods[0].metadata.owner_references[0].name
    scaled = eventually(lambda: events_of(core, namespace, "Deployment", "web"))
    assert [(e.type, e.reason, e.message) for e in scaled] == [
        ("Normal", "ScalingReplicaSet", f"Scaled up replica set {rs_name} to 2")
    ]
    assert scaled[0].source.component == "deployment-controller" and scaled[0].count == 1
    created = eventually(lambda: len(found := events_of(core, namespace, "ReplicaSet", rs_name)) == 2 and found)
    pod_names = sorted(p.metadata.name for p in core.list_namespaced_pod(namespace).items)
    assert sorted(e.message for e in created) == [f"Created pod: {name}" for name in pod_names]
    assert {(e.reason, e.reporting_component) for e in created} == {("SuccessfulCreate", "replicaset-controller")}

    pod = pods[0]
    found = eventually(lambda: len(events := events_of(core, namespace, "Pod", pod.metadata.name)) == 4 and events)
    scheduled, *kubelet = sorted(found, key=lambda e: ["Scheduled", "Pulled", "Created", "Started"].index(e.reason))
    assert scheduled.message == f"Successfully assigned {namespace}/{pod.metadata.name} to {pod.spec.node_name}"
    assert scheduled.action == "Binding" and scheduled.reporting_component == "default-scheduler"
    assert scheduled.event_time is not None and scheduled.count is None and scheduled.first_timestamp is None
    assert scheduled.reporting_instance.startswith("default-scheduler-")
    assert [e.message for e in kubelet] == [
        'Container image "nginx:1.25" already present on machine',
        "Created container web",  # the cluster runs 1.29: the colon came in 1.33
        "Started container web",
    ]
    for event in kubelet:
        assert event.involved_object.field_path == "spec.containers{web}"
        assert (event.source.component, event.source.host) == ("kubelet", pod.spec.node_name)
        assert event.involved_object.uid == pod.metadata.uid and event.metadata.name.startswith(pod.metadata.name + ".")


def test_describe_and_get_show_events(core: k8s.CoreV1Api, kubectl: Kubectl, namespace: str) -> None:
    pod = {"metadata": {"name": "solo"}, "spec": {"containers": [{"name": "main", "image": "nginx:1.25"}]}}
    core.create_namespaced_pod(namespace, pod)
    eventually(lambda: len(events_of(core, namespace, "Pod", "solo")) == 4)
    node = core.read_namespaced_pod("solo", namespace).spec.node_name
    described = kubectl("describe", "pod", "solo", "-n", namespace)
    events = described.split("\nEvents:\n", 1)[1]
    assert re.search(
        rf"Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned {namespace}/solo to {node}", events
    )
    assert re.search(r"Normal\s+Started\s+\S+\s+kubelet\s+Started container main", events)
    listed = kubectl("get", "events", "-n", namespace)
    assert listed.splitlines()[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert re.search(r"Normal\s+Pulled\s+pod/solo\s+Container image \"nginx:1.25\" already present on machine", listed)
    wide = kubectl("get", "events", "-n", namespace, "--field-selector", "reason=Created", "-o", "wide")
    assert re.search(rf"spec.containers{{main}}\s+kubelet, {node}\s+Created container main", wide)


def test_a_failing_container_counts_its_failures(core: k8s.CoreV1Api, kubectl: Kubectl, namespace: str) -> None:
    env = [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "password"}}}]
    container = {"name": "demo", "image": DEMO_IMAGE, "env": env}
    core.create_namespaced_pod(namespace, {"metadata": {"name": "needs"}, "spec": {"containers": [container]}})

    def failed_twice() -> k8s.CoreV1Event | None:
        failed = [e for e in events_of(core, namespace, "Pod", "needs") if e.reason == "Failed"]
        return failed[0] if len(failed) == 1 and (failed[0].count or 0) >= 2 else None

    failed = eventually(failed_twice)
    assert (failed.type, failed.message) == ("Warning", 'Error: secret "absent" not found')
    assert failed.last_timestamp >= failed.first_timestamp
    described = kubectl("describe", "pod", "needs", "-n", namespace)
    assert re.search(
        r"Warning\s+Failed\s+\S+ \(x\d+ over \S+\)\s+kubelet\s+Error: secret \"absent\" not found", described
    )


def test_crash_loop_and_unschedulable_pods_report_warnings(core: k8s.CoreV1Api, namespace: str) -> None:
    container = {"name": "demo", "image": DEMO_IMAGE, "args": ["--no-such-flag"]}
    core.create_namespaced_pod(namespace, {"metadata": {"name": "loop"}, "spec": {"containers": [container]}})
    backoff = eventually(lambda: [e for e in events_of(core, namespace, "Pod", "loop") if e.reason == "BackOff"])
    uid = core.read_namespaced_pod("loop", namespace).metadata.uid
    assert backoff[0].type == "Warning"
    assert backoff[0].message == f"Back-off restarting failed container demo in pod loop_{namespace}({uid})"

    nowhere = {"nodeSelector": {"kubernetes.io/os": "plan9"}, "containers": [{"name": "c", "image": "nginx:1.25"}]}
    core.create_namespaced_pod(namespace, {"metadata": {"name": "nowhere"}, "spec": nowhere})
    failed = eventually(lambda: events_of(core, namespace, "Pod", "nowhere"))
    assert (failed[0].type, failed[0].reason, failed[0].action) == ("Warning", "FailedScheduling", "Scheduling")
    assert failed[0].message == "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."


def test_scaling_down_reports_deleted_pods(core: k8s.CoreV1Api, apps: k8s.AppsV1Api, namespace: str) -> None:
    apps.create_namespaced_deployment(namespace, deployment("shrink", 2))
    eventually(lambda: len(core.list_namespaced_pod(namespace).items) == 2)
    apps.patch_namespaced_deployment_scale("shrink", namespace, {"spec": {"replicas": 1}})
    scaled = eventually(lambda: [e for e in events_of(core, namespace, "Deployment", "shrink") if "down" in e.message])
    assert re.fullmatch(r"Scaled down replica set shrink-\w+ to 1 from 2", scaled[0].message)
    rs_name = scaled[0].message.split()[4]
    deleted = eventually(
        lambda: [e for e in events_of(core, namespace, "ReplicaSet", rs_name) if e.reason == "SuccessfulDelete"]
    )
    assert deleted[0].message.startswith(f"Deleted pod: {rs_name}-")


@pytest.mark.skipif(not VERSIONED_KUBECTL, reason="no versioned kubectl binaries beside the dispatcher")
@pytest.mark.parametrize("binary", VERSIONED_KUBECTL[:1] + VERSIONED_KUBECTL[-1:], ids=lambda p: p.name)
def test_oldest_and_newest_kubectl_describe_events(
    binary: Path, core: k8s.CoreV1Api, kube: KubeCluster, namespace: str, tmp_path: Path
) -> None:
    kubectl = Kubectl(kube.kubeconfig, tmp_path / "cache", binary=str(binary))
    kubectl("run", "described", "-n", namespace, "--image=nginx:1.25")
    eventually(lambda: len(events_of(core, namespace, "Pod", "described")) == 4)
    events = kubectl("describe", "pod", "described", "-n", namespace).split("\nEvents:\n", 1)[1]
    assert re.search(
        rf"Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned {namespace}/described", events
    )
    assert re.search(
        r"Normal\s+Created\s+\S+\s+kubelet\s+(spec.containers\{described\}: )?Created container described", events
    )
    listed = kubectl("events", "-n", namespace, "--for", "pod/described")
    assert re.search(r"Normal\s+Started\s+Pod/described\s+Started container described", listed)
    job = kubectl("create", "job", "once", "-n", namespace, "--image=nginx:1.25")
    assert job == "job.batch/once created\n"
    row = kubectl("get", "job", "once", "-n", namespace, "--no-headers").split()
    assert row[:3] == ["once", "Running", "0/1"]
