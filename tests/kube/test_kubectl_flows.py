"""The kubectl flows an AKS user reaches for every day, run by the oldest and newest kubectl installed (the
dispatcher picks the release matching the cluster's minor: one cluster at 1.27, one at 1.33).

Each flow asserts what kubectl prints and what it left in the cluster, as it does against AKS (kubectl's own
texts: kubernetes/kubectl pkg/cmd/<verb>/<verb>.go; the apiserver's: kubernetes/kubernetes staging/src/k8s.io/
apiserver). docs/CONFORMANCE.md gives the figure "N of M flows pass" and what is not served.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from podid.sandbox import Endpoints, Sandbox
from tests.kube.conftest import KubeCluster, Kubectl, eventually, new_cluster

VERSIONS = ("1.27.9", "1.33.3")
NGINX = "nginx:1.25"


@pytest.fixture(scope="module", params=VERSIONS, ids=lambda v: "v" + v.rsplit(".", 1)[0])
def flows_cluster(
    request: pytest.FixtureRequest, sandbox: Sandbox, endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> KubeCluster:
    version: str = request.param
    name = "flows" + version.split(".")[1]
    return new_cluster(sandbox, endpoints, tmp_path_factory.mktemp(name), name, version, nodes=2)


@pytest.fixture
def kc(flows_cluster: KubeCluster, tmp_path: Path) -> Kubectl:
    return Kubectl(flows_cluster.kubeconfig, tmp_path / "kubectl-cache")


@pytest.fixture
def ns(kc: Kubectl, unique: str) -> str:
    kc("create", "namespace", unique)
    return unique


def deployment_yaml(name: str = "web", image: str = NGINX, replicas: int = 2, extra_label: str = "") -> str:
    labels = f"app: {name}" + (f", tier: {extra_label}" if extra_label else "")
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{{labels}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: {name}
        image: {image}
        ports:
        - containerPort: 80
"""


def ready_deployment(kc: Kubectl, ns: str, name: str = "web", replicas: int = 2) -> None:
    kc("-n", ns, "apply", "-f", "-", stdin=deployment_yaml(name, replicas=replicas))
    kc("-n", ns, "rollout", "status", f"deployment/{name}", "--timeout=60s")


def running_pod(kc: Kubectl, ns: str, name: str = "box", image: str = NGINX, *extra: str) -> None:
    kc("-n", ns, "run", name, f"--image={image}", "--restart=Never", *extra)
    kc("-n", ns, "wait", "--for=condition=Ready", f"pod/{name}", "--timeout=60s")


# --- create / apply / diff ---------------------------------------------------------------------------------------


