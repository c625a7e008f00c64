"""kubectl (the one on these machines, v1.32) against a sandbox cluster, as the tutorial uses it.

Covers: ``apply -f`` of a Deployment, a LoadBalancer Service, the tutorial's demo Pod (aadpodidbinding label,
downward-API env) and an AzureIdentity/AzureIdentityBinding pair with validation on (``/openapi/v2``);
``get pods -o wide`` (READY, STATUS, IP, NODE), ``get svc`` (EXTERNAL-IP), ``get pods -l``; a second apply
reports ``unchanged``; an edited image is patched (strategic merge) into the pod and rolled out by the
Deployment; ``logs`` shows what the demo workload logged; ``delete -f`` completes and removes everything;
``get azureidentities -A`` prints the CRD's printer columns; ``get nodes``; ``api-resources``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from kubernetes import client as k8s

from tests.kube.conftest import Kubectl, eventually

DEMO_IMAGE = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"


def manifest(namespace: str, web_image: str = "nginx:1.25", demo_image: str = DEMO_IMAGE) -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {namespace}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: {web_image}
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: {namespace}
spec:
  type: LoadBalancer
  selector: {{app: web}}
  ports:
  - port: 80
    targetPort: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: demo
  namespace: {namespace}
  labels:
    aadpodidbinding: demo-pod-identity
spec:
  containers:
  - name: demo
    image: {demo_image}
    args:
      - --subscriptionid=00000000-0000-0000-0000-000000000000
      - --clientid=11111111-1111-1111-1111-111111111111
      - --resourcegroup=MC_rg_cluster_westus2
      - --retry-wait-time=60
    env:
      - name: MY_POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: MY_POD_NAMESPACE
        valueFrom:
          fieldRef:
            fieldPath: metadata.namespace
      - name: MY_POD_IP
        valueFrom:
          fieldRef:
            fieldPath: status.podIP
  nodeSelector:
    kubernetes.io/os: linux
---
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentity
metadata:
  name: demo-pod-identity
  namespace: {namespace}
spec:
  type: 0
  resourceID: /subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/demo
  clientID: 11111111-1111-1111-1111-111111111111
---
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentityBinding
metadata:
  name: demo-pod-identity-binding
  namespace: {namespace}
spec:
  azureIdentity: demo-pod-identity
  selector: demo-pod-identity
"""


def table(output: str) -> list[dict[str, str]]:
    """Rows of kubectl's column output, keyed by header (headers may contain one space, e.g. NOMINATED NODE)."""
    lines = [line for line in output.splitlines() if line.strip()]
    starts = [m.start() for m in re.finditer(r"(?<!\S)\S+(?: \S+)?(?=\s{2,}|$)", lines[0])]
    headers = [lines[0][s:e].strip() for s, e in zip(starts, [*starts[1:], None], strict=True)]
    return [
        {h: line[s:e].strip() for h, s, e in zip(headers, starts, [*starts[1:], None], strict=True)}
        for line in lines[1:]
    ]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    return path


def test_apply_get_logs_and_delete(kubectl: Kubectl, namespace: str, tmp_path: Path, core: k8s.CoreV1Api) -> None:
    path = write(tmp_path, manifest(namespace))
    created = kubectl("apply", "-f", str(path))
    for line in (
        "deployment.apps/web created",
        "service/web created",
        "pod/demo created",
        "azureidentity.aadpodidentity.k8s.io/demo-pod-identity created",
        "azureidentitybinding.aadpodidentity.k8s.io/demo-pod-identity-binding created",
    ):
        assert line in created

    def all_running() -> list[dict[str, str]] | None:
        rows = table(kubectl("get", "pods", "-o", "wide", "-n", namespace))
        return rows if len(rows) == 3 and all(r["STATUS"] == "Running" for r in rows) else None

    rows = eventually(all_running)
    assert {r["READY"] for r in rows} == {"1/1"}
    assert all(re.fullmatch(r"127\.244\.\d+\.\d+", r["IP"]) for r in rows)
    assert len({r["IP"] for r in rows}) == 3
    assert all(r["NODE"].startswith("aks-nodepool1-12345678-vmss") for r in rows)
    assert sorted(r["NAME"] for r in rows if r["NAME"] != "demo")[0].startswith("web-")

    service = eventually(
        lambda: [r for r in table(kubectl("get", "svc", "-n", namespace)) if "127.240." in r["EXTERNAL-IP"]]
    )
    assert service[0]["TYPE"] == "LoadBalancer" and re.fullmatch(r"80:3\d{4}/TCP", service[0]["PORT(S)"])

    labelled = table(kubectl("get", "pods", "-l", "aadpodidbinding=demo-pod-identity", "-n", namespace))
    assert [r["NAME"] for r in labelled] == ["demo"]

    demo_ip = next(r["IP"] for r in rows if r["NAME"] == "demo")
    logs = eventually(lambda: out if "starting demo pod" in (out := kubectl("logs", "demo", "-n", namespace)) else None)
    assert f"starting demo pod {namespace}/demo {demo_ip}" in logs

    again = kubectl("apply", "-f", str(path))
    assert again.count("unchanged") == 5 and "configured" not in again

    deleted = kubectl("delete", "-f", str(path))
    assert 'pod "demo" deleted' in deleted and 'deployment.apps "web" deleted' in deleted
    assert not any(p.metadata.name == "demo" for p in core.list_namespaced_pod(namespace).items)
    eventually(lambda: not core.list_namespaced_pod(namespace).items)
    assert "No resources found" in kubectl.run("get", "all", "-n", namespace).stderr


