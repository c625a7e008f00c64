"""RBAC escalation prevention: a service account grants, through Roles and bindings, only what it holds itself.

Covers: an account that may create RoleBindings cannot bind cluster-admin to itself (403 with the apiserver's
text, through the kubernetes client and through `kubectl create rolebinding`) and still cannot read Secrets; one
that may create Roles cannot create a `*`-everything Role, nor patch, replace or server-side apply Secrets access
into one, but may grant what it holds; `escalate` lifts the check for Roles; `bind` limited to one ClusterRole by
name lifts it for that role only; a holder may bind a role it holds; a binding to a missing role is that role's
404; an update touching only finalizers is not checked; a ClusterRoleBinding to cluster-admin is refused alike; a
ClusterRole's aggregationRule needs cluster-admin, which the local accounts have; the refusal names the roles
bound to the author that cannot be found.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from tests.kube.conftest import KubeCluster, Kubectl, write_kubeconfig
from tests.kube.rbac_objects import account_client, account_token, binding_manifest, role_manifest

GROUP = "rbac.authorization.k8s.io"
EVERYTHING = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
SECRETS = [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]
CONFIGMAPS = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]
ALL_RESOURCES = '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}'
ALL_URLS = '{NonResourceURLs:["*"], Verbs:["*"]}'


def _may(resource: str, *verbs: str, names: tuple[str, ...] = ()) -> dict[str, Any]:
    rule = {"apiGroups": [GROUP], "resources": [resource], "verbs": list(verbs)}
    return {**rule, "resourceNames": list(names)} if names else rule


def _forbidden(resource: str, name: str, namespace: str, account: str, *missing: str) -> str:
    """The registry's refusal: ConfirmNoEscalation's text in errors.NewForbidden."""
    groups = f'["system:serviceaccounts" "system:serviceaccounts:{namespace}" "system:authenticated"]'
    user = f'user "system:serviceaccount:{namespace}:{account}" (groups={groups})'
    not_held = "is attempting to grant RBAC permissions not currently held:\n" + "\n".join(missing)
    return f'{resource}.{GROUP} "{name}" is forbidden: {user} {not_held}'


def _refusal(call: Callable[..., Any], *args: Any) -> dict[str, Any]:
    with pytest.raises(ApiException) as raised:
        call(*args)
    assert raised.value.status == 403, raised.value.body
    body: dict[str, Any] = json.loads(raised.value.body)
    return body


class Account:
    """A service account granted ``rules`` in its namespace by the cluster admin, with clients acting as it."""

    def __init__(self, kube: KubeCluster, admin: k8s.ApiClient, namespace: str, name: str, rules: list[Any]) -> None:
        self.namespace, self.name = namespace, name
        self.token = account_token(k8s.CoreV1Api(admin), namespace, name)
        granting = k8s.RbacAuthorizationV1Api(admin)
        granting.create_namespaced_role(namespace, role_manifest("Role", name, rules, namespace))
        binding = binding_manifest("RoleBinding", name, ("Role", name), (namespace, name), namespace)
        granting.create_namespaced_role_binding(namespace, binding)
        self.client = account_client(kube, self.token, kube.kubeconfig.parent / f"{namespace}-{name}")
        self.rbac, self.core = k8s.RbacAuthorizationV1Api(self.client), k8s.CoreV1Api(self.client)

    def kubectl(self, kube: KubeCluster, directory: Path) -> Kubectl:
        return Kubectl(write_kubeconfig(directory / "kubeconfig", kube.access, kube.ca_cert, self.token), directory)

    def binding(self, name: str, role: tuple[str, str]) -> Any:
        """A RoleBinding in the account's namespace of ``role`` to the account itself."""
        return binding_manifest("RoleBinding", name, role, (self.namespace, self.name), self.namespace)


@pytest.fixture
def account(kube: KubeCluster, api_client: k8s.ApiClient, namespace: str) -> Iterator[Callable[..., Account]]:
    """``account(name, rules)``: a new Account in the test's namespace."""
    made: list[Account] = []

    def make(name: str, rules: list[Any]) -> Account:
        made.append(Account(kube, api_client, namespace, name, rules))
        return made[-1]

    yield make
    for each in made:
        each.client.close()


@pytest.fixture
def admin(api_client: k8s.ApiClient) -> k8s.RbacAuthorizationV1Api:
    return k8s.RbacAuthorizationV1Api(api_client)


