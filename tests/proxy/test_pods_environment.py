"""Pods reach the sandbox by Azure's own names with nothing but what the kubelet puts into their processes'
environment (not into the pod spec): the sandbox's proxy with the pod's credential, a NO_PROXY that keeps the API
server direct, and the sandbox CA.

Covers: an unmodified program run in a pod (``kubectl exec``, the container's environment) with
``ManagedIdentityCredential()`` gets its pod identity's token through 169.254.169.254, and a raw IMDS request from
an unbound pod gets NMI's 404; podid verify's probe, standard-library code asking IMDS, gets a token as a bound
pod and NMI's 404 as an unbound one, with no proxy or CA in the pod spec; external-dns with azure.json's managed
identity and no client id builds ``ManagedIdentityCredential()``, gets the bound identity's token through IMDS,
reaches management.azure.com (ARM's 403 names that identity), while it reads Services from the API server
directly; a credential is its own pod's alone: with another pod's address, or after its pod is deleted, the
proxy refuses it (407), and another pod's own credential gets that pod's answer.
"""

from __future__ import annotations

import base64
import json
import sys
from typing import Any

import pytest
from kubernetes import utils as k8s_utils

from podid.sandbox import Endpoints
from podid.sandbox.proxy import ProxyService
from podid.workloads import probe
from tests.e2e.edns import deployment, rbac_manifests
from tests.podidentity.conftest import (
    LOCATION,
    Clients,
    Cluster,
    add_identity,
    pod_ip,
    run_pod,
    update_profile,
    wait_for,
)
from tests.proxy.conftest import PROGRAMS, run_program

NAMESPACE = "pods-env"
BINDING = "pods-env"
PROXY_REFUSAL = 407


@pytest.fixture(scope="module")
def identity(clients: Clients, proxy_cluster: Cluster) -> Any:
    """A user-assigned identity with no role, bound as ``pods-env`` in the namespace (made here)."""
    proxy_cluster.core.create_namespace({"metadata": {"name": NAMESPACE}})
    created = clients.msi.user_assigned_identities.create_or_update(
        proxy_cluster.group, "pods-env-identity", {"location": LOCATION}
    )
    update_profile(clients, proxy_cluster.group, proxy_cluster.name, add_identity(created, NAMESPACE, BINDING))
    return created


def uid_of(cluster: Cluster, name: str) -> str:
    return str(cluster.core.read_namespaced_pod(name, NAMESPACE).metadata.uid)


def run_probe(cluster: Cluster, name: str, labels: dict[str, str], *args: str) -> dict[str, Any]:
    """Run the probe as a pod to its end; its report, and the pod's spec has no environment at all."""
    container = {"name": "probe", "image": probe.IMAGE, "command": probe.command(*args)}
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"restartPolicy": "Never", "containers": [container]},
    }
    cluster.core.create_namespaced_pod(NAMESPACE, manifest)

    def finished() -> str | None:
        pod = cluster.core.read_namespaced_pod(name, NAMESPACE)
        assert pod.spec.containers[0].env is None  # what the kubelet adds is the process's, not the spec's
        return pod.status.phase if pod.status.phase in ("Succeeded", "Failed") else None

    assert wait_for(finished, f"the probe {name} to finish", 60) == "Succeeded"
    lines = cluster.core.read_namespaced_pod_log(name, NAMESPACE).strip().splitlines()
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def imds_through(proxy: ProxyService, userinfo: str) -> dict[str, Any]:
    """An unmodified IMDS token request, through the proxy URL with this userinfo."""
    url = proxy.url.replace("http://", f"http://{userinfo}@")
    result: dict[str, Any] = run_program("imds_token.py", {"HTTP_PROXY": url})
    return result


def exec_program(cluster: Cluster, pod: str, labels: dict[str, str], name: str) -> Any:
    """``kubectl exec`` the program ``programs/<name>``, as it is, in a new idle pod, with this interpreter (it has
    azure-identity); the JSON it prints. The pod runs as root (``runAsUser: 0``): the interpreter lives in
    root's home, which the pod's own user could not enter (an image would bring its own)."""
    container = {"name": "main", "image": "busybox:1.36", "securityContext": {"runAsUser": 0}}
    manifest = {"metadata": {"name": pod, "labels": labels}, "spec": {"containers": [container]}}
    cluster.core.create_namespaced_pod(NAMESPACE, manifest)
    pod_ip(cluster, NAMESPACE, pod)
    source = (PROGRAMS / name).read_text()
    done = cluster.kubectl("exec", "-n", NAMESPACE, pod, "--", sys.executable, "-c", source)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_unmodified_program_in_a_pod_gets_its_identitys_token(proxy_cluster: Cluster, identity: Any) -> None:
    labels = {"aadpodidbinding": BINDING}
    assert exec_program(proxy_cluster, "sdk-bound", labels, "managed_identity.py") == {"oid": identity.principal_id}