def test_edited_image_is_patched(kubectl: Kubectl, namespace: str, tmp_path: Path, core: k8s.CoreV1Api) -> None:
    kubectl("apply", "-f", str(write(tmp_path, manifest(namespace, demo_image="busybox:1.36"))))
    eventually(lambda: core.read_namespaced_pod("demo", namespace).status.phase == "Running")
    first_web = eventually(lambda: core.list_namespaced_pod(namespace, label_selector="app=web").items)

    edited = kubectl("apply", "-f", str(write(tmp_path, manifest(namespace, "nginx:1.26", "busybox:1.37"))))
    assert "pod/demo configured" in edited and "deployment.apps/web configured" in edited
    pod = core.read_namespaced_pod("demo", namespace)
    assert pod.spec.containers[0].image == "busybox:1.37"
    assert pod.spec.containers[0].args[0].startswith("--subscriptionid=")  # merged by name, not replaced
    status = eventually(lambda: next(iter(core.read_namespaced_pod("demo", namespace).status.container_statuses)))
    eventually(lambda: core.read_namespaced_pod("demo", namespace).status.container_statuses[0].image == "busybox:1.37")
    assert status.name == "demo"

    def rolled_out() -> list[k8s.V1Pod] | None:
        pods = core.list_namespaced_pod(namespace, label_selector="app=web").items
        images = {p.spec.containers[0].image for p in pods if p.metadata.deletion_timestamp is None}
        return pods if images == {"nginx:1.26"} and len(pods) == 2 else None

    new_pods = eventually(rolled_out)
    assert not {p.metadata.name for p in new_pods} & {p.metadata.name for p in first_web}
    replica_sets = json.loads(kubectl("get", "rs", "-n", namespace, "-o", "json"))["items"]
    assert sorted(rs["spec"]["replicas"] for rs in replica_sets) == [0, 2]
    assert sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in replica_sets) == [
        "1",
        "2",
    ]


def test_get_azureidentities_all_namespaces(kubectl: Kubectl, namespace: str, tmp_path: Path) -> None:
    kubectl("apply", "-f", str(write(tmp_path, manifest(namespace, demo_image="busybox:1.36"))))
    rows = [r for r in table(kubectl("get", "azureidentities", "-A")) if r["NAMESPACE"] == namespace]
    assert rows == [
        {
            "NAMESPACE": namespace,
            "NAME": "demo-pod-identity",
            "TYPE": "0",
            "CLIENTID": "11111111-1111-1111-1111-111111111111",
            "AGE": rows[0]["AGE"],
        }
    ]
    bindings = table(kubectl("get", "azureidentitybinding", "-n", namespace))
    assert bindings[0]["AZUREIDENTITY"] == "demo-pod-identity" and bindings[0]["SELECTOR"] == "demo-pod-identity"


def test_nodes_and_api_resources(kubectl: Kubectl) -> None:
    nodes = table(kubectl("get", "nodes", "-L", "topology.kubernetes.io/zone"))
    assert [n["STATUS"] for n in nodes] == ["Ready"] * 3
    assert sorted(n["ZONE"] for n in nodes) == ["westus2-1", "westus2-2", "westus2-3"]
    resources = kubectl("api-resources")
    for line in ("pods   po   v1   true   Pod", "deployments   deploy   apps/v1   true   Deployment"):
        assert re.search(r"\s+".join(map(re.escape, line.split())), resources), line
    assert re.search(r"azureidentities\s+aadpodidentity\.k8s\.io/v1\s+true\s+AzureIdentity", resources)
    version = json.loads(kubectl("version", "-o", "json"))
    assert version["serverVersion"]["gitVersion"] == "v1.29.4"
