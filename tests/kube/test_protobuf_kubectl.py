"""Every kubectl installed beside the version dispatcher (1.27 … 1.33) creates objects with ``kubectl create``.

kubectl 1.32 and 1.33 send these bodies as ``application/vnd.kubernetes.protobuf`` (older ones as JSON): a
namespace, a deployment with zero replicas (a pointer set to zero must stay zero, not default to one), a configmap
and a secret from literals, and a service account. Each object is read back through the kubernetes Python client.
The newest kubectl also creates RBAC objects, services (int and named target ports), an ingress and a token
(TokenRequest) over protobuf; over HTTP, a malformed protobuf body is a 400 Status, one for a custom resource a 415,
and a protobuf DeleteOptions (preconditions) is honoured.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
import requests
from kubernetes import client as k8s

from podid.sandbox.kube.machinery.protobuf import PROTOBUF
from tests.kube.conftest import KUBECTL, KubeCluster
from tests.kube_unit.test_protobuf import envelope, field, msg

VERSIONED = sorted(Path(KUBECTL).resolve().parent.glob("kubectl.1.*"), key=lambda p: int(p.name.split(".")[-1]))


def _kubectl(binary: Path, kube: KubeCluster, cache: Path, *args: str) -> str:
    command = [str(binary), f"--kubeconfig={kube.kubeconfig}", f"--cache-dir={cache}", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"{binary.name} {' '.join(args)}: {result.stderr}"
    return result.stdout


@pytest.mark.skipif(not VERSIONED, reason="no versioned kubectl binaries beside the dispatcher")
@pytest.mark.parametrize("binary", VERSIONED, ids=lambda p: p.name)
def test_kubectl_create_generators(
    binary: Path, kube: KubeCluster, core: k8s.CoreV1Api, apps: k8s.AppsV1Api, tmp_path: Path, unique: str
) -> None:
    ns = f"pb-{binary.name.split('.')[-1]}-{unique}"
    created = [
        _kubectl(binary, kube, tmp_path, "create", "namespace", ns),
        _kubectl(binary, kube, tmp_path, "-n", ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=0"),
        _kubectl(binary, kube, tmp_path, "-n", ns, "create", "configmap", "settings", "--from-literal=mode=fast"),
        _kubectl(binary, kube, tmp_path, "-n", ns, "create", "secret", "generic", "creds", "--from-literal=pw=s3cr=t"),
        _kubectl(binary, kube, tmp_path, "-n", ns, "create", "serviceaccount", "robot"),
    ]
    assert created == [
        f"namespace/{ns} created\n",
        "deployment.apps/web created\n",
        "configmap/settings created\n",
        "secret/creds created\n",
        "serviceaccount/robot created\n",
    ]
    assert core.read_namespace(ns).status.phase == "Active"
    deployment = apps.read_namespaced_deployment("web", ns)
    assert deployment.spec.replicas == 0
    assert deployment.spec.selector.match_labels == {"app": "web"}
    assert deployment.spec.template.metadata.labels == {"app": "web"}
    assert [(c.name, c.image) for c in deployment.spec.template.spec.containers] == [("nginx", "nginx:1.25")]
    assert core.read_namespaced_config_map("settings", ns).data == {"mode": "fast"}
    secret = core.read_namespaced_secret("creds", ns)
    assert secret.type == "Opaque"
    assert {k: base64.b64decode(v).decode() for k, v in secret.data.items()} == {"pw": "s3cr=t"}
    assert core.read_namespaced_service_account("robot", ns).metadata.name == "robot"


PROTOBUF_KUBECTL = VERSIONED[-1] if VERSIONED else Path(KUBECTL)


def test_newest_kubectl_rbac_services_ingress_token(
    kube: KubeCluster, core: k8s.CoreV1Api, api_client: k8s.ApiClient, tmp_path: Path, namespace: str
) -> None:
    def create(*args: str) -> str:
        return _kubectl(PROTOBUF_KUBECTL, kube, tmp_path, "-n", namespace, "create", *args)

    create("role", "reader", "--verb=get,list", "--resource=pods,configmaps")
    create("rolebinding", "readers", "--role=reader", f"--serviceaccount={namespace}:default", "--user=alice")
    create("clusterrole", f"{namespace}-health", "--verb=get", "--non-resource-url=/healthz")
    create("clusterrolebinding", f"{namespace}-health", f"--clusterrole={namespace}-health", "--group=devs")
    create("service", "clusterip", "plain", "--tcp=80:8080")
    create("service", "nodeport", "named", "--tcp=80:http")
    create("ingress", "web", "--rule=foo.com/bar*=plain:80,tls=web-tls", "--class=nginx")
    create("serviceaccount", "robot")
    token = create("token", "robot", "--audience=api://podid").strip()

    rbac = k8s.RbacAuthorizationV1Api(api_client)
    rule = rbac.read_namespaced_role("reader", namespace).rules[0]
    assert (rule.verbs, rule.resources, rule.api_groups) == (["get", "list"], ["pods", "configmaps"], [""])
    binding = rbac.read_namespaced_role_binding("readers", namespace)
    assert [(s.kind, s.name, s.namespace) for s in binding.subjects] == [
        ("User", "alice", None),
        ("ServiceAccount", "default", namespace),
    ]
    assert rbac.read_cluster_role(f"{namespace}-health").rules[0].non_resource_urls == ["/healthz"]
    assert rbac.read_cluster_role_binding(f"{namespace}-health").subjects[0].name == "devs"
    plain = core.read_namespaced_service("plain", namespace).spec
    assert [(p.name, p.port, p.target_port, p.protocol) for p in plain.ports] == [("80-8080", 80, 8080, "TCP")]
    named = core.read_namespaced_service("named", namespace).spec
    assert (named.type, named.ports[0].target_port) == ("NodePort", "http")
    ingress = k8s.NetworkingV1Api(api_client).read_namespaced_ingress("web", namespace).spec
    assert ingress.ingress_class_name == "nginx"
    assert ingress.tls[0].hosts == ["foo.com"] and ingress.tls[0].secret_name == "web-tls"
    path = ingress.rules[0].http.paths[0]
    assert (path.path, path.path_type, path.backend.service.name) == ("/bar", "Prefix", "plain")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["aud"] == ["api://podid"]
    assert claims["sub"] == f"system:serviceaccount:{namespace}:robot"


def _post(kube: KubeCluster, path: str, body: bytes) -> requests.Response:
    headers = {"Authorization": f"Bearer {kube.access.admin_token}", "Content-Type": PROTOBUF}
    return requests.post(kube.access.server_url + path, data=body, headers=headers, verify=kube.ca_cert, timeout=10)


def test_malformed_protobuf_is_400_and_a_custom_resource_415(kube: KubeCluster, namespace: str) -> None:
    truncated = _post(kube, "/api/v1/namespaces", b"k8s\x00\x0a\x05ab")
    assert truncated.status_code == 400
    assert truncated.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the object provided is unrecognized (must be of type Namespace): unexpected EOF (6b3873000a056162)",
        "reason": "BadRequest",
        "code": 400,
    }
    wrong_wire = _post(kube, "/api/v1/namespaces", envelope("v1", "Namespace", field(1, 5)))
    assert wrong_wire.status_code == 400
    assert wrong_wire.json()["message"] == (
        'Namespace in version "v1" cannot be handled as a Namespace: proto: wrong wireType = 0 for field Metadata'
    )
    identity = envelope("aadpodidentity.k8s.io/v1", "AzureIdentity", msg(field(1, msg(field(1, "id")))))
    custom = _post(kube, f"/apis/aadpodidentity.k8s.io/v1/namespaces/{namespace}/azureidentities", identity)
    assert custom.status_code == 415
    assert custom.json()["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml"
    )


def test_protobuf_delete_options(kube: KubeCluster, core: k8s.CoreV1Api, namespace: str) -> None:
    """A typed Go client set to protobuf sends DeleteOptions under its own group version."""
    uid = core.create_namespaced_config_map(namespace, {"metadata": {"name": "doomed"}}).metadata.uid
    path = f"/api/v1/namespaces/{namespace}/configmaps/doomed"
    headers = {"Authorization": f"Bearer {kube.access.admin_token}", "Content-Type": PROTOBUF}

    def delete(preconditions: bytes) -> requests.Response:
        body = envelope("v1", "DeleteOptions", msg(field(1, 0), field(2, preconditions)))
        url = kube.access.server_url + path
        return requests.delete(url, data=body, headers=headers, verify=kube.ca_cert, timeout=10)

    stale = delete(msg(field(1, "not-the-uid")))
    assert stale.status_code == 409
    assert stale.json()["message"] == (
        'Operation cannot be fulfilled on configmaps "doomed": Precondition failed: '
        f"UID in precondition: not-the-uid, UID in object meta: {uid}"
    )
    assert delete(msg(field(1, uid))).status_code == 200
    assert "doomed" not in [c.metadata.name for c in core.list_namespaced_config_map(namespace).items]