def test_binding_cluster_admin_is_refused(account: Callable[..., Account], namespace: str) -> None:
    binder = account("binder", [_may("rolebindings", "create")])
    grab = binder.binding("grab", ("ClusterRole", "cluster-admin"))
    assert _refusal(binder.rbac.create_namespaced_role_binding, namespace, grab) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": _forbidden("rolebindings", "grab", namespace, "binder", ALL_RESOURCES, ALL_URLS),
        "reason": "Forbidden",
        "details": {"name": "grab", "group": GROUP, "kind": "rolebindings"},
        "code": 403,
    }
    secrets = _refusal(binder.core.list_namespaced_secret, namespace)["message"]
    assert secrets.startswith(f'secrets is forbidden: User "system:serviceaccount:{namespace}:binder" cannot list')


def test_kubectl_create_rolebinding_is_refused(
    account: Callable[..., Account], kube: KubeCluster, namespace: str, tmp_path: Path
) -> None:
    kubectl = account("binder", [_may("rolebindings", "create")]).kubectl(kube, tmp_path)
    subject = f"--serviceaccount={namespace}:binder"
    created = kubectl.run(
        "create", "rolebinding", "grab", "--clusterrole=cluster-admin", subject, "-n", namespace, check=False
    )
    refusal = _forbidden("rolebindings", "grab", namespace, "binder", ALL_RESOURCES, ALL_URLS)
    assert created.returncode == 1 and created.stderr == f"error: failed to create rolebinding: {refusal}\n"
    secrets = kubectl.run("get", "secrets", "-n", namespace, check=False)
    assert secrets.returncode == 1 and 'cannot list resource "secrets"' in secrets.stderr


def test_a_role_may_grant_only_what_its_author_holds(account: Callable[..., Account], namespace: str) -> None:
    roler = account("roler", [_may("roles", "create", "get", "update", "patch"), *CONFIGMAPS])
    everything = role_manifest("Role", "all", EVERYTHING, namespace)
    refusal = _refusal(roler.rbac.create_namespaced_role, namespace, everything)
    assert refusal["message"] == _forbidden("roles", "all", namespace, "roler", ALL_RESOURCES)
    assert refusal["details"] == {"name": "all", "group": GROUP, "kind": "roles"}
    roler.rbac.create_namespaced_role(namespace, role_manifest("Role", "cm", CONFIGMAPS, namespace))  # held
    patch = {"rules": CONFIGMAPS + SECRETS}
    secrets = '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'
    assert _refusal(roler.rbac.patch_namespaced_role, "cm", namespace, patch)["message"] == (
        _forbidden("roles", "cm", namespace, "roler", secrets)
    )
    replaced = roler.rbac.read_namespaced_role("cm", namespace)
    replaced.rules = [k8s.V1PolicyRule(api_groups=[""], resources=["secrets"], verbs=["get", "list"])]
    refusal = _refusal(roler.rbac.replace_namespaced_role, "cm", namespace, replaced)
    read_secrets = '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}'
    assert refusal["message"] == _forbidden("roles", "cm", namespace, "roler", read_secrets)
    assert roler.rbac.read_namespaced_role("cm", namespace).rules[0].resources == ["configmaps"]  # unchanged


def test_server_side_apply_is_checked(
    account: Callable[..., Account], kube: KubeCluster, namespace: str, tmp_path: Path
) -> None:
    kubectl = account("roler", [_may("roles", "create", "get", "patch")]).kubectl(kube, tmp_path)
    manifest = json.dumps(role_manifest("Role", "applied", SECRETS, namespace))
    applied = kubectl.run("apply", "--server-side", "-f", "-", stdin=manifest, check=False)
    secrets = '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'
    assert applied.returncode == 1
    assert _forbidden("roles", "applied", namespace, "roler", secrets) in applied.stderr, applied.stderr


def test_escalate_lifts_the_check_for_roles(account: Callable[..., Account], namespace: str) -> None:
    escalator = account("escalator", [_may("roles", "create", "patch", "escalate")])
    created = escalator.rbac.create_namespaced_role(namespace, role_manifest("Role", "all", EVERYTHING, namespace))
    assert created.rules[0].verbs == ["*"]
    assert len(escalator.rbac.patch_namespaced_role("all", namespace, {"rules": EVERYTHING + SECRETS}).rules) == 2


def test_bind_on_one_cluster_role(
    account: Callable[..., Account], admin: k8s.RbacAuthorizationV1Api, namespace: str
) -> None:
    binder = account("binder", [_may("rolebindings", "create"), _may("clusterroles", "bind", names=("view",))])
    view = binder.binding("view", ("ClusterRole", "view"))
    assert binder.rbac.create_namespaced_role_binding(namespace, view).role_ref.name == "view"
    refusal = _refusal(
        binder.rbac.create_namespaced_role_binding, namespace, binder.binding("edit", ("ClusterRole", "edit"))
    )
    assert refusal["message"].startswith(_forbidden("rolebindings", "edit", namespace, "binder"))
    secret_verbs = '"get" "list" "watch" "create" "delete" "deletecollection" "patch" "update"'
    edit_secrets = f'{{APIGroups:[""], Resources:["secrets"], Verbs:[{secret_verbs}]}}'
    assert f"\n{edit_secrets}\n" in refusal["message"]
    admin.create_namespaced_role(namespace, role_manifest("Role", "secrets", SECRETS, namespace))
    to_secrets = binder.binding("secrets", ("Role", "secrets"))  # bind is on the view ClusterRole only
    refusal = _refusal(binder.rbac.create_namespaced_role_binding, namespace, to_secrets)
    secrets = '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'
    assert refusal["message"] == _forbidden("rolebindings", "secrets", namespace, "binder", secrets)
    assert _refusal(binder.core.list_namespaced_secret, namespace)["reason"] == "Forbidden"  # view reads no Secrets


