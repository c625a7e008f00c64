"""``kubectl auth can-i --list`` (SelfSubjectRulesReview), answered from the rules the authorizer itself uses.

Covers: a service account lists the rules of its Role in that namespace only, plus the discovery rules every
authenticated user holds; the local admin (system:masters) gets ``*.*`` and ``*`` first; the kubernetes client
reads the same review; a binding to a missing Role is an ``evaluationError`` while the other rules are still
listed; a review without a namespace is a 400; the review collection cannot be read (405 MethodNotAllowed); the
oldest and newest kubectl installed list rules too; ``kubectl auth whoami`` (SelfSubjectReview, v1 and v1beta1) names
the caller and its groups, for the admin and for a service account.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from kubernetes import client as k8s

from tests.kube.conftest import KUBECTL, VERSIONED_KUBECTL, KubeCluster, Kubectl, write_kubeconfig
from tests.kube.rbac_objects import account_client, account_token, binding_manifest, role_manifest

REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"


def rows(output: str) -> list[list[str]]:
    """kubectl's rows split on runs of two or more spaces (an empty first cell starts with spaces)."""
    return [
        re.split(r"\s{2,}", line.strip()) if line[:1] != " " else ["", *re.split(r"\s{2,}", line.strip())]
        for line in output.splitlines()[1:]
    ]


def test_a_service_account_lists_its_rules(
    api_client: k8s.ApiClient, core: k8s.CoreV1Api, kube: KubeCluster, namespace: str, tmp_path: Path
) -> None:
    rbac = k8s.RbacAuthorizationV1Api(api_client)
    token = account_token(core, namespace, "lister")
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"], "resourceNames": []}]
    rbac.create_namespaced_role(namespace, role_manifest("Role", "lister", rules, namespace))
    binding = binding_manifest("RoleBinding", "lister", ("Role", "lister"), (namespace, "lister"), namespace)
    rbac.create_namespaced_role_binding(namespace, binding)
    kubectl = Kubectl(write_kubeconfig(tmp_path / "lister", kube.access, kube.ca_cert, token=token), tmp_path / "c")

    listed = kubectl("auth", "can-i", "--list", "-n", namespace)
    assert listed.splitlines()[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    assert ["pods", "[]", "[]", "[get list]"] in rows(listed)
    assert ["selfsubjectrulesreviews.authorization.k8s.io", "[]", "[]", "[create]"] in rows(listed)
    assert ["", "[/api/*]", "[]", "[get]"] in rows(listed)
    elsewhere = kubectl("auth", "can-i", "--list", "-n", "default")
    assert not any(row[0] == "pods" for row in rows(elsewhere))

    with account_client(kube, token, tmp_path / "client") as client:
        review = k8s.AuthorizationV1Api(client).create_self_subject_rules_review({"spec": {"namespace": namespace}})
    assert review.status.incomplete is False and review.status.evaluation_error is None
    pods = [r for r in review.status.resource_rules if r.resources == ["pods"]]
    assert [(r.verbs, r.api_groups, r.resource_names) for r in pods] == [(["get", "list"], [""], None)]


def test_the_admin_may_do_everything(kubectl: Kubectl) -> None:
    listed = rows(kubectl("auth", "can-i", "--list"))
    assert listed[0] == ["*.*", "[]", "[]", "[*]"]
    assert ["", "[*]", "[]", "[*]"] in listed


def test_a_missing_role_is_an_evaluation_error(
    api_client: k8s.ApiClient, core: k8s.CoreV1Api, kube: KubeCluster, namespace: str, tmp_path: Path
) -> None:
    token = account_token(core, namespace, "orphan")
    binding = binding_manifest("RoleBinding", "ghost", ("Role", "ghost"), (namespace, "orphan"), namespace)
    k8s.RbacAuthorizationV1Api(api_client).create_namespaced_role_binding(namespace, binding)
    headers = {"Authorization": f"Bearer {token}"}

    def post(body: dict[str, object]) -> requests.Response:
        url = kube.access.server_url + REVIEWS
        return requests.post(url, json=body, headers=headers, verify=kube.ca_cert, timeout=10)

    answer = post({"spec": {"namespace": namespace}})
    assert answer.status_code == 201
    status = answer.json()["status"]
    assert status["incomplete"] is False
    assert status["evaluationError"] == 'roles.rbac.authorization.k8s.io "ghost" not found'
    assert {
        "verbs": ["create"],
        "apiGroups": ["authorization.k8s.io"],
        "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
    } in status["resourceRules"]
    no_namespace = post({"spec": {}})
    assert (no_namespace.status_code, no_namespace.json()["message"]) == (400, "no namespace on request")
    admin = {"Authorization": f"Bearer {kube.access.user_token}"}
    listed = requests.get(kube.access.server_url + REVIEWS, headers=admin, verify=kube.ca_cert, timeout=10)
    assert listed.status_code == 405 and listed.json()["reason"] == "MethodNotAllowed"


@pytest.mark.skipif(not VERSIONED_KUBECTL, reason="no versioned kubectl binaries beside the dispatcher")
@pytest.mark.parametrize("binary", VERSIONED_KUBECTL[:1] + VERSIONED_KUBECTL[-1:], ids=lambda p: p.name)
def test_oldest_and_newest_kubectl_list_rules(binary: Path, kube: KubeCluster, tmp_path: Path) -> None:
    kubectl = Kubectl(kube.kubeconfig, tmp_path / "cache", binary=str(binary))
    listed = rows(kubectl("auth", "can-i", "--list", "-n", "default"))
    assert listed[0] == ["*.*", "[]", "[]", "[*]"]


@pytest.mark.parametrize("binary", [KUBECTL, *map(str, VERSIONED_KUBECTL[:1] + VERSIONED_KUBECTL[-1:])])
def test_kubectl_auth_whoami(binary: str, kube: KubeCluster, tmp_path: Path) -> None:
    kubectl = Kubectl(kube.kubeconfig, tmp_path / "cache", binary=binary)
    lines = kubectl("auth", "whoami").splitlines()
    assert lines[0].split() == ["ATTRIBUTE", "VALUE"]
    assert lines[2].split(maxsplit=1) == ["Groups", "[system:masters system:authenticated]"]


def test_a_service_account_learns_who_it_is(core: k8s.CoreV1Api, kube: KubeCluster, namespace: str) -> None:
    token = account_token(core, namespace, "self")
    headers = {"Authorization": f"Bearer {token}"}
    url = kube.access.server_url + "/apis/authentication.k8s.io/v1/selfsubjectreviews"
    answer = requests.post(url, json={}, headers=headers, verify=kube.ca_cert, timeout=10)
    assert answer.status_code == 201
    assert answer.json() == {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "status": {
            "userInfo": {
                "username": f"system:serviceaccount:{namespace}:self",
                "groups": ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"],
            }
        },
    }
