"""Server-side Table rendering.

Covers: kubectl's age format (HumanDuration); the Table envelope and ``includeObject`` (Metadata / Object /
None); pod rows (READY, STATUS for running, pending, init, crash-looping, completed and terminating pods,
RESTARTS with "ago", wide cells); services (ClusterIP, NodePort, pending and assigned LoadBalancer, selector);
deployments and replica sets (counts, containers, images, selector); nodes (status, roles, addresses); events;
namespaces, configmaps, secrets, endpoints, ingresses; aadpodidentity printer columns; the default convertor's
``Created At`` for CRDs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from podid.sandbox.kube.machinery.resources import AAD_POD_IDENTITY_TYPES, BUILTIN_TYPES, Catalog
from podid.sandbox.kube.machinery.status import KubeApiError
from podid.sandbox.kube.printing.columns import human_duration
from podid.sandbox.kube.printing.tables import render_table

CATALOG = Catalog(BUILTIN_TYPES + AAD_POD_IDENTITY_TYPES)
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def _ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _table(resource: str, *objects: dict, **options: str) -> dict:
    rt = CATALOG.named(resource)
    assert rt is not None
    return render_table(rt, objects, now=NOW, **options)


def _cells(resource: str, obj: dict) -> dict:
    table = _table(resource, obj)
    names = [c["name"] for c in table["columnDefinitions"]]
    return dict(zip(names, table["rows"][0]["cells"], strict=True))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-0.5, "0s"),
        (5, "5s"),
        (119, "119s"),
        (120, "2m"),
        (182, "3m2s"),
        (599, "9m59s"),
        (600, "10m"),
        (10799, "179m"),
        (3 * 3600, "3h"),
        (4 * 3600 + 30 * 60, "4h30m"),
        (9 * 3600, "9h"),
        (47 * 3600 + 59 * 60, "47h"),
        (2 * 86400, "2d"),
        (3 * 86400 + 4 * 3600, "3d4h"),
        (30 * 86400, "30d"),
        (3 * 365 * 86400, "3y"),
        (3 * 365 * 86400 + 5 * 86400, "3y5d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration(seconds, text):
    assert human_duration(seconds) == text


def _pod(status: dict | None = None, **spec: object) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "demo", "namespace": "default", "creationTimestamp": _ago(minutes=3, seconds=2)},
        "spec": {"containers": [{"name": "main", "image": "busybox"}], **spec},
        "status": status or {},
    }


RUNNING = {
    "phase": "Running",
    "podIP": "10.244.0.5",
    "podIPs": [{"ip": "10.244.0.5"}],
    "conditions": [{"type": "Ready", "status": "True"}],
    "containerStatuses": [{"name": "main", "ready": True, "restartCount": 0, "state": {"running": {}}}],
}


def test_pod_table_envelope_and_columns():
    table = _table("pods", _pod(RUNNING, nodeName="aks-nodepool1-0"), resource_version="42")
    assert (table["kind"], table["apiVersion"], table["metadata"]) == (
        "Table",
        "meta.k8s.io/v1",
        {"resourceVersion": "42"},
    )
    assert [(c["name"], c["priority"]) for c in table["columnDefinitions"]] == [
        ("Name", 0),
        ("Ready", 0),
        ("Status", 0),
        ("Restarts", 0),
        ("Age", 0),
        ("IP", 1),
        ("Node", 1),
        ("Nominated Node", 1),
        ("Readiness Gates", 1),
    ]
    assert table["columnDefinitions"][0]["format"] == "name"
    row = table["rows"][0]
    assert row["cells"] == ["demo", "1/1", "Running", "0", "3m2s", "10.244.0.5", "aks-nodepool1-0", "<none>", "<none>"]
    assert row["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": _pod()["metadata"],
    }


def test_include_object_variants():
    pod = _pod(RUNNING)
    assert _table("pods", pod, include_object="Object")["rows"][0]["object"] == pod
    assert "object" not in _table("pods", pod, include_object="None")["rows"][0]
    with pytest.raises(KubeApiError) as caught:
        _table("pods", pod, include_object="Everything")
    assert caught.value.code == 400
    assert caught.value.status["message"] == (
        'includeObject: Unsupported value: "Everything": supported values: "Metadata", "None", "Object"'
    )


@pytest.mark.parametrize(
    ("status", "ready", "text", "restarts"),
    [
        ({"phase": "Pending"}, "0/1", "Pending", "0"),
        (
            {
                "phase": "Pending",
                "containerStatuses": [{"name": "main", "state": {"waiting": {"reason": "ContainerCreating"}}}],
            },
            "0/1",
            "ContainerCreating",
            "0",
        ),
        (
            {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": "main",
                        "restartCount": 4,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        "lastState": {"terminated": {"exitCode": 1, "finishedAt": _ago(seconds=75)}},
                    }
                ],
            },
            "0/1",
            "CrashLoopBackOff",
            "4 (75s ago)",
        ),
        (
            {
                "phase": "Succeeded",
                "containerStatuses": [
                    {"name": "main", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
                ],
            },
            "0/1",
            "Completed",
            "0",
        ),
        (
            {"phase": "Failed", "containerStatuses": [{"name": "main", "state": {"terminated": {"exitCode": 2}}}]},
            "0/1",
            "ExitCode:2",
            "0",
        ),
        ({"phase": "Failed", "reason": "Evicted"}, "0/1", "Evicted", "0"),
    ],
)
def test_pod_status_column(status, ready, text, restarts):
    cells = _cells("pods", _pod(status))
    assert (cells["Ready"], cells["Status"], cells["Restarts"]) == (ready, text, restarts)


def test_pod_init_containers():
    pod = _pod(
        {
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "setup", "state": {"terminated": {"exitCode": 0}}},
                {"name": "wait", "state": {"running": {}}},
            ],
        },
        initContainers=[{"name": "setup", "image": "x"}, {"name": "wait", "image": "y"}],
    )
    assert _cells("pods", pod)["Status"] == "Init:1/2"
    failing = _pod(
        {
            "phase": "Pending",
            "initContainerStatuses": [{"name": "setup", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}],
        },
        initContainers=[{"name": "setup", "image": "x"}],
    )
    assert _cells("pods", failing)["Status"] == "Init:CrashLoopBackOff"


def test_terminating_pod_and_completed_condition():
    pod = _pod(RUNNING)
    pod["metadata"]["deletionTimestamp"] = _ago(seconds=1)
    assert _cells("pods", pod)["Status"] == "Terminating"
    done = _pod({"phase": "Succeeded"})
    del done["kind"]  # list items need not carry their kind
    assert _table("pods", done)["rows"][0]["conditions"] == [
        {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
    ]
    assert "conditions" not in _table("pods", _pod(RUNNING))["rows"][0]


def test_pod_readiness_gates():
    pod = _pod(
        {**RUNNING, "conditions": [*RUNNING["conditions"], {"type": "example.com/lb", "status": "False"}]},
        readinessGates=[{"conditionType": "example.com/lb"}],
    )
    assert _cells("pods", pod)["Readiness Gates"] == "0/1"


def _service(spec: dict, status: dict | None = None) -> dict:
    meta = {"name": "web", "namespace": "default", "creationTimestamp": _ago(hours=4)}
    return {"kind": "Service", "metadata": meta, "spec": spec, "status": status or {}}


@pytest.mark.parametrize(
    ("spec", "status", "expected"),
    [
        (
            {
                "type": "ClusterIP",
                "clusterIP": "10.0.0.10",
                "clusterIPs": ["10.0.0.10"],
                "ports": [{"port": 80, "protocol": "TCP"}],
                "selector": {"app": "web", "a": "b"},
            },
            None,
            ["web", "ClusterIP", "10.0.0.10", "<none>", "80/TCP", "4h", "a=b,app=web"],
        ),
        (
            {
                "type": "NodePort",
                "clusterIP": "10.0.0.11",
                "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
            },
            None,
            ["web", "NodePort", "10.0.0.11", "<none>", "80:30080/TCP,53/UDP", "4h", "<none>"],
        ),
        (
            {
                "type": "LoadBalancer",
                "clusterIP": "10.0.0.12",
                "ports": [{"port": 80, "nodePort": 31000, "protocol": "TCP"}],
            },
            None,
            ["web", "LoadBalancer", "10.0.0.12", "<pending>", "80:31000/TCP", "4h", "<none>"],
        ),
        (
            {"type": "LoadBalancer", "clusterIP": "10.0.0.12", "ports": [{"port": 80, "protocol": "TCP"}]},
            {"loadBalancer": {"ingress": [{"ip": "20.1.2.3"}]}},
            ["web", "LoadBalancer", "10.0.0.12", "20.1.2.3", "80/TCP", "4h", "<none>"],
        ),
        (
            {"type": "ExternalName", "externalName": "example.com"},
            None,
            ["web", "ExternalName", "<none>", "example.com", "<none>", "4h", "<none>"],
        ),
    ],
)
def test_service_rows(spec, status, expected):
    assert _table("services", _service(spec, status))["rows"][0]["cells"] == expected


def _workload(kind: str, **status: int) -> dict:
    return {
        "kind": kind,
        "metadata": {"name": "external-dns", "namespace": "default", "creationTimestamp": _ago(days=2)},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "external-dns"}},
            "template": {
                "metadata": {"labels": {"app": "external-dns"}},
                "spec": {
                    "containers": [
                        {"name": "dns", "image": "external-dns:v0.14.2"},
                        {"name": "log", "image": "busybox"},
                    ]
                },
            },
        },
        "status": status,
    }


def test_deployment_row():
    table = _table("apps/deployments", _workload("Deployment", readyReplicas=1, updatedReplicas=2, availableReplicas=1))
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
        "Containers",
        "Images",
        "Selector",
    ]
    assert table["rows"][0]["cells"] == [
        "external-dns",
        "1/2",
        2,
        1,
        "2d",
        "dns,log",
        "external-dns:v0.14.2,busybox",
        "app=external-dns",
    ]


def test_replicaset_row():
    cells = _table("apps/replicasets", _workload("ReplicaSet", replicas=2, readyReplicas=2))["rows"][0]["cells"]
    assert cells == ["external-dns", 2, 2, 2, "2d", "dns,log", "external-dns:v0.14.2,busybox", "app=external-dns"]


def test_node_row():
    node = {
        "kind": "Node",
        "metadata": {
            "name": "aks-nodepool1-12345678-vmss000000",
            "creationTimestamp": _ago(days=1, hours=2),
            "labels": {"kubernetes.io/role": "agent", "node-role.kubernetes.io/control-plane": ""},
        },
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
            "addresses": [{"type": "Hostname", "address": "aks-0"}, {"type": "InternalIP", "address": "10.224.0.4"}],
            "nodeInfo": {
                "kubeletVersion": "v1.29.2",
                "osImage": "Ubuntu 22.04.4 LTS",
                "kernelVersion": "5.15.0",
                "containerRuntimeVersion": "containerd://1.7.15",
            },
        },
    }
    assert _table("nodes", node)["rows"][0]["cells"] == [
        "aks-nodepool1-12345678-vmss000000",
        "Ready,SchedulingDisabled",
        "agent,control-plane",
        "26h",
        "v1.29.2",
        "10.224.0.4",
        "<none>",
        "Ubuntu 22.04.4 LTS",
        "5.15.0",
        "containerd://1.7.15",
    ]
    bare = {"kind": "Node", "metadata": {"name": "n"}, "status": {}}
    assert _table("nodes", bare)["rows"][0]["cells"] == [
        "n",
        "Unknown",
        "<none>",
        "<unknown>",
        "",
        "<none>",
        "<none>",
        "<unknown>",
        "<unknown>",
        "<unknown>",
    ]


def test_event_row():
    event = {
        "kind": "Event",
        "metadata": {"name": "demo.17a", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "demo", "fieldPath": "spec.containers{main}"},
        "reason": "Pulled",
        "message": "Successfully pulled image \n",
        "source": {"component": "kubelet", "host": "aks-0"},
        "firstTimestamp": _ago(minutes=5),
        "lastTimestamp": _ago(seconds=30),
        "count": 3,
        "type": "Normal",
    }
    assert _table("events", event)["rows"][0]["cells"] == [
        "30s",
        "Normal",
        "Pulled",
        "pod/demo",
        "spec.containers{main}",
        "kubelet, aks-0",
        "Successfully pulled image",
        "5m",
        3,
        "demo.17a",
    ]


def test_small_builtin_rows():
    meta = {"name": "x", "namespace": "default", "creationTimestamp": _ago(seconds=5)}
    assert _table("namespaces", {"metadata": meta, "status": {"phase": "Active"}})["rows"][0]["cells"] == [
        "x",
        "Active",
        "5s",
    ]
    configmap = {"metadata": meta, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
    assert _table("configmaps", configmap)["rows"][0]["cells"] == ["x", 3, "5s"]
    secret = {"metadata": meta, "type": "Opaque", "data": {"a": "MQ=="}}
    assert _table("secrets", secret)["rows"][0]["cells"] == ["x", "Opaque", 1, "5s"]
    account = {"metadata": meta, "secrets": []}
    assert _table("serviceaccounts", account)["rows"][0]["cells"] == ["x", 0, "5s"]


@pytest.mark.parametrize(
    ("subsets", "text"),
    [
        (None, "<none>"),
        ([{"addresses": [{"ip": "10.244.0.5"}], "ports": [{"port": 80}]}], "10.244.0.5:80"),
        ([{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}]}], "10.0.0.1,10.0.0.2"),
        (
            [{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 5)], "ports": [{"port": 80}]}],
            "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...",
        ),
    ],
)
def test_endpoints_row(subsets, text):
    endpoints = {"metadata": {"name": "web", "creationTimestamp": _ago(seconds=5)}}
    if subsets is not None:
        endpoints["subsets"] = subsets
    assert _table("endpoints", endpoints)["rows"][0]["cells"] == ["web", text, "5s"]


def test_ingress_row():
    ingress = {
        "metadata": {"name": "web", "creationTimestamp": _ago(minutes=15)},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}],
            "tls": [{}],
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "20.1.2.3"}]}},
    }
    assert _table("networking.k8s.io/ingresses", ingress)["rows"][0]["cells"] == [
        "web",
        "nginx",
        "a.example.com,b.example.com",
        "20.1.2.3",
        "80, 443",
        "15m",
    ]


def test_azure_identity_printer_columns():
    identity = {
        "kind": "AzureIdentity",
        "metadata": {"name": "demo", "namespace": "default", "creationTimestamp": _ago(hours=3)},
        "spec": {"type": 0, "clientID": "00000000-0000-0000-0000-000000000001"},
    }
    table = _table("aadpodidentity.k8s.io/azureidentities", identity)
    assert [(c["name"], c["type"]) for c in table["columnDefinitions"]] == [
        ("Name", "string"),
        ("Type", "string"),
        ("ClientID", "string"),
        ("Age", "date"),
    ]
    assert table["rows"][0]["cells"] == ["demo", "0", "00000000-0000-0000-0000-000000000001", "3h"]
    assert table["columnDefinitions"][1]["description"] == (
        "Custom resource definition column (in JSONPath format): .spec.type"
    )


def test_binding_and_columnless_custom_resources():
    binding = {"metadata": {"name": "b", "creationTimestamp": _ago(seconds=9)}, "spec": {"azureIdentity": "demo"}}
    assert _table("aadpodidentity.k8s.io/azureidentitybindings", binding)["rows"][0]["cells"] == [
        "b",
        "demo",
        None,
        "9s",
    ]
    assigned = {"metadata": {"name": "a", "creationTimestamp": _ago(seconds=9)}}
    table = _table("aadpodidentity.k8s.io/azureassignedidentities", assigned)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Age"]
    assert table["rows"][0]["cells"] == ["a", "9s"]


def test_default_convertor_for_crds():
    crd = {"metadata": {"name": "azureidentities.aadpodidentity.k8s.io", "creationTimestamp": "2024-04-30T10:00:00Z"}}
    table = _table("apiextensions.k8s.io/customresourcedefinitions", crd, continue_token="abc")
    assert [(c["name"], c["type"]) for c in table["columnDefinitions"]] == [("Name", "string"), ("Created At", "date")]
    assert table["rows"][0]["cells"] == ["azureidentities.aadpodidentity.k8s.io", "2024-04-30T10:00:00Z"]
    assert table["metadata"] == {"continue": "abc"}


def test_empty_list_has_columns_and_no_rows():
    table = _table("pods")
    assert table["rows"] == [] and len(table["columnDefinitions"]) == 9