def test_a_holder_may_bind_what_it_holds(account: Callable[..., Account], namespace: str) -> None:
    holder = account("holder", [_may("rolebindings", "create"), *CONFIGMAPS])
    again = holder.binding("again", ("Role", "holder"))
    assert holder.rbac.create_namespaced_role_binding(namespace, again).role_ref.name == "holder"
    with pytest.raises(ApiException) as raised:
        holder.rbac.create_namespaced_role_binding(namespace, holder.binding("nope", ("Role", "nope")))
    assert raised.value.status == 404
    assert json.loads(raised.value.body)["message"] == 'roles.rbac.authorization.k8s.io "nope" not found'


def test_finalizers_alone_are_not_checked(
    account: Callable[..., Account], admin: k8s.RbacAuthorizationV1Api, namespace: str
) -> None:
    finalizer = account("finalizer", [_may("roles", "patch")])
    admin.create_namespaced_role(namespace, role_manifest("Role", "all", EVERYTHING, namespace))
    kept = {"metadata": {"finalizers": ["example.com/keep"]}}
    assert finalizer.rbac.patch_namespaced_role("all", namespace, kept).metadata.finalizers == ["example.com/keep"]
    released = finalizer.rbac.patch_namespaced_role("all", namespace, {"metadata": {"finalizers": None}})
    assert released.metadata.finalizers is None
    labelled = {"metadata": {"labels": {"a": "b"}}}
    refusal = _refusal(finalizer.rbac.patch_namespaced_role, "all", namespace, labelled)
    assert refusal["message"] == _forbidden("roles", "all", namespace, "finalizer", ALL_RESOURCES)


def test_cluster_wide_writes_and_the_aggregation_rule(
    kube: KubeCluster, api_client: k8s.ApiClient, admin: k8s.RbacAuthorizationV1Api, namespace: str, unique: str
) -> None:
    token = account_token(k8s.CoreV1Api(api_client), namespace, "creator")
    creator = ("ClusterRole", f"create-{unique}")
    rules = [_may("clusterroles", "create"), _may("clusterrolebindings", "create")]
    admin.create_cluster_role(role_manifest(*creator, rules))
    admin.create_cluster_role_binding(
        binding_manifest("ClusterRoleBinding", f"create-{unique}", creator, (namespace, "creator"))
    )
    grab = binding_manifest("ClusterRoleBinding", f"grab-{unique}", ("ClusterRole", "cluster-admin"), (namespace, "x"))
    aggregated = role_manifest("ClusterRole", f"agg-{unique}", [])
    aggregated["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {f"agg-{unique}": "true"}}]}
    client = account_client(kube, token, kube.kubeconfig.parent / f"{namespace}-creator")
    try:
        acting = k8s.RbacAuthorizationV1Api(client)
        refused_binding = _refusal(acting.create_cluster_role_binding, grab)
        refused_role = _refusal(acting.create_cluster_role, aggregated)
    finally:
        client.close()
    assert refused_binding["message"] == _forbidden(
        "clusterrolebindings", f"grab-{unique}", namespace, "creator", ALL_RESOURCES, ALL_URLS
    )
    assert refused_role["message"] == (
        f'clusterroles.{GROUP} "agg-{unique}" is forbidden: must have cluster-admin privileges to use the '
        "aggregationRule"
    )
    assert admin.create_cluster_role(aggregated).aggregation_rule is not None  # the local accounts bypass


def test_roles_that_cannot_be_found_are_named(
    account: Callable[..., Account], admin: k8s.RbacAuthorizationV1Api, namespace: str
) -> None:
    roler = account("roler", [_may("roles", "create")])
    admin.create_namespaced_role_binding(namespace, roler.binding("gone", ("Role", "gone")))
    refusal = _refusal(roler.rbac.create_namespaced_role, namespace, role_manifest("Role", "s", SECRETS, namespace))
    secrets = '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'
    resolution = '; resolution errors: [roles.rbac.authorization.k8s.io "gone" not found]'
    assert refusal["message"] == _forbidden("roles", "s", namespace, "roler", secrets) + resolution