def test_an_unmodified_program_in_an_unbound_pod_is_refused(proxy_cluster: Cluster, identity: Any) -> None:
    result = exec_program(proxy_cluster, "sdk-unbound", {"aadpodidbinding": "nobody"}, "imds_token.py")
    assert (result["status"], result["body"]) == (404, "no azure identity found for request clientID \n")


def test_a_bound_pods_probe_gets_its_token_from_169_254_169_254(proxy_cluster: Cluster, identity: Any) -> None:
    report = run_probe(proxy_cluster, "probe-bound", {"aadpodidbinding": BINDING}, "token", "")
    assert (report["action"], report["status"]) == ("token", 200)


def test_an_unbound_pods_probe_gets_nmis_404(proxy_cluster: Cluster, identity: Any) -> None:
    report = run_probe(proxy_cluster, "probe-unbound", {"aadpodidbinding": "nobody"}, "token", identity.client_id)
    assert (report["status"], report["message"]) == (
        404,
        f"no azure identity found for request clientID {identity.client_id[:4]}##### REDACTED #####"
        f"{identity.client_id[-4:]}",
    )


def test_external_dns_uses_managed_identity_credential_with_its_defaults(
    proxy_cluster: Cluster, identity: Any, endpoints: Endpoints
) -> None:
    """azure.json without userAssignedIdentityID: ``ManagedIdentityCredential()``, IMDS at 169.254.169.254 and
    ARM at management.azure.com, as external-dns builds them on AKS."""
    k8s_utils.create_from_yaml(proxy_cluster.core.api_client, yaml_objects=rbac_manifests(NAMESPACE))
    azure_json = {
        "tenantId": endpoints.tenant_id,
        "subscriptionId": endpoints.subscription_id,
        "resourceGroup": proxy_cluster.group,
        "useManagedIdentityExtension": True,
    }
    data = {"azure.json": base64.b64encode(json.dumps(azure_json).encode()).decode()}
    proxy_cluster.core.create_namespaced_secret(NAMESPACE, {"metadata": {"name": "azure-json"}, "data": data})
    argv = ["--source=service", "--provider=azure", "--domain-filter=pods-env.internal", "--txt-owner-id=pods-env"]
    template = deployment("external-dns", argv, "azure-json", BINDING)["spec"]["template"]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "external-dns", **template["metadata"]}}
    proxy_cluster.core.create_namespaced_pod(NAMESPACE, {**pod, "spec": template["spec"]})

    def refused() -> str | None:
        log = proxy_cluster.core.read_namespaced_pod_log("external-dns", NAMESPACE)
        return log if "AuthorizationFailed" in log else None

    log = wait_for(refused, "ARM's refusal in external-dns' log", 60)
    assert "Resolving to system assigned identity." in log
    assert f"with object id '{identity.principal_id}' does not have authorization" in log
    proxy_cluster.core.delete_namespaced_pod("external-dns", NAMESPACE, grace_period_seconds=0)


def test_a_credential_is_its_pods_alone(proxy: ProxyService, proxy_cluster: Cluster, identity: Any) -> None:
    owner_ip = run_pod(proxy_cluster, NAMESPACE, "owner", {"aadpodidbinding": BINDING})
    other_ip = run_pod(proxy_cluster, NAMESPACE, "other", {"aadpodidbinding": "nobody"})
    owner = proxy.credentials.for_pod(owner_ip, uid_of(proxy_cluster, "owner"))
    other = proxy.credentials.for_pod(other_ip, uid_of(proxy_cluster, "other"))
    assert imds_through(proxy, owner)["status"] == 200
    assert imds_through(proxy, other)["status"] == 404  # the other pod's own answer: it is unbound
    key = owner.partition(":")[2]
    assert imds_through(proxy, f"{other_ip}:{key}")["status"] == PROXY_REFUSAL
    proxy_cluster.core.delete_namespaced_pod("owner", NAMESPACE, grace_period_seconds=0)
    wait_for(
        lambda: "owner" not in [p.metadata.name for p in proxy_cluster.core.list_namespaced_pod(NAMESPACE).items],
        "the owner pod to go",
    )
    assert imds_through(proxy, owner)["status"] == PROXY_REFUSAL  # it died with its pod
