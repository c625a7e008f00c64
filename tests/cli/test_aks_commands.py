"""`podid aks show|update` and aks-preview's `podid aks pod-identity add|delete|list|exception …` on the sandbox:
the tutorial's three podIdentityProfile states field by field, Managed Identity Operator granted to the cluster
identity over the pod identity, exceptions, and aks-preview's errors (add-on not enabled, kubenet without
consent, unknown identity, missing namespace, unknown exception), each as one line with a non-zero exit."""

from __future__ import annotations

from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.containerservice.models import ManagedCluster
from azure.mgmt.resource.features import FeatureClient

from podid.sandbox import Endpoints
from tests.cli.conftest import PodidRunner
from tests.conftest import mgmt_client

PROFILE_QUERY = "{podIdentityProfile:podIdentityProfile}"
MANAGED_IDENTITY_OPERATOR = "f1a07417-d97a-45cb-824c-7a7467783830"


@pytest.fixture(scope="module", autouse=True)
def preview_feature(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> None:
    """`az feature register --namespace Microsoft.ContainerService --name EnablePodIdentityPreview`."""
    features = mgmt_client(FeatureClient, endpoints, operator_credential)
    features.features.register("Microsoft.ContainerService", "EnablePodIdentityPreview")
    features.features.get("Microsoft.ContainerService", "EnablePodIdentityPreview")


def create_cluster(endpoints: Endpoints, credential: Any, group: str, plugin: str = "azure") -> str:
    pool = {
        "name": "nodepool1",
        "count": 1,
        "vmSize": "Standard_DS2_v2",
        "mode": "System",
        "osType": "Linux",
        "type": "VirtualMachineScaleSets",
    }
    body = {
        "location": "westus2",
        "identity": {"type": "SystemAssigned"},
        "properties": {"dnsPrefix": group, "agentPoolProfiles": [pool], "networkProfile": {"networkPlugin": plugin}},
    }
    aks = mgmt_client(ContainerServiceClient, endpoints, credential)
    aks.managed_clusters.begin_create_or_update(group, "aks1", ManagedCluster(body)).result()
    return "aks1"


@pytest.fixture
def cluster(podid: PodidRunner, endpoints: Endpoints, operator_credential: ClientSecretCredential, unique: str) -> str:
    podid("group", "create", "-n", unique, "-l", "westus2")
    return create_cluster(endpoints, operator_credential, unique)


def identity(podid: PodidRunner, group: str, name: str = "application-identity") -> dict[str, str]:
    return dict(podid("identity", "create", "-g", group, "-n", name).json)


def test_the_tutorials_three_pod_identity_profile_states(podid: PodidRunner, unique: str, cluster: str) -> None:
    show = ("aks", "show", "-g", unique, "-n", cluster, "--query", PROFILE_QUERY)
    assert podid(*show).json == {"podIdentityProfile": None}

    assert podid("aks", "update", "-g", unique, "-n", cluster, "--enable-pod-identity", "-o", "none").code == 0
    assert podid(*show).json == {
        "podIdentityProfile": {
            "allowNetworkPluginKubenet": None,
            "enabled": True,
            "userAssignedIdentities": None,
            "userAssignedIdentityExceptions": None,
        }
    }

    bound = identity(podid, unique)
    added = podid(
        "aks", "pod-identity", "add", "--resource-group", unique, "--cluster-name", cluster,
        "--namespace", "my-app", "--name", "my-pod-identity", "--identity-resource-id", bound["id"], "-o", "none",
    )  # fmt: skip
    assert added.code == 0, added.err
    profile = podid(*show).json["podIdentityProfile"]
    assert profile["allowNetworkPluginKubenet"] is None and profile["enabled"] is True
    assert profile["userAssignedIdentityExceptions"] is None
    [entry] = profile["userAssignedIdentities"]
    assert entry == {
        "bindingSelector": None,
        "identity": {
            "clientId": bound["clientId"],
            "objectId": bound["principalId"],
            "resourceId": entry["identity"]["resourceId"],
        },
        "name": "my-pod-identity",
        "namespace": "my-app",
        "provisioningInfo": None,
        "provisioningState": "Assigned",
    }
    assert entry["identity"]["resourceId"].lower() == bound["id"].lower()


def test_add_grants_managed_identity_operator_to_the_cluster_identity(
    podid: PodidRunner, endpoints: Endpoints, operator_credential: ClientSecretCredential, unique: str, cluster: str
) -> None:
    podid("aks", "update", "-g", unique, "-n", cluster, "--enable-pod-identity", "-o", "none")
    bound = identity(podid, unique)
    add = (
        "aks",
        "pod-identity",
        "add",
        "-g",
        unique,
        "--cluster-name",
        cluster,
        "--namespace",
        "ns1",
        "--identity-resource-id",
        bound["id"],
    )
    assert podid(*add, "--name", "one", "-o", "none").code == 0
    assert podid(*add, "--name", "two", "-o", "none").code == 0  # the grant exists: no second assignment
    cluster_principal = podid(
        "aks", "show", "-g", unique, "-n", cluster, "--query", "identity.principalId", "-o", "tsv"
    ).out.strip()
    authorization = mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)
    grants = [
        item
        for item in authorization.role_assignments.list_for_scope(
            bound["id"], filter=f"atScope() and assignedTo('{cluster_principal}')"
        )
        if item.role_definition_id.lower().endswith(MANAGED_IDENTITY_OPERATOR)
    ]
    assert len(grants) == 1 and grants[0].scope.lower() == bound["id"].lower()
    listed = podid(
        "aks",
        "pod-identity",
        "list",
        "-g",
        unique,
        "--cluster-name",
        cluster,
        "--query",
        "podIdentityProfile.userAssignedIdentities[].name",
    )
    assert listed.json == ["one", "two"]
    assert (
        podid(
            "aks",
            "pod-identity",
            "delete",
            "-g",
            unique,
            "--cluster-name",
            cluster,
            "--namespace",
            "ns1",
            "--name",
            "one",
            "-o",
            "none",
        ).code
        == 0
    )
    listed = podid(
        "aks",
        "pod-identity",
        "list",
        "-g",
        unique,
        "--cluster-name",
        cluster,
        "--query",
        "podIdentityProfile.userAssignedIdentities[].name",
    )
    assert listed.json == ["two"]


