"""Jobs, DaemonSets and ReplicationControllers, through the kubernetes client and kubectl.

Covers: a Job runs its pods to completion (``completions`` 2, ``parallelism`` 1: ``Complete``, succeeded 2,
``kubectl get jobs`` STATUS Complete and COMPLETIONS 2/2) with the generated selector and labels; a Job whose pods
fail goes ``Failed`` with ``BackoffLimitExceeded`` once more than ``backoffLimit`` pods failed; a template with
``restartPolicy: Always`` is refused (422); a DaemonSet runs one pod per node, bound there by the scheduler
through its node-name affinity, honours a node selector, and replaces its pods when the template changes
(``kubectl rollout status`` sees it through);
``kubectl get ds`` prints its columns; a ReplicationController keeps its replicas (its Scale, ``kubectl get rc``).
"""

from __future__ import annotations

import json

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from podid.workloads import probe
from tests.kube.conftest import Kubectl, eventually
from tests.kube.test_kubectl import table

DEMO_IMAGE = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"


@pytest.fixture(scope="module")
def batch(api_client: k8s.ApiClient) -> k8s.BatchV1Api:
    return k8s.BatchV1Api(api_client)


def job(name: str, container: dict[str, object], **spec: object) -> dict[str, object]:
    template = {"spec": {"restartPolicy": "Never", "containers": [container]}}
    return {"metadata": {"name": name}, "spec": {"template": template, **spec}}


def condition_types(found: k8s.V1Job) -> list[str]:
    return [c.type for c in found.status.conditions or [] if c.status == "True"]


def test_a_job_runs_to_completion(batch: k8s.BatchV1Api, core: k8s.CoreV1Api, kubectl: Kubectl, namespace: str) -> None:
    command = probe.command("reach", "http://127.0.0.1:9/")  # refused at once: the probe reports it and exits 0
    container = {"name": "probe", "image": probe.IMAGE, "command": command}
    created = batch.create_namespaced_job(namespace, job("twice", container, completions=2))
    uid = created.metadata.uid
    assert created.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
    assert created.spec.template.metadata.labels["job-name"] == "twice"
    assert (created.spec.parallelism, created.spec.backoff_limit, created.spec.completion_mode) == (1, 6, "NonIndexed")
    done = eventually(
        lambda: "Complete" in condition_types(found := batch.read_namespaced_job("twice", namespace)) and found
    )
    assert (done.status.succeeded, done.status.active, done.status.failed) == (2, None, None)
    assert done.status.completion_time >= done.status.start_time
    assert (done.status.ready, done.status.terminating) == (0, 0)
    pods = core.list_namespaced_pod(namespace, label_selector=f"batch.kubernetes.io/controller-uid={uid}").items
    assert sorted(p.status.phase for p in pods) == ["Succeeded", "Succeeded"]
    row = table(kubectl("get", "jobs", "-n", namespace))[0]
    assert (row["NAME"], row["STATUS"], row["COMPLETIONS"]) == ("twice", "Complete", "2/2")
    reasons = eventually(
        lambda: (
            {e.reason for e in core.list_namespaced_event(namespace, field_selector="involvedObject.kind=Job").items}
            >= {"SuccessfulCreate", "Completed"}
        )
    )
    assert reasons


def test_a_failing_job_exceeds_its_backoff_limit(batch: k8s.BatchV1Api, core: k8s.CoreV1Api, namespace: str) -> None:
    container = {"name": "demo", "image": DEMO_IMAGE, "args": ["--no-such-flag"]}
    batch.create_namespaced_job(namespace, job("doomed", container, backoffLimit=1))
    failed = eventually(
        lambda: "Failed" in condition_types(found := batch.read_namespaced_job("doomed", namespace)) and found
    )
    condition = next(c for c in failed.status.conditions if c.type == "Failed")
    assert (condition.reason, condition.message) == (
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    )
    assert failed.status.failed == 2 and failed.status.active is None


def test_a_job_needs_never_or_on_failure(batch: k8s.BatchV1Api, namespace: str) -> None:
    body = job("always", {"name": "c", "image": "nginx:1.25"})
    body["spec"]["template"]["spec"]["restartPolicy"] = "Always"  # type: ignore[index]
    with pytest.raises(ApiException) as refused:
        batch.create_namespaced_job(namespace, body)
    assert refused.value.status == 422
    assert json.loads(refused.value.body)["message"] == (
        'Job.batch "always" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": '
        'supported values: "OnFailure", "Never"'
    )


