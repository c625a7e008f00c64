"""coordination.k8s.io/v1 Leases, as an AKS cluster holds them, through the kubernetes client and kubectl.

Each node's kubelet holds a Lease named after the node in ``kube-node-lease`` (holder the node, 40 s, renewed
every 10 s, owned by the Node so it goes with it); kube-controller-manager and kube-scheduler hold their
leader-election Leases in ``kube-system``. ``kubectl describe node`` shows the node's Lease block and ``kubectl get
leases`` lists them with NAME, HOLDER and AGE; the lease strategy's validation and RBAC answer as the apiserver's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from podid.sandbox import Endpoints, Sandbox
from tests.kube.conftest import (
    VERSIONED_KUBECTL,
    KubeCluster,
    Kubectl,
    cluster_client,
    eventually,
    new_cluster,
    node_specs,
    write_kubeconfig,
)
from tests.kube.rbac_objects import account_token
from tests.kube.test_client import cluster_writes

NODE_LEASES = "kube-node-lease"


@pytest.fixture(scope="module")
def leases_cluster(sandbox: Sandbox, endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> KubeCluster:
    return new_cluster(sandbox, endpoints, tmp_path_factory.mktemp("leases"), "leases", "1.33.3", nodes=2)


@pytest.fixture(scope="module")
def client(leases_cluster: KubeCluster) -> Iterator[k8s.ApiClient]:
    with cluster_client(leases_cluster) as api_client:
        yield api_client


@pytest.fixture(scope="module")
def coordination(client: k8s.ApiClient) -> k8s.CoordinationV1Api:
    return k8s.CoordinationV1Api(client)


def _node_leases(coordination: k8s.CoordinationV1Api, count: int) -> list[Any] | None:
    leases = coordination.list_namespaced_lease(NODE_LEASES).items
    return leases if len(leases) == count else None


def test_each_node_holds_its_lease(leases_cluster: KubeCluster, client: k8s.ApiClient) -> None:
    coordination, core = k8s.CoordinationV1Api(client), k8s.CoreV1Api(client)
    leases = eventually(lambda: _node_leases(coordination, 2), "the nodes' leases")
    nodes = {node.metadata.name: node.metadata.uid for node in core.list_node().items}
    assert [lease.metadata.name for lease in leases] == sorted(nodes)
    for lease in leases:
        name = lease.metadata.name
        assert (lease.spec.holder_identity, lease.spec.lease_duration_seconds) == (name, 40)
        assert (lease.spec.acquire_time, lease.spec.lease_transitions) == (None, None)
        assert lease.spec.renew_time is not None
        [owner] = lease.metadata.owner_references
        assert (owner.api_version, owner.kind, owner.name, owner.uid) == ("v1", "Node", name, nodes[name])


def test_the_leaders_hold_theirs(coordination: k8s.CoordinationV1Api) -> None:
    leases = eventually(lambda: coordination.list_namespaced_lease("kube-system").items, "the leader leases")
    assert [lease.metadata.name for lease in leases] == ["kube-controller-manager", "kube-scheduler"]
    for lease in leases:
        holder, _, identity = lease.spec.holder_identity.partition("_")
        assert holder.startswith(f"{lease.metadata.name}-") and len(identity) == 36
        assert (lease.spec.lease_duration_seconds, lease.spec.lease_transitions) == (15, 0)
        assert lease.spec.acquire_time is not None and lease.spec.renew_time is not None


def test_renewals_are_no_client_writes(
    leases_cluster: KubeCluster, coordination: k8s.CoordinationV1Api, endpoints: Endpoints
) -> None:
    [first, *_] = eventually(lambda: _node_leases(coordination, 2), "the nodes' leases")
    writes = cluster_writes(endpoints, leases_cluster.spec.cluster_id)

    def renewed() -> Any:
        lease = coordination.read_namespaced_lease(first.metadata.name, NODE_LEASES)
        return lease if lease.spec.renew_time > first.spec.renew_time else None

    lease = eventually(renewed, "a renewal", timeout=25)
    assert int(lease.metadata.resource_version) > int(first.metadata.resource_version)
    assert lease.spec.holder_identity == first.spec.holder_identity
    assert cluster_writes(endpoints, leases_cluster.spec.cluster_id) == writes


@pytest.mark.parametrize("binary", [VERSIONED_KUBECTL[0], VERSIONED_KUBECTL[-1]], ids=lambda p: p.name)
def test_kubectl_describe_node_and_get_leases(
    leases_cluster: KubeCluster, coordination: k8s.CoordinationV1Api, binary: Path, tmp_path: Path
) -> None:
    eventually(lambda: _node_leases(coordination, 2), "the nodes' leases")
    kubectl = Kubectl(leases_cluster.kubeconfig, tmp_path / "cache", str(binary))
    name = leases_cluster.spec.nodes[0].name
    described = kubectl("describe", "node", name)
    block = described.split("\nLease:\n", 1)[1].splitlines()[:3]
    assert [line.split(":", 1)[0].strip() for line in block] == ["HolderIdentity", "AcquireTime", "RenewTime"]
    assert block[0].split() == ["HolderIdentity:", name]
    assert block[1].split() == ["AcquireTime:", "<unset>"]
    assert block[2].split()[-1] == "+0000"  # time.RFC1123Z
    assert "Failed to get lease" not in described

    lines = kubectl("get", "leases", "-A").splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "HOLDER", "AGE"]
    rows = [line.split() for line in lines[1:]]
    assert [row[:2] for row in rows] == [["kube-node-lease", node.name] for node in leases_cluster.spec.nodes[:2]] + [
        ["kube-system", "kube-controller-manager"],
        ["kube-system", "kube-scheduler"],
    ]
    assert [row[2] for row in rows[:2]] == [node.name for node in leases_cluster.spec.nodes[:2]]


def test_a_lease_is_validated(coordination: k8s.CoordinationV1Api) -> None:
    body = {"metadata": {"name": "bad"}, "spec": {"leaseDurationSeconds": 0, "leaseTransitions": -1}}
    with pytest.raises(ApiException) as raised:
        coordination.create_namespaced_lease("default", body)
    assert raised.value.status == 422
    message = (
        'Lease.coordination.k8s.io "bad" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be greater '
        "than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]"
    )
    assert json.loads(raised.value.body)["message"] == message

    # strategy and preferredHolder are dropped while CoordinatedLeaderElection is off
    spec = {"holderIdentity": "me", "strategy": "OldestEmulationVersion", "preferredHolder": "you"}
    created = coordination.create_namespaced_lease("default", {"metadata": {"name": "mine"}, "spec": spec})
    assert (created.spec.holder_identity, created.spec.strategy, created.spec.preferred_holder) == ("me", None, None)
    coordination.delete_namespaced_lease("mine", "default")


@pytest.fixture
def kubectl_for(leases_cluster: KubeCluster, tmp_path: Path) -> Kubectl:
    return Kubectl(leases_cluster.kubeconfig, tmp_path / "cache")


def test_kubectl_applies_a_lease(kubectl_for: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "lease.yaml"
    manifest.write_text(
        "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: lock, namespace: default}\n"
        "spec: {holderIdentity: worker-1, leaseDurationSeconds: 30}\n"
    )
    assert kubectl_for("apply", "-f", str(manifest)).strip() == "lease.coordination.k8s.io/lock created"
    assert kubectl_for("get", "lease", "lock", "-o", "jsonpath={.spec.holderIdentity}") == "worker-1"
    assert 'lease.coordination.k8s.io "lock" deleted' in kubectl_for("delete", "lease", "lock")


def test_an_account_without_a_role_is_forbidden(
    leases_cluster: KubeCluster, client: k8s.ApiClient, tmp_path: Path
) -> None:
    core, rbac = k8s.CoreV1Api(client), k8s.RbacAuthorizationV1Api(client)
    core.create_namespace({"metadata": {"name": "leaseless"}})
    token = account_token(core, "leaseless", "nobody")
    config = write_kubeconfig(tmp_path / "config", leases_cluster.access, leases_cluster.ca_cert, token)
    denied = Kubectl(config, tmp_path / "cache").run("get", "leases", "-n", NODE_LEASES, check=False)
    user = "system:serviceaccount:leaseless:nobody"
    assert denied.stderr.strip() == (
        f'Error from server (Forbidden): leases.coordination.k8s.io is forbidden: User "{user}" cannot list resource '
        f'"leases" in API group "coordination.k8s.io" in the namespace "{NODE_LEASES}"'
    )
    [rule] = rbac.read_cluster_role("system:node").rules
    assert (rule.api_groups, rule.resources) == (["coordination.k8s.io"], ["leases"])
    assert rbac.read_cluster_role_binding("system:node").subjects is None


def test_leases_follow_the_node_pool(
    sandbox: Sandbox, leases_cluster: KubeCluster, coordination: k8s.CoordinationV1Api
) -> None:
    assert sandbox.cloud is not None
    spec = leases_cluster.spec
    three = node_specs(spec.cluster_id.split("/")[2], "MC_rg-leases_leases_westus2", count=3)
    sandbox.cloud.kube.ensure_cluster(replace(spec, nodes=three))
    leases = eventually(lambda: _node_leases(coordination, 3), "the new node's lease")
    assert leases[2].spec.holder_identity == three[2].name
    sandbox.cloud.kube.ensure_cluster(spec)
    assert [lease.metadata.name for lease in eventually(lambda: _node_leases(coordination, 2), "a lease gone")] == [
        node.name for node in spec.nodes
    ]