def test_create_and_apply_client_side(kc: Kubectl, ns: str) -> None:
    assert kc("-n", ns, "create", "-f", "-", stdin=deployment_yaml()) == "deployment.apps/web created\n"
    # kubectl apply on an object created without the annotation warns and patches it (apply.go warningNoLastApplied)
    result = kc.run("-n", ns, "apply", "-f", "-", stdin=deployment_yaml(replicas=3))
    assert result.stdout == "deployment.apps/web configured\n"
    assert "missing the kubectl.kubernetes.io/last-applied-configuration annotation" in result.stderr
    assert kc("-n", ns, "apply", "-f", "-", stdin=deployment_yaml(replicas=3)) == "deployment.apps/web unchanged\n"
    assert kc("-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "3"


def test_apply_server_side(kc: Kubectl, ns: str) -> None:
    applied = kc("-n", ns, "apply", "--server-side", "-f", "-", stdin=deployment_yaml())
    assert applied == "deployment.apps/web serverside-applied\n"
    managers = kc("-n", ns, "get", "deploy", "web", "--show-managed-fields", "-o", "json")
    assert next(m["manager"] for m in json.loads(managers)["metadata"]["managedFields"]) == "kubectl"
    # another manager taking replicas conflicts (apply.go: "Apply failed with 1 conflict")
    conflict = kc.run(
        "-n", ns, "apply", "--server-side", "--field-manager=other", "-f", "-", stdin=deployment_yaml(replicas=5),
        check=False,
    )  # fmt: skip
    assert conflict.returncode == 1
    assert 'conflict with "kubectl"' in conflict.stderr and ".spec.replicas" in conflict.stderr


def test_apply_kustomize(kc: Kubectl, ns: str, tmp_path: Path) -> None:
    base = tmp_path / "app"
    base.mkdir()
    (base / "deployment.yaml").write_text(deployment_yaml())
    (base / "kustomization.yaml").write_text(
        f"namespace: {ns}\nresources: [deployment.yaml]\n"
        "configMapGenerator:\n- name: settings\n  literals: [mode=fast]\ncommonLabels: {team: dns}\n"
    )
    lines = sorted(kc("apply", "-k", str(base)).splitlines())
    assert lines[1] == "deployment.apps/web created"
    assert re.fullmatch(r"configmap/settings-[a-z0-9]{10} created", lines[0])
    assert kc("-n", ns, "get", "deploy", "web", "-o", "jsonpath={.metadata.labels.team}") == "dns"


def test_diff_server_side_dry_run(kc: Kubectl, ns: str) -> None:
    kc("-n", ns, "apply", "-f", "-", stdin=deployment_yaml())
    same = kc.run("-n", ns, "diff", "-f", "-", stdin=deployment_yaml(), check=False)
    assert (same.returncode, same.stdout) == (0, "")
    changed = kc.run("-n", ns, "diff", "-f", "-", stdin=deployment_yaml(replicas=4), check=False)
    assert changed.returncode == 1, changed.stderr
    assert "-  replicas: 2\n+  replicas: 4" in changed.stdout
    assert kc("-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "2"  # a dry run


# --- get / describe / events ---------------------------------------------------------------------------------------


def test_get_output_formats(kc: Kubectl, ns: str) -> None:
    running_pod(kc, ns)
    wide = kc("-n", ns, "get", "pod", "box", "-o", "wide").splitlines()
    assert wide[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE",
                               "READINESS", "GATES"]  # fmt: skip
    assert wide[1].split()[:3] == ["box", "1/1", "Running"]
    assert json.loads(kc("-n", ns, "get", "pod", "box", "-o", "json"))["status"]["phase"] == "Running"
    assert "kind: Pod\n" in kc("-n", ns, "get", "pod", "box", "-o", "yaml")
    assert kc("-n", ns, "get", "pods", "-o", "jsonpath={.items[*].spec.containers[0].image}") == NGINX
    columns = kc("-n", ns, "get", "pods", "-o", "custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image")
    assert columns.split() == ["NAME", "IMAGE", "box", NGINX]
    assert kc("-n", ns, "get", "pod", "box", "-o", "name") == "pod/box\n"


def test_get_watch(kc: Kubectl, ns: str) -> None:
    command = [kc.binary, f"--kubeconfig={kc.kubeconfig}", f"--cache-dir={kc.cache_dir}", "-n", ns, "get", "cm", "-w"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as watcher:
        try:
            assert watcher.stdout is not None
            assert watcher.stdout.readline().split() == ["NAME", "DATA", "AGE"]
            kc("-n", ns, "create", "configmap", "later", "--from-literal=a=b")
            lines = [watcher.stdout.readline().split()[:2] for _ in range(2)]
            assert ["later", "1"] in lines
        finally:
            watcher.send_signal(signal.SIGINT)


def test_describe(kc: Kubectl, ns: str, flows_cluster: KubeCluster) -> None:
    ready_deployment(kc, ns, replicas=1)
    pod = kc("-n", ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")
    # the pod's events are written shortly after they happen (CONFORMANCE.md)
    described = eventually(
        lambda: "Successfully assigned" in (out := kc("-n", ns, "describe", "pod", pod)) and out, "the events"
    )
    assert re.search(r"Status:\s+Running", described) and "Successfully assigned" in described
    deployment = kc("-n", ns, "describe", "deployment", "web")
    assert re.search(r"Replicas:\s+1 desired \| 1 updated \| 1 total \| 1 available \| 0 unavailable", deployment)
    assert "ScalingReplicaSet" in deployment
    node = flows_cluster.spec.nodes[0].name
    assert re.search(r"Ready\s+True", kc("describe", "node", node))


def test_describe_service(kc: Kubectl, ns: str) -> None:
    """kubectl 1.27 describes a service's Endpoints, 1.32 and later its EndpointSlices (describe.go)."""
    ready_deployment(kc, ns, replicas=1)
    kc("-n", ns, "expose", "deployment", "web", "--port=80")
    endpoint = r"Endpoints:\s+\d+\.\d+\.\d+\.\d+:80"  # the endpoints controller fills them in shortly after
    eventually(lambda: re.search(endpoint, kc("-n", ns, "describe", "service", "web")), "the service's endpoints")
    slices = json.loads(kc("-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "json"))
    [found] = slices["items"]
    assert found["metadata"]["name"].startswith("web-") and found["addressType"] == "IPv4"
    assert found["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    assert [e["conditions"] for e in found["endpoints"]] == [{"ready": True, "serving": True, "terminating": False}]


def test_events(kc: Kubectl, ns: str) -> None:
    running_pod(kc, ns)
    listed = eventually(lambda: "Started" in (out := kc("-n", ns, "events")) and out, "the pod's events")
    assert listed.splitlines()[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert "Pod/box" in listed and "Scheduled" in listed  # events.go prints the involved object as Kind/name
    assert "Started" in kc("-n", ns, "get", "events", "--field-selector", "involvedObject.name=box")


# --- logs / exec / cp / port-forward / run / proxy -----------------------------------------------------------------

DEMO = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"


def test_logs(kc: Kubectl, ns: str) -> None:
    kc("-n", ns, "run", "demo", f"--image={DEMO}", "--restart=Never", "--", "--subscriptionid=s", "--clientid=c",
       "--resourcegroup=g", "--retry-wait-time=1")  # fmt: skip
    logs = eventually(lambda: kc("-n", ns, "logs", "demo"), "the demo's log")
    assert kc("-n", ns, "logs", "demo", "--tail=1").count("\n") == 1
    assert kc("-n", ns, "logs", "demo", "-c", "demo", "--since=1h").startswith(logs.splitlines()[0])
    wrong = kc.run("-n", ns, "logs", "demo", "-c", "nope", check=False)
    assert wrong.returncode == 1
    assert "container nope is not valid for pod demo" in wrong.stderr
    previous = kc.run("-n", ns, "logs", "demo", "--previous", check=False)
    assert previous.returncode == 1
    assert 'previous terminated container "demo" in pod "demo" not found' in previous.stderr


def test_logs_follow(kc: Kubectl, ns: str) -> None:
    kc("-n", ns, "run", "demo", f"--image={DEMO}", "--restart=Never", "--", "--subscriptionid=s", "--clientid=c",
       "--resourcegroup=g", "--retry-wait-time=1")  # fmt: skip
    eventually(lambda: kc("-n", ns, "logs", "demo"), "the demo's log")
    command = [
        kc.binary,
        f"--kubeconfig={kc.kubeconfig}",
        f"--cache-dir={kc.cache_dir}",
        "-n",
        ns,
        "logs",
        "-f",
        "demo",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as follower:
        try:
            assert follower.stdout is not None
            assert follower.stdout.readline()
        finally:
            follower.kill()


def test_exec(kc: Kubectl, ns: str) -> None:
    running_pod(kc, ns)
    assert kc("-n", ns, "exec", "box", "--", "echo", "hello") == "hello\n"
    assert kc("-n", ns, "exec", "-i", "box", "-c", "box", "--", "cat", stdin="piped\n") == "piped\n"
    failed = kc.run("-n", ns, "exec", "box", "--", "sh", "-c", "exit 3", check=False)
    assert failed.returncode == 3
    assert "command terminated with exit code 3" in failed.stderr


def test_cp(kc: Kubectl, ns: str, tmp_path: Path) -> None:
    running_pod(kc, ns)
    source = tmp_path / "note.txt"
    source.write_text("copied\n")
    # an exec'd command sees the machine's absolute paths (CONFORMANCE.md): /tmp is the host's
    inside = f"/tmp/{ns}-note.txt"
    try:
        kc("-n", ns, "cp", str(source), f"box:{inside}")
        assert kc("-n", ns, "exec", "box", "--", "cat", inside) == "copied\n"
        back = tmp_path / "back.txt"
        kc("-n", ns, "cp", f"box:{inside}", str(back))
        assert back.read_text() == "copied\n"
    finally:
        Path(inside).unlink(missing_ok=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_port_forward(kc: Kubectl, ns: str) -> None:
    running_pod(kc, ns)
    port = _free_port()
    command = [kc.binary, f"--kubeconfig={kc.kubeconfig}", f"--cache-dir={kc.cache_dir}", "-n", ns,
               "port-forward", "pod/box", f"{port}:80"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as forwarder:
        try:
            assert forwarder.stdout is not None
            assert forwarder.stdout.readline() == f"Forwarding from 127.0.0.1:{port} -> 80\n"
        finally:
            forwarder.kill()


@pytest.mark.xfail(strict=True, reason="pods/attach is not served and an image without a workload runs no command")
def test_run_rm_interactive(kc: Kubectl, ns: str) -> None:
    # kubectl falls back to the logs and waits for the pod to finish, which here it never does: a short wait keeps
    # the expected failure from costing a minute (the flag's default)
    result = kc.run(
        "-n", ns, "run", "once", "--rm", "-i", "--restart=Never", "--pod-running-timeout=3s", f"--image={NGINX}",
        "--", "echo", "hi", check=False,
    )  # fmt: skip
    # what kubectl prints when the attach fails and the pod is deleted (run.go: "pod %s deleted")
    assert result.returncode == 0, result.stderr
    assert 'pod "once" deleted' in result.stdout + result.stderr


def test_proxy(kc: Kubectl, ns: str) -> None:
    port = _free_port()
    command = [kc.binary, f"--kubeconfig={kc.kubeconfig}", f"--cache-dir={kc.cache_dir}", "proxy", f"--port={port}"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proxy:
        try:
            assert proxy.stdout is not None
            assert proxy.stdout.readline() == f"Starting to serve on 127.0.0.1:{port}\n"
            found = requests.get(f"http://127.0.0.1:{port}/api/v1/namespaces/{ns}", timeout=10)
            assert (found.status_code, found.json()["metadata"]["name"]) == (200, ns)
        finally:
            proxy.kill()


# --- workloads: expose / scale / autoscale / rollout / set ---------------------------------------------------------


def test_expose_and_scale(kc: Kubectl, ns: str) -> None:
    ready_deployment(kc, ns, replicas=1)
    assert kc("-n", ns, "expose", "deployment", "web", "--port=8080", "--target-port=80") == "service/web exposed\n"
    assert kc("-n", ns, "get", "svc", "web", "-o", "jsonpath={.spec.ports[0].targetPort}") == "80"
    assert kc("-n", ns, "scale", "deployment", "web", "--replicas=3") == "deployment.apps/web scaled\n"
    kc("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
    assert kc("-n", ns, "get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}") == "3"


V1_HPA = "horizontalpodautoscalers.v1.autoscaling"  # kubectl 1.33 expands the short name "hpa" to the preferred v2


def test_autoscale(kc: Kubectl, ns: str) -> None:
    ready_deployment(kc, ns, replicas=1)
    made = kc("-n", ns, "autoscale", "deployment", "web", "--min=1", "--max=4", "--cpu-percent=70")
    assert made == "horizontalpodautoscaler.autoscaling/web autoscaled\n"
    hpa = json.loads(kc("-n", ns, "get", "hpa", "web", "-o", "json"))  # autoscaling/v2, the preferred version
    assert (hpa["apiVersion"], hpa["spec"]["maxReplicas"], hpa["spec"]["scaleTargetRef"]["name"]) == (
        "autoscaling/v2",
        4,
        "web",
    )
    assert hpa["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}
    ]
    v1 = kc("-n", ns, "get", V1_HPA, "web", "-o", "jsonpath={.spec.targetCPUUtilizationPercentage}")
    assert v1 == "70"
    kc("-n", ns, "patch", V1_HPA, "web", "-p", '{"spec":{"maxReplicas":6}}')
    assert kc("-n", ns, "get", "hpa", "web", "-o", "jsonpath={.spec.maxReplicas}") == "6"
    assert kc("-n", ns, "delete", "hpa", "web") == 'horizontalpodautoscaler.autoscaling "web" deleted\n'


def test_rollout(kc: Kubectl, ns: str) -> None:
    ready_deployment(kc, ns, replicas=1)
    assert kc("-n", ns, "set", "image", "deployment/web", "web=nginx:1.26") == "deployment.apps/web image updated\n"
    assert "successfully rolled out" in kc("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
    history = kc("-n", ns, "rollout", "history", "deployment/web")
    assert re.search(r"^1\s+<none>\n2\s+<none>", history.split("CHANGE-CAUSE\n", 1)[1], re.M), history
    assert kc("-n", ns, "rollout", "undo", "deployment/web") == "deployment.apps/web rolled back\n"
    kc("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
    assert kc("-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == NGINX
    assert kc("-n", ns, "rollout", "restart", "deployment/web") == "deployment.apps/web restarted\n"
    assert kc("-n", ns, "rollout", "pause", "deployment/web") == "deployment.apps/web paused\n"
    assert kc("-n", ns, "rollout", "resume", "deployment/web") == "deployment.apps/web resumed\n"


def test_set_env_and_resources(kc: Kubectl, ns: str) -> None:
    ready_deployment(kc, ns, replicas=1)
    assert kc("-n", ns, "set", "env", "deployment/web", "MODE=fast") == "deployment.apps/web env updated\n"
    assert "MODE=fast" in kc("-n", ns, "set", "env", "deployment/web", "--list")
    updated = kc("-n", ns, "set", "resources", "deployment/web", "--limits=cpu=200m,memory=128Mi")
    assert updated == "deployment.apps/web resource requirements updated\n"
    limits = kc("-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].resources.limits}")
    assert json.loads(limits) == {"cpu": "200m", "memory": "128Mi"}


def test_statefulset(kc: Kubectl, ns: str) -> None:
    manifest = deployment_yaml("db", replicas=2).replace("kind: Deployment", "kind: StatefulSet")
    manifest = manifest.replace("spec:\n  replicas", "spec:\n  serviceName: db\n  replicas", 1)
    assert kc("-n", ns, "apply", "-f", "-", stdin=manifest) == "statefulset.apps/db created\n"
    # rollout_status.go: the default RollingUpdate has partition 0, so kubectl reports a partitioned roll out
    done = kc("-n", ns, "rollout", "status", "statefulset/db", "--timeout=60s")
    assert done.endswith("partitioned roll out complete: 2 new pods have been updated...\n")
    assert kc("-n", ns, "get", "pods", "-l", "app=db", "-o", "name").split() == ["pod/db-0", "pod/db-1"]
    pod = json.loads(kc("-n", ns, "get", "pod", "db-1", "-o", "json"))
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("db-1", "db")
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "db-1"
    assert kc("-n", ns, "scale", "statefulset", "db", "--replicas=1") == "statefulset.apps/db scaled\n"
    eventually(lambda: kc("-n", ns, "get", "pods", "-l", "app=db", "-o", "name") == "pod/db-0\n", "db-1 removed")
    kc("-n", ns, "set", "image", "statefulset/db", "db=nginx:1.26")
    kc("-n", ns, "rollout", "status", "statefulset/db", "--timeout=60s")
    image = kc("-n", ns, "get", "pod", "db-0", "-o", "jsonpath={.spec.containers[0].image}")
    assert image == "nginx:1.26"


# --- metadata and patches ------------------------------------------------------------------------------------------


def test_label_and_annotate(kc: Kubectl, ns: str) -> None:
    kc("-n", ns, "create", "configmap", "c")
    assert kc("-n", ns, "label", "cm", "c", "team=dns") == "configmap/c labeled\n"
    clash = kc.run("-n", ns, "label", "cm", "c", "team=web", check=False)
    assert "'team' already has a value (dns), and --overwrite is false" in clash.stderr
    kc("-n", ns, "label", "cm", "c", "team=web", "--overwrite")
    # kubectl 1.27 itself prints "annotate" (its printer's operation text), later releases "annotated"
    assert kc("-n", ns, "annotate", "cm", "c", "owner=me").startswith("configmap/c annotate")
    kc("-n", ns, "label", "cm", "c", "team-")
    got = json.loads(kc("-n", ns, "get", "cm", "c", "-o", "json"))["metadata"]
    assert (got.get("labels"), got["annotations"]) == (None, {"owner": "me"})


def test_patch(kc: Kubectl, ns: str) -> None:
    ready_deployment(kc, ns, replicas=1)
    patched = kc("-n", ns, "patch", "deploy", "web", "-p", '{"spec":{"replicas":2}}')
    assert patched == "deployment.apps/web patched\n"
    kc("-n", ns, "patch", "deploy", "web", "--type=merge", "-p", '{"metadata":{"labels":{"merged":"yes"}}}')
    kc("-n", ns, "patch", "deploy", "web", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":3}]')
    same = kc("-n", ns, "patch", "deploy", "web", "--type=merge", "-p", '{"metadata":{"labels":{"merged":"yes"}}}')
    assert same == "deployment.apps/web patched (no change)\n"
    got = json.loads(kc("-n", ns, "get", "deploy", "web", "-o", "json"))
    assert (got["spec"]["replicas"], got["metadata"]["labels"]["merged"]) == (3, "yes")


def test_edit(kc: Kubectl, ns: str, tmp_path: Path) -> None:
    kc("-n", ns, "create", "configmap", "c", "--from-literal=mode=slow")
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/mode: slow/mode: fast/' \"$1\"\n")
    editor.chmod(0o755)
    command = [kc.binary, f"--kubeconfig={kc.kubeconfig}", f"--cache-dir={kc.cache_dir}", "-n", ns, "edit", "cm", "c"]
    env = {**os.environ, "KUBE_EDITOR": str(editor)}
    edited = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert edited.stdout == "configmap/c edited\n", edited.stderr
    assert kc("-n", ns, "get", "cm", "c", "-o", "jsonpath={.data.mode}") == "fast"


# --- delete / wait -------------------------------------------------------------------------------------------------


def test_delete_variants(kc: Kubectl, ns: str) -> None:
    for name, tier in (("a", "x"), ("b", "x"), ("c", "y"), ("d", "y")):
        kc("-n", ns, "create", "configmap", name)
        kc("-n", ns, "label", "cm", name, f"tier={tier}")
    assert kc("-n", ns, "delete", "cm", "-l", "tier=x").splitlines() == [
        'configmap "a" deleted',
        'configmap "b" deleted',
    ]
    assert kc("-n", ns, "delete", "cm", "c", "--wait", "--grace-period=0", "--force").endswith(
        'configmap "c" force deleted\n'
    )
    assert 'configmap "d" deleted' in kc("-n", ns, "delete", "cm", "--all")
    missing = kc.run("-n", ns, "delete", "cm", "a", check=False)
    assert missing.stderr == 'Error from server (NotFound): configmaps "a" not found\n'


def test_wait(kc: Kubectl, ns: str) -> None:
    kc("-n", ns, "run", "box", f"--image={NGINX}", "--restart=Never")
    assert kc("-n", ns, "wait", "--for=condition=Ready", "pod/box", "--timeout=60s") == "pod/box condition met\n"
    kc("-n", ns, "delete", "pod", "box", "--wait=false")
    assert kc("-n", ns, "wait", "--for=delete", "pod/box", "--timeout=60s") in ("pod/box condition met\n", "")


# --- cluster-level -------------------------------------------------------------------------------------------------


def test_top(kc: Kubectl, ns: str, flows_cluster: KubeCluster) -> None:
    """AKS runs metrics-server: kubectl top reads metrics.k8s.io (kubectl pkg/cmd/top)."""
    nodes = kc("top", "nodes").splitlines()
    percent = (
        ["CPU%", "MEMORY%"]
        if kc("version", "--client", "-o", "json").count('"minor": "27"')
        else ["CPU(%)", "MEMORY(%)"]
    )
    assert nodes[0].split() == ["NAME", "CPU(cores)", percent[0], "MEMORY(bytes)", percent[1]]  # 1.27's own header
    assert sorted(line.split()[0] for line in nodes[1:]) == [node.name for node in flows_cluster.spec.nodes[:2]]
    running_pod(kc, ns)
    pods = eventually(lambda: kc.run("-n", ns, "top", "pods", check=False).stdout, "the pod's metrics")
    assert pods.splitlines()[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]


def test_auth(kc: Kubectl, ns: str) -> None:
    assert kc("auth", "can-i", "create", "deployments", "-n", ns) == "yes\n"
    listed = kc("auth", "can-i", "--list", "-n", ns)
    assert listed.splitlines()[0].split()[:2] == ["Resources", "Non-Resource"]
    whoami = kc("auth", "whoami", "-o", "json")
    assert json.loads(whoami)["kind"] == "SelfSubjectReview"


def test_auth_as_another_user(kc: Kubectl, ns: str) -> None:
    nobody = "--as=system:serviceaccount:default:nobody"
    denied = kc.run("auth", "can-i", "get", "secrets", "-n", ns, nobody, check=False)
    assert (denied.returncode, denied.stdout) == (1, "no\n")
    kc("-n", ns, "create", "rolebinding", "reader", "--clusterrole=view", "--serviceaccount=default:nobody")
    assert kc("-n", ns, "get", "configmaps", nobody, "-o", "name") == "configmap/kube-root-ca.crt\n"
    forbidden = kc.run("-n", ns, "get", "secrets", nobody, check=False)
    assert forbidden.stderr == (
        'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:nobody" cannot '
        f'list resource "secrets" in API group "" in the namespace "{ns}"\n'
    )
    whoami = json.loads(kc("auth", "whoami", "--as=alice", "--as-group=devs", "-o", "json"))
    assert whoami["status"]["userInfo"] == {"username": "alice", "groups": ["devs", "system:authenticated"]}


def test_discovery_and_explain(kc: Kubectl) -> None:
    resources = kc("api-resources").splitlines()
    assert resources[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert any(line.split()[:2] == ["deployments", "deploy"] for line in resources)
    assert "apps/v1\n" in kc("api-versions")
    explained = kc("explain", "deployment.spec.replicas")
    assert "FIELD: replicas <integer>" in explained or "FIELD:    replicas <integer>" in explained


def test_cordon_drain_uncordon(kc: Kubectl, ns: str, flows_cluster: KubeCluster) -> None:
    node = flows_cluster.spec.nodes[1].name
    kc("-n", ns, "run", "box", f"--image={NGINX}", "--restart=Never", f'--overrides={{"spec":{{"nodeName":"{node}"}}}}')
    kc("-n", ns, "wait", "--for=condition=Ready", "pod/box", "--timeout=60s")
    try:
        assert kc("cordon", node) == f"node/{node} cordoned\n"
        drained = kc.run("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout=60s")
        assert f"evicting pod {ns}/box" in drained.stderr + drained.stdout
        assert f"node/{node} drained" in drained.stdout
        assert kc.run("-n", ns, "get", "pod", "box", check=False).returncode == 1
    finally:
        assert kc("uncordon", node) == f"node/{node} uncordoned\n"


def test_pod_disruption_budget(kc: Kubectl, ns: str) -> None:
    made = kc("-n", ns, "create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=1")
    assert made == "poddisruptionbudget.policy/web created\n"
    assert kc("-n", ns, "get", "pdb", "web", "-o", "jsonpath={.spec.minAvailable}") == "1"
    ready_deployment(kc, ns, replicas=1)
    node = kc("-n", ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}")
    # the only healthy pod the budget needs: the eviction is a 429 and drain retries until its timeout
    try:
        drained = kc.run("drain", node, "--pod-selector=app=web", "--timeout=3s", check=False)
    finally:
        kc("uncordon", node)
    assert drained.returncode == 1
    refused = "Cannot evict pod as it would violate the pod's disruption budget."
    assert 'error when evicting pods/"' in drained.stderr and refused in drained.stderr
    assert kc("-n", ns, "get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}") == "1"


def test_taint(kc: Kubectl, flows_cluster: KubeCluster) -> None:
    node = flows_cluster.spec.nodes[0].name
    assert kc("taint", "nodes", node, "flows=yes:NoSchedule") == f"node/{node} tainted\n"
    taints = json.loads(kc("get", "node", node, "-o", "jsonpath={.spec.taints}"))
    assert {"key": "flows", "value": "yes", "effect": "NoSchedule"} in taints
    assert kc("taint", "nodes", node, "flows=yes:NoSchedule-") == f"node/{node} untainted\n"


def test_cronjob_and_job_from_it(kc: Kubectl, ns: str) -> None:
    made = kc("-n", ns, "create", "cronjob", "tick", f"--image={NGINX}", "--schedule=*/5 * * * *")
    assert made == "cronjob.batch/tick created\n"
    assert kc("-n", ns, "create", "job", "now", "--from=cronjob/tick") == "job.batch/now created\n"
    owner = kc("-n", ns, "get", "job", "now", "-o", "jsonpath={.metadata.ownerReferences[0].kind}")
    assert owner == "CronJob"


def test_create_secrets(kc: Kubectl, ns: str, tmp_path: Path) -> None:
    made = kc("-n", ns, "create", "secret", "docker-registry", "pull", "--docker-server=example.azurecr.io",
              "--docker-username=u", "--docker-password=p")  # fmt: skip
    assert made == "secret/pull created\n"
    assert kc("-n", ns, "get", "secret", "pull", "-o", "jsonpath={.type}") == "kubernetes.io/dockerconfigjson"
    key, cert = tmp_path / "tls.key", tmp_path / "tls.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=flows"], check=True, capture_output=True)  # fmt: skip
    made = kc("-n", ns, "create", "secret", "tls", "web-tls", f"--cert={cert}", f"--key={key}")
    assert made == "secret/web-tls created\n"
    assert kc("-n", ns, "get", "secret", "web-tls", "-o", "jsonpath={.type}") == "kubernetes.io/tls"


def test_config(kc: Kubectl) -> None:
    view = kc("config", "view", "-o", "jsonpath={.contexts[0].name}")
    assert view == "sandbox"
    assert kc("config", "use-context", "sandbox") == 'Switched to context "sandbox".\n'
    assert kc("config", "current-context") == "sandbox\n"
    assert "DATA+OMITTED" in kc("config", "view") or "REDACTED" in kc("config", "view")


def test_not_served_answers(kc: Kubectl, ns: str) -> None:
    """What kubectl prints against a cluster that does not serve a resource (docs/CONFORMANCE.md, Not served)."""
    running_pod(kc, ns)
    attached = kc.run("-n", ns, "attach", "box", check=False)
    assert attached.returncode == 1
    assert attached.stderr.endswith("Error from server (NotFound): the server could not find the requested resource\n")
    claims = kc.run("-n", ns, "get", "pvc", check=False)
    assert claims.stderr == 'error: the server doesn\'t have a resource type "pvc"\n'
