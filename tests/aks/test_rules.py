"""The pure rules behind AKS and compute, tested directly.

Covers: the scale-set identity PATCH plan (as Azure documents it for api-version 2018-06-01 and later: {}
attaches, null detaches, unsent ids stay, type drops kinds, refusals); the update merge (omitted values kept,
server-owned values restored, immutable changes refused); network defaults per plugin; version resolution and
upgrades; the kubeconfig.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import yaml

from podid.sandbox.arm.compute._identity import IdentityPlan, ScaleSetIdentity, plan
from podid.sandbox.arm.containerservice import _merge, _profiles, _versions
from podid.sandbox.arm.containerservice._kubeconfig import kubeconfig
from podid.sandbox.arm.errors import ArmError

KUBELET, APP = "/sub/rg/ids/kubelet", "/sub/rg/ids/App"


def _identity(*user: str, system: bool = False) -> ScaleSetIdentity:
    return ScaleSetIdentity("sp-1" if system else None, {key: {"principalId": "p", "clientId": "c"} for key in user})


@pytest.mark.parametrize(
    ("current", "patch", "expected"),
    [
        (
            _identity(KUBELET),
            {"type": "UserAssigned", "userAssignedIdentities": {APP: {}}},
            IdentityPlan(False, [APP], []),
        ),
        (
            _identity(KUBELET, APP),
            {"type": "UserAssigned", "userAssignedIdentities": {APP.lower(): None}},
            IdentityPlan(False, [], [APP]),
        ),
        (_identity(KUBELET, APP), {"userAssignedIdentities": {APP.lower(): {}}}, IdentityPlan(False, [], [])),
        (_identity(KUBELET), {"type": "SystemAssigned, UserAssigned"}, IdentityPlan(True, [], [])),
        (_identity(KUBELET, system=True), {"type": "UserAssigned"}, IdentityPlan(False, [], [])),
        (_identity(KUBELET, system=True), {"type": "SystemAssigned"}, IdentityPlan(True, [], [KUBELET])),
        (_identity(KUBELET, APP, system=True), {"type": "None"}, IdentityPlan(False, [], [KUBELET, APP])),
        (_identity(), {"userAssignedIdentities": {APP: {}}}, IdentityPlan(False, [APP], [])),
    ],
)
def test_identity_patch_plan(current: ScaleSetIdentity, patch: dict[str, Any], expected: IdentityPlan) -> None:
    assert plan(current, patch) == expected


@pytest.mark.parametrize(
    "patch",
    [
        {"type": "Bogus"},
        {"type": "SystemAssigned", "userAssignedIdentities": {APP: {}}},
        {"type": "UserAssigned", "userAssignedIdentities": {KUBELET: None}},
        {"userAssignedIdentities": ["not", "a", "map"]},
    ],
)
def test_identity_patch_refusals(patch: dict[str, Any]) -> None:
    with pytest.raises(ArmError) as raised:
        plan(_identity(KUBELET), patch)
    assert (raised.value.status, raised.value.code) == (400, "InvalidParameter")


def test_identity_type_names_both_kinds() -> None:
    assert _identity(KUBELET, system=True).type == "SystemAssigned, UserAssigned"
    assert _identity().type == "None"


STORED: dict[str, Any] = {
    "dnsPrefix": "aks1",
    "nodeResourceGroup": "MC_rg_aks1_westus2",
    "fqdn": "aks1-0a1b2c3d.hcp.westus2.azmk8s.io",
    "provisioningState": "Succeeded",
    "identityProfile": {"kubeletidentity": {"clientId": "kubelet"}},
    "networkProfile": {"networkPlugin": "azure", "serviceCidr": "10.0.0.0/16"},
    "agentPoolProfiles": [{"name": "nodepool1", "count": 3, "vmSize": "Standard_DS2_v2", "nodeImageVersion": "img"}],
    "podIdentityProfile": {"enabled": True},
}


def test_merge_keeps_omitted_and_server_owned_values() -> None:
    merged = _merge.merge(
        STORED,
        {
            "dnsPrefix": "aks1",
            "fqdn": "forged.example",
            "identityProfile": None,
            "agentPoolProfiles": [{"name": "nodepool1", "count": 5, "nodeImageVersion": "forged"}],
        },
    )
    assert merged["fqdn"] == STORED["fqdn"] and merged["identityProfile"] == STORED["identityProfile"]
    assert (
        merged["podIdentityProfile"] == {"enabled": True} and merged["nodeResourceGroup"] == STORED["nodeResourceGroup"]
    )
    [pool] = merged["agentPoolProfiles"]
    assert (pool["count"], pool["vmSize"], pool["nodeImageVersion"]) == (5, "Standard_DS2_v2", "img")


@pytest.mark.parametrize(
    ("requested", "prop"),
    [
        ({"dnsPrefix": "aks2"}, "dnsPrefix"),
        ({"nodeResourceGroup": "MC_other"}, "nodeResourceGroup"),
        ({"networkProfile": {"networkPlugin": "kubenet"}}, "networkProfile.networkPlugin"),
        ({"agentPoolProfiles": [{"name": "nodepool1", "vmSize": "Standard_D4s_v5"}]}, "agentPoolProfile.vmSize"),
    ],
)
def test_merge_refuses_immutable_changes(requested: dict[str, Any], prop: str) -> None:
    with pytest.raises(ArmError) as raised:
        _merge.merge(STORED, requested)
    assert raised.value.code == "PropertyChangeNotAllowed"
    assert raised.value.message == f"Changing property '{prop}' is not allowed."


@pytest.mark.parametrize(
    ("requested", "plugin", "pod_cidr", "max_pods"),
    [
        (None, "azure", "10.244.0.0/16", 250),
        ({"networkPlugin": "azure"}, "azure", None, 30),
        ({"networkPlugin": "Kubenet"}, "kubenet", "10.244.0.0/16", 110),
        ({"networkPlugin": "kubenet", "podCidr": "172.16.0.0/16"}, "kubenet", "172.16.0.0/16", 110),
    ],
)
def test_network_defaults(requested: dict[str, Any] | None, plugin: str, pod_cidr: str | None, max_pods: int) -> None:
    network = _profiles.network_profile(requested)
    assert (network["networkPlugin"], network.get("podCidr")) == (plugin, pod_cidr)
    assert (network["serviceCidr"], network["dnsServiceIP"], network["loadBalancerSku"]) == (
        "10.0.0.0/16",
        "10.0.0.10",
        "standard",
    )
    [pool] = _profiles.agent_pools([{"name": "nodepool1"}], network, "1.33", "1.33.3")
    assert (pool["maxPods"], pool["mode"], pool["count"]) == (max_pods, "System", 1)


def test_versions() -> None:
    assert _versions.resolve("1.32") == ("1.32", "1.32.7")
    assert _versions.resolve("1.32.6") == ("1.32.6", "1.32.6")
    assert _versions.resolve(None)[1].startswith(_versions.DEFAULT_MINOR)
    _versions.check_upgrade("1.32.7", "1.33.3")
    for current, requested in (("1.33.3", "1.32.7"), ("1.31.11", "1.33.3")):
        with pytest.raises(ArmError):
            _versions.check_upgrade(current, requested)


def test_kubeconfig_names_follow_aks() -> None:
    config = yaml.safe_load(
        kubeconfig(
            cluster="aks1", resource_group="rg", server="https://127.0.0.1:6443", ca_pem=b"PEM", token="t", admin=True
        )
    )
    assert (config["apiVersion"], config["kind"], config["current-context"]) == ("v1", "Config", "aks1-admin")
    assert config["clusters"][0] == {
        "cluster": {
            "certificate-authority-data": base64.b64encode(b"PEM").decode(),
            "server": "https://127.0.0.1:6443",
        },
        "name": "aks1",
    }
    assert config["users"] == [{"name": "clusterAdmin_rg_aks1", "user": {"token": "t"}}]
    assert config["contexts"] == [
        {"context": {"cluster": "aks1", "user": "clusterAdmin_rg_aks1"}, "name": "aks1-admin"}
    ]