def daemonset(name: str, image: str = "nginx:1.25", **node_selector: str) -> dict[str, object]:
    labels = {"app": name}
    pod_spec: dict[str, object] = {"containers": [{"name": "main", "image": image}]}
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    template = {"metadata": {"labels": labels}, "spec": pod_spec}
    return {"metadata": {"name": name}, "spec": {"selector": {"matchLabels": labels}, "template": template}}


def test_a_daemonset_runs_a_pod_per_node(
    apps: k8s.AppsV1Api, core: k8s.CoreV1Api, kubectl: Kubectl, namespace: str
) -> None:
    nodes = sorted(n.metadata.name for n in core.list_node().items)
    apps.create_namespaced_daemon_set(namespace, daemonset("agent"))

    def running() -> list[k8s.V1Pod] | None:
        pods = core.list_namespaced_pod(namespace, label_selector="app=agent").items
        return pods if len(pods) == len(nodes) and all(p.status.phase == "Running" for p in pods) else None

    pods = eventually(running)
    assert sorted(p.spec.node_name for p in pods) == nodes
    affinity = pods[0].spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution
    assert affinity.node_selector_terms[0].match_fields[0].values == [pods[0].spec.node_name]
    assert any(t.key == "node.kubernetes.io/unschedulable" for t in pods[0].spec.tolerations)
    status = eventually(
        lambda: (s := apps.read_namespaced_daemon_set("agent", namespace).status).number_ready == 3 and s
    )
    assert (status.desired_number_scheduled, status.current_number_scheduled, status.number_misscheduled) == (3, 3, 0)
    row = table(kubectl("get", "ds", "agent", "-n", namespace))[0]
    assert [row[c] for c in ("DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR")] == [
        "3",
        "3",
        "3",
        "3",
        "3",
        "<none>",
    ]

    before = {p.metadata.name for p in pods}
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.26"}]}}}}
    apps.patch_namespaced_daemon_set("agent", namespace, patch)

    def replaced() -> bool:
        now = [p for p in running() or [] if p.spec.containers[0].image == "nginx:1.26"]
        return len(now) == 3 and not before & {p.metadata.name for p in now}

    eventually(replaced)
    rolled = kubectl("rollout", "status", "daemonset/agent", "-n", namespace, "--timeout=30s")
    assert rolled.strip().splitlines()[-1] == 'daemon set "agent" successfully rolled out'


def test_a_daemonset_honours_its_node_selector(apps: k8s.AppsV1Api, core: k8s.CoreV1Api, namespace: str) -> None:
    node = sorted(n.metadata.name for n in core.list_node().items)[0]
    apps.create_namespaced_daemon_set(namespace, daemonset("pinned", **{"kubernetes.io/hostname": node}))
    status = eventually(
        lambda: (s := apps.read_namespaced_daemon_set("pinned", namespace).status).number_ready == 1 and s
    )
    assert status.desired_number_scheduled == 1
    pods = core.list_namespaced_pod(namespace, label_selector="app=pinned").items
    assert [p.spec.node_name for p in pods] == [node]


def test_a_replication_controller_keeps_its_replicas(core: k8s.CoreV1Api, kubectl: Kubectl, namespace: str) -> None:
    template = {
        "metadata": {"labels": {"app": "legacy"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
    }
    created = core.create_namespaced_replication_controller(
        namespace, {"metadata": {"name": "legacy"}, "spec": {"replicas": 2, "template": template}}
    )
    assert created.spec.selector == {"app": "legacy"}
    eventually(lambda: core.read_namespaced_replication_controller("legacy", namespace).status.ready_replicas == 2)
    pods = core.list_namespaced_pod(namespace, label_selector="app=legacy").items
    assert [p.metadata.owner_references[0].kind for p in pods] == ["ReplicationController"] * 2
    scale = core.read_namespaced_replication_controller_scale("legacy", namespace)
    assert (scale.spec.replicas, scale.status.selector) == (2, "app=legacy")
    row = table(kubectl("get", "rc", "-n", namespace, "-o", "wide"))[0]
    assert [row[c] for c in ("NAME", "DESIRED", "CURRENT", "READY", "SELECTOR")] == [
        "legacy",
        "2",
        "2",
        "2",
        "app=legacy",
    ]
