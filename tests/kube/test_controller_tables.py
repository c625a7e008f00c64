"""``kubectl get`` of StatefulSets, CronJobs, HorizontalPodAutoscalers (v2 and v1), PodDisruptionBudgets and
EndpointSlices, printed from the sandbox's server-side Tables by the oldest and newest kubectl installed (a cluster
at 1.27, one at 1.33): the exact header and row of each kind, wide columns included, as upstream's printers.go
prints them (k8s.io/kubernetes pkg/printers/internalversion/printers.go). 1.30 added a CronJob's TIMEZONE column
and the metric name in an autoscaler's TARGETS (kubernetes/kubernetes#122231, #122804).
"""

from __future__ import annotations

import re

import pytest

from podid.sandbox import Endpoints, Sandbox
from tests.kube.conftest import KubeCluster, Kubectl, new_cluster

VERSIONS = ("1.27.9", "1.33.3")
AGE = re.compile(r"\d+s")

OBJECTS = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 0
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "postgres:16"}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "*/5 * * * *"
  timeZone: Etc/UTC
  suspend: true
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: tick, image: "busybox:1.36"}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 25%
  selector: {matchLabels: {app: nothing-here}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc}
addressType: IPv4
ports: [{name: http, port: 80, protocol: TCP}]
endpoints: [{addresses: ["10.1.0.4"]}, {addresses: ["10.1.0.5"]}]
"""


@pytest.fixture(scope="module", params=VERSIONS, ids=lambda v: "v" + v.rsplit(".", 1)[0])
def cluster(
    request: pytest.FixtureRequest, sandbox: Sandbox, endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> KubeCluster:
    version: str = request.param
    name = "tables" + version.split(".")[1]
    return new_cluster(sandbox, endpoints, tmp_path_factory.mktemp(name), name, version, nodes=1)


@pytest.fixture(scope="module")
def kc(cluster: KubeCluster, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    kubectl = Kubectl(cluster.kubeconfig, tmp_path_factory.mktemp("kubectl-cache"))
    kubectl("apply", "-f", "-", stdin=OBJECTS)
    return kubectl


def _printed(kc: Kubectl, *args: str) -> list[list[str]]:
    """Each printed line as its cells (kubectl pads columns with at least three spaces), ages as ``<age>``."""
    lines = kc("get", *args).splitlines()
    return [
        [AGE.sub("<age>", cell) if AGE.fullmatch(cell) else cell for cell in re.split(r" {2,}", line)] for line in lines
    ]


def _from_1_30(cluster: KubeCluster) -> bool:
    return int(cluster.spec.kubernetes_version.split(".")[1]) >= 30


def test_statefulset(kc: Kubectl) -> None:
    assert _printed(kc, "statefulsets") == [["NAME", "READY", "AGE"], ["db", "0/0", "<age>"]]
    wide = _printed(kc, "sts", "db", "-o", "wide")
    assert wide == [["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"], ["db", "0/0", "<age>", "db", "postgres:16"]]


def test_cronjob(kc: Kubectl, cluster: KubeCluster) -> None:
    zoned = _from_1_30(cluster)
    header = ["NAME", "SCHEDULE", *(["TIMEZONE"] if zoned else []), "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]
    row = ["tick", "*/5 * * * *", *(["Etc/UTC"] if zoned else []), "True", "0", "<none>", "<age>"]
    assert _printed(kc, "cronjobs") == [header, row]
    wide = _printed(kc, "cj", "tick", "-o", "wide")
    assert wide == [[*header, "CONTAINERS", "IMAGES", "SELECTOR"], [*row, "tick", "busybox:1.36", "<none>"]]


def test_horizontal_pod_autoscaler(kc: Kubectl, cluster: KubeCluster) -> None:
    targets = "cpu: <unknown>/80%" if _from_1_30(cluster) else "<unknown>/80%"
    header = ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    row = ["web", "Deployment/web", targets, "1", "4", "0", "<age>"]
    assert _printed(kc, "hpa") == [header, row]
    assert _printed(kc, "horizontalpodautoscalers.v1.autoscaling", "web") == [header, row]


def test_pod_disruption_budget(kc: Kubectl) -> None:
    header = ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"]
    assert _printed(kc, "pdb") == [header, ["web", "N/A", "25%", "0", "<age>"]]


def test_endpoint_slice(kc: Kubectl) -> None:
    header = ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert _printed(kc, "endpointslices", "web-abc") == [
        header,
        ["web-abc", "IPv4", "80", "10.1.0.4,10.1.0.5", "<age>"],
    ]
