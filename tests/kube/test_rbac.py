"""RBAC on a sandbox cluster: service-account tokens may do what their roles grant, and nothing else.

Covers: rbac.authorization.k8s.io/v1 is served (kubectl applies a ClusterRole and binding, `get clusterroles`
lists the defaults: cluster-admin for system:masters, discovery for everyone authenticated, the aggregated view,
edit and admin: view reads no Secrets, and a ClusterRole labelled aggregate-to-view adds to it); a service account
with no binding may read discovery but gets 403 Forbidden with the apiserver's message for anything else; a
RoleBinding grants in its namespace only, to a Role or a ClusterRole; a ClusterRoleBinding grants everywhere;
verbs (list but not delete; watch), resourceNames and subresources (``pods/log``) are honoured; the kubeconfig's
local accounts keep full access; a binding to the wrong kind of role, a subject without its namespace and rules
that mix URLs and resources are 422 Invalid with the apiserver's texts, and nothing is stored; a binding's roleRef
cannot change; `kubectl auth can-i` (a SelfSubjectAccessReview) gets the authorizer's own answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from kubernetes import client as k8s

from tests.kube.conftest import KubeCluster, Kubectl, eventually, write_kubeconfig
from tests.kube.rbac_objects import RBAC, account_token, binding_manifest, role_manifest


def _call(kube: KubeCluster, token: str, path: str, method: str = "GET") -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, kube.access.server_url + path, headers=headers, verify=kube.ca_cert, timeout=10)


@pytest.fixture
def rbac(api_client: k8s.ApiClient) -> k8s.RbacAuthorizationV1Api:
    return k8s.RbacAuthorizationV1Api(api_client)


@pytest.fixture
def other(core: k8s.CoreV1Api, namespace: str) -> str:
    name = f"{namespace}-b"
    core.create_namespace({"metadata": {"name": name}})
    return name


def test_defaults_and_kubectl(kubectl: Kubectl, namespace: str, unique: str, tmp_path: Path) -> None:
    names = kubectl("get", "clusterroles", "-o", "name").split()
    assert {"clusterrole.rbac.authorization.k8s.io/cluster-admin"} <= set(names)
    assert "clusterrole.rbac.authorization.k8s.io/system:discovery" in names
    admin_binding = kubectl("get", "clusterrolebinding", "cluster-admin", "-o", "jsonpath={.subjects[0].name}")
    assert admin_binding == "system:masters"
    manifest = tmp_path / "rbac.yaml"
    manifest.write_text(
        f"""apiVersion: {RBAC}