def test_exceptions_add_update_delete(podid: PodidRunner, unique: str, cluster: str) -> None:
    podid("aks", "update", "-g", unique, "-n", cluster, "--enable-pod-identity", "-o", "none")
    base = ("-g", unique, "--cluster-name", cluster, "--namespace", "kube-system", "--name", "probe")
    assert podid("aks", "pod-identity", "exception", "add", *base, "--pod-labels", "app=probe", "-o", "none").code == 0
    assert (
        podid(
            "aks", "pod-identity", "exception", "update", *base, "--pod-labels", "app=other", "tier=x", "-o", "none"
        ).code
        == 0
    )
    query = "podIdentityProfile.userAssignedIdentityExceptions"
    listed = podid(
        "aks", "pod-identity", "exception", "list", "-g", unique, "--cluster-name", cluster, "--query", query
    )
    assert listed.json == [{"name": "probe", "namespace": "kube-system", "podLabels": {"app": "other", "tier": "x"}}]
    assert podid("aks", "pod-identity", "exception", "delete", *base, "-o", "none").code == 0
    missing = podid("aks", "pod-identity", "exception", "update", *base, "--pod-labels", "a=b")
    assert (missing.code, missing.err) == (1, "ERROR: pod identity exception kube-system/probe not found\n")


def test_adding_before_the_addon_is_enabled_is_refused(podid: PodidRunner, unique: str, cluster: str) -> None:
    bound = identity(podid, unique)
    refused = podid(
        "aks",
        "pod-identity",
        "add",
        "-g",
        unique,
        "--cluster-name",
        cluster,
        "--namespace",
        "ns",
        "--name",
        "n",
        "--identity-resource-id",
        bound["id"],
    )
    assert refused.code == 1
    assert refused.err == (
        "ERROR: The pod identity addon is not enabled for this managed cluster yet. "
        'To enable, run "az aks update --enable-pod-identity\n'
    )


def test_unknown_identity_and_missing_namespace(podid: PodidRunner, unique: str, cluster: str) -> None:
    podid("aks", "update", "-g", unique, "-n", cluster, "--enable-pod-identity", "-o", "none")
    bound = identity(podid, unique)
    missing = bound["id"].rsplit("/", 1)[0] + "/nobody"
    unknown = podid(
        "aks",
        "pod-identity",
        "add",
        "-g",
        unique,
        "--cluster-name",
        cluster,
        "--namespace",
        "ns",
        "--name",
        "n",
        "--identity-resource-id",
        missing,
    )
    assert (unknown.code, unknown.err) == (3, f"ERROR: Identity {missing} not found.\n")
    unparsable = podid(
        "aks",
        "pod-identity",
        "add",
        "-g",
        unique,
        "--cluster-name",
        cluster,
        "--namespace",
        "ns",
        "--identity-resource-id",
        "/nope",
    )
    assert unparsable.err == "ERROR: Cannot parse identity name from provided resource id /nope.\n"
    no_namespace = podid(
        "aks",
        "pod-identity",
        "add",
        "-g",
        unique,
        "--cluster-name",
        cluster,
        "--name",
        "n",
        "--identity-resource-id",
        bound["id"],
    )
    assert (no_namespace.code, no_namespace.err) == (1, "ERROR: --namespace is required\n")


def test_kubenet_needs_the_kubenet_flag(
    podid: PodidRunner, endpoints: Endpoints, operator_credential: ClientSecretCredential, unique: str
) -> None:
    podid("group", "create", "-n", unique, "-l", "westus2")
    kubenet = create_cluster(endpoints, operator_credential, unique, plugin="kubenet")
    refused = podid("aks", "update", "-g", unique, "-n", kubenet, "--enable-pod-identity")
    assert refused.code == 1
    assert refused.err == (
        "ERROR: --enable-pod-identity-with-kubenet is required for enabling pod identity addon "
        "when using Kubenet network plugin\n"
    )
    allowed = podid(
        "aks", "update", "-g", unique, "-n", kubenet, "--enable-pod-identity", "--enable-pod-identity-with-kubenet",
        "--query", "podIdentityProfile.allowNetworkPluginKubenet",
    )  # fmt: skip
    assert allowed.code == 0 and allowed.json is True