kind: Role
metadata: {{name: reader, namespace: {namespace}}}
rules: [{{apiGroups: [""], resources: [pods], verbs: [get, list]}}]
---
apiVersion: {RBAC}
kind: RoleBinding
metadata: {{name: reader-{unique}, namespace: {namespace}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}}
subjects: [{{kind: ServiceAccount, name: default, namespace: {namespace}}}]
"""
    )
    assert "created" in kubectl("apply", "-f", str(manifest))
    assert f"reader-{unique}" in kubectl("get", "rolebindings", "-n", namespace, "-o", "name")


def test_an_unbound_account_may_read_discovery_only(core: k8s.CoreV1Api, kube: KubeCluster, namespace: str) -> None:
    token = account_token(core, namespace, "nobody")
    assert _call(kube, token, "/api").status_code == 200
    assert _call(kube, token, "/apis/apps/v1").status_code == 200
    listing = _call(kube, token, f"/api/v1/namespaces/{namespace}/pods")
    assert listing.status_code == 403
    user = f"system:serviceaccount:{namespace}:nobody"
    assert listing.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f'pods is forbidden: User "{user}" cannot list resource "pods" in API group "" in the namespace '
        f'"{namespace}"',
        "reason": "Forbidden",
        "details": {"kind": "pods"},
        "code": 403,
    }
    nodes = _call(kube, token, "/api/v1/nodes").json()["message"].replace(user, "U")
    assert nodes == 'nodes is forbidden: User "U" cannot list resource "nodes" in API group "" at the cluster scope'
    deployment = _call(kube, token, f"/apis/apps/v1/namespaces/{namespace}/deployments/web").json()["message"]
    assert deployment.startswith(f'deployments.apps "web" is forbidden: User "{user}" cannot get resource')


def test_a_role_binding_grants_in_its_namespace_only(
    core: k8s.CoreV1Api, rbac: k8s.RbacAuthorizationV1Api, kube: KubeCluster, namespace: str, other: str
) -> None:
    token = account_token(core, namespace, "reader")
    rules = [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}]
    rbac.create_namespaced_role(namespace, role_manifest("Role", "pod-reader", rules, namespace))
    binding = binding_manifest("RoleBinding", "read-pods", ("Role", "pod-reader"), (namespace, "reader"), namespace)
    rbac.create_namespaced_role_binding(namespace, binding)
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/pods").status_code == 200
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/pods?watch=true&timeoutSeconds=1").status_code == 200
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/pods/none/log").status_code == 404  # allowed, absent
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/pods/none", "DELETE").status_code == 403
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/secrets").status_code == 403
    assert _call(kube, token, f"/api/v1/namespaces/{other}/pods").status_code == 403
    assert _call(kube, token, "/api/v1/pods").status_code == 403  # every namespace is the cluster scope


def test_cluster_roles_bound_per_namespace_or_cluster_wide(
    core: k8s.CoreV1Api, rbac: k8s.RbacAuthorizationV1Api, kube: KubeCluster, namespace: str, other: str, unique: str
) -> None:
    token = account_token(core, namespace, "lister")
    rules = [{"apiGroups": [""], "resources": ["services"], "verbs": ["list"]}]
    rbac.create_cluster_role(role_manifest("ClusterRole", f"services-{unique}", rules))
    role = ("ClusterRole", f"services-{unique}")
    rbac.create_namespaced_role_binding(
        other, binding_manifest("RoleBinding", "list-services", role, (namespace, "lister"), other)
    )
    assert _call(kube, token, f"/api/v1/namespaces/{other}/services").status_code == 200
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/services").status_code == 403
    assert _call(kube, token, "/api/v1/services").status_code == 403
    rbac.create_cluster_role_binding(
        binding_manifest("ClusterRoleBinding", f"services-{unique}", role, (namespace, "lister"))
    )
    assert _call(kube, token, "/api/v1/services").status_code == 200
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/services").status_code == 200


def test_resource_names_limit_a_rule(
    core: k8s.CoreV1Api, rbac: k8s.RbacAuthorizationV1Api, kube: KubeCluster, namespace: str
) -> None:
    token = account_token(core, namespace, "picky")
    for name in ("mine", "theirs"):
        core.create_namespaced_config_map(namespace, {"metadata": {"name": name}})
    rules = [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["mine"], "verbs": ["get"]}]
    rbac.create_namespaced_role(namespace, role_manifest("Role", "only-mine", rules, namespace))
    rbac.create_namespaced_role_binding(
        namespace, binding_manifest("RoleBinding", "only-mine", ("Role", "only-mine"), (namespace, "picky"), namespace)
    )
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/configmaps/mine").status_code == 200
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/configmaps/theirs").status_code == 403
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/configmaps").status_code == 403  # a list names none


def test_local_accounts_keep_full_access(kube: KubeCluster) -> None:
    for token in (kube.access.admin_token, kube.access.user_token):
        assert _call(kube, token, "/api/v1/nodes").status_code == 200
        assert _call(kube, token, "/apis/rbac.authorization.k8s.io/v1/clusterroles").status_code == 200


def test_bad_roles_and_bindings_are_invalid(kube: KubeCluster, namespace: str, unique: str) -> None:
    def post(path: str, body: dict[str, Any]) -> requests.Response:
        headers = {"Authorization": f"Bearer {kube.access.admin_token}"}
        url = kube.access.server_url + "/apis/rbac.authorization.k8s.io/v1" + path
        return requests.post(url, json=body, headers=headers, verify=kube.ca_cert, timeout=10)

    to_role = binding_manifest("ClusterRoleBinding", f"bad-{unique}", ("Role", "x"), (namespace, "a"))
    to_role["subjects"][0].pop("namespace")
    wrong_kind = post("/clusterrolebindings", to_role)
    assert wrong_kind.status_code == 422 and wrong_kind.json()["message"] == (
        f'ClusterRoleBinding.rbac.authorization.k8s.io "bad-{unique}" is invalid: [roleRef.kind: Unsupported value: '
        '"Role": supported values: "ClusterRole", subjects[0].namespace: Required value]'
    )
    rules = [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}, {"resources": ["pods"]}]
    wrong_rules = post(f"/namespaces/{namespace}/roles", role_manifest("Role", "urls", rules, namespace))
    message = wrong_rules.json()["message"]
    urls_error = 'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource'
    assert wrong_rules.status_code == 422 and urls_error + " URLs" in message
    assert "rules[1].verbs: Required value: verbs must contain at least one value" in message
    assert "rules[1].apiGroups: Required value: resource rules must supply at least one api group" in message
    assert (
        post(f"/namespaces/{namespace}/roles", role_manifest("Role", "urls", rules[:1], namespace)).status_code == 422
    )
    listed = _call(kube, kube.access.admin_token, f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles")
    assert listed.json()["items"] == []  # nothing was stored
    binding = binding_manifest("RoleBinding", "fixed", ("ClusterRole", "view"), (namespace, "a"), namespace)
    assert post(f"/namespaces/{namespace}/rolebindings", binding).status_code == 201
    headers = {"Authorization": f"Bearer {kube.access.admin_token}", "Content-Type": "application/merge-patch+json"}
    url = f"{kube.access.server_url}/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/fixed"
    changed = requests.patch(url, json={"roleRef": {"name": "edit"}}, headers=headers, verify=kube.ca_cert, timeout=10)
    assert changed.status_code == 422 and changed.json()["message"] == (
        'RoleBinding.rbac.authorization.k8s.io "fixed" is invalid: roleRef: Invalid value: '
        'rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef'
    )


def test_kubectl_auth_can_i_asks_the_same_authorizer(
    core: k8s.CoreV1Api, rbac: k8s.RbacAuthorizationV1Api, kube: KubeCluster, namespace: str, tmp_path: Path
) -> None:
    token = account_token(core, namespace, "asker")
    kubectl = Kubectl(write_kubeconfig(tmp_path / "asker", kube.access, kube.ca_cert, token=token), tmp_path / "c")
    assert kubectl.run("auth", "can-i", "list", "pods", "-n", namespace, check=False).stdout.strip() == "no"
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]
    rbac.create_namespaced_role(namespace, role_manifest("Role", "lister", rules, namespace))
    binding = binding_manifest("RoleBinding", "lister", ("Role", "lister"), (namespace, "asker"), namespace)
    rbac.create_namespaced_role_binding(namespace, binding)
    allowed = kubectl.run("auth", "can-i", "list", "pods", "-n", namespace, check=False)
    assert (allowed.returncode, allowed.stdout.strip()) == (0, "yes")
    denied = kubectl.run("auth", "can-i", "delete", "pods", "-n", namespace, check=False)
    assert (denied.returncode, denied.stdout.strip()) == (1, "no")
    assert kubectl("auth", "can-i", "get", "/api").strip() == "yes"  # discovery, for everyone authenticated
    headers = {"Authorization": f"Bearer {token}"}
    url = kube.access.server_url + "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    empty = requests.post(url, json={"spec": {}}, headers=headers, verify=kube.ca_cert, timeout=10)
    assert empty.status_code == 422 and empty.json()["message"] == (
        'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Required value: exactly '
        "one of nonResourceAttributes or resourceAttributes must be specified"
    )


def test_view_and_edit_and_their_aggregation(
    core: k8s.CoreV1Api, rbac: k8s.RbacAuthorizationV1Api, kube: KubeCluster, namespace: str, unique: str
) -> None:
    token = account_token(core, namespace, "viewer")
    rbac.create_namespaced_role_binding(
        namespace, binding_manifest("RoleBinding", "view", ("ClusterRole", "view"), (namespace, "viewer"), namespace)
    )
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/pods").status_code == 200
    assert _call(kube, token, f"/apis/apps/v1/namespaces/{namespace}/deployments").status_code == 200
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/secrets").status_code == 403  # view reads no Secrets
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/configmaps", "POST").status_code == 403
    secret = f"/api/v1/namespaces/{namespace}/secrets/only-{unique}"
    assert _call(kube, token, secret).status_code == 403
    labels = {"rbac.authorization.k8s.io/aggregate-to-view": "true"}
    rules = [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [f"only-{unique}"], "verbs": ["get"]}]
    extra = role_manifest("ClusterRole", f"extra-{unique}", rules)
    rbac.create_cluster_role({**extra, "metadata": {**extra["metadata"], "labels": labels}})
    eventually(lambda: _call(kube, token, secret).status_code == 404)  # aggregated into view: allowed, absent
    assert any(rule.resource_names == [f"only-{unique}"] for rule in rbac.read_cluster_role("view").rules)
    rbac.delete_cluster_role(f"extra-{unique}")
    eventually(lambda: _call(kube, token, secret).status_code == 403)  # and taken out again
    rbac.create_namespaced_role_binding(
        namespace, binding_manifest("RoleBinding", "edit", ("ClusterRole", "edit"), (namespace, "viewer"), namespace)
    )
    assert _call(kube, token, f"/api/v1/namespaces/{namespace}/secrets").status_code == 200
