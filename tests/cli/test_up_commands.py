"""`podid up | plan | status | verify | down` end to end on the session sandbox.

Covers: `up` prints its four parts (podIdentityProfile, role assignments, the DNS answer, the verdict) and the
hello name resolves at the sandbox's DNS server to the Service's address; a second `up` makes no ARM write and
touches no Kubernetes object; a role assignment deleted by hand is exactly what `plan` shows and `up` repairs;
`down --yes` leaves the subscription as it was, but for the preview feature, which stays registered; an
interrupted `up` is finished by the next one; `verify` fails with a precise finding for the tutorial's
anti-pattern (DNS Zone Contributor for the kubelet identity) and for external-dns pods without their label; bad
settings fail before any change; proxy variables do not apply to the local sandbox.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dns.message
import dns.query
import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.resource.features import FeatureClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.provision import rbac
from podid.provision.kube import Kube
from podid.sandbox import Endpoints
from tests.cli.conftest import PodidRunner
from tests.conftest import mgmt_client
from tests.provision.conftest import arm_writes, fresh_state, kube_writes, step_named, steps_until

DNS_ZONE_CONTRIBUTOR = rbac.BUILT_IN["DNS Zone Contributor"]


@pytest.fixture
def settings(unique: str, tmp_path: Path) -> list[str]:
    return [
        "--resource-group", unique, "--cluster-name", f"aks-{unique}", "--dns-domain", f"{unique}.internal",
        "--kubeconfig", str(tmp_path / "kubeconfig"),
    ]  # fmt: skip


@pytest.fixture
def authorization(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> AuthorizationManagementClient:
    return mgmt_client(AuthorizationManagementClient, endpoints, operator_credential)


def subscription_snapshot(endpoints: Endpoints, credential: ClientSecretCredential) -> dict[str, Any]:
    groups = mgmt_client(ResourceManagementClient, endpoints, credential)
    authorization = mgmt_client(AuthorizationManagementClient, endpoints, credential)
    features = mgmt_client(FeatureClient, endpoints, credential)
    feature = features.features.get("Microsoft.ContainerService", "EnablePodIdentityPreview").properties.state
    scope = f"/subscriptions/{endpoints.subscription_id}"
    return {
        "groups": sorted(group.name for group in groups.resource_groups.list()),
        "assignments": sorted(item.id.lower() for item in authorization.role_assignments.list_for_subscription()),
        "roles": sorted(
            item.name for item in authorization.role_definitions.list(scope, filter="type eq 'CustomRole'")
        ),
        # Azure has no way back to NotRegistered: an unregistered feature reads Unregistered
        "feature registered": feature == "Registered",
    }


def kube_snapshot(kubeconfig: Path, context: str) -> dict[str, str]:
    """What a write to the objects `up` manages would change: resourceVersion, Deployment generation, Pod uid."""
    kube, marks = Kube.from_file(kubeconfig, context), {}
    for kind, namespace, name in (
        ("Service", "default", "hello"),
        ("Deployment", "default", "hello"),
        ("ServiceAccount", "kube-addons", "external-dns"),
        ("Secret", "kube-addons", "azure-config-file"),
        ("Deployment", "kube-addons", "external-dns"),
        ("Pod", "my-app", "demo"),
    ):
        meta = (kube.get(kind, namespace, name) or {})["metadata"]
        mark = {"Deployment": "generation", "Pod": "uid"}.get(kind, "resourceVersion")
        marks[f"{kind} {namespace}/{name}"] = str(meta[mark])
    return marks


def resolve(endpoints: Endpoints, name: str) -> list[str]:
    response = dns.query.udp(dns.message.make_query(name, "A"), endpoints.dns_host, port=endpoints.dns_port, timeout=5)
    return sorted(str(item) for answer in response.answer for item in answer)


def test_up_twice_plan_repair_and_down(
    podid: PodidRunner,
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    authorization: AuthorizationManagementClient,
    settings: list[str],
    unique: str,
    tmp_path: Path,
) -> None:
    before = subscription_snapshot(endpoints, operator_credential)
    first = podid("up", *settings, "-o", "json")
    assert first.code == 0, first.err
    result = first.json
    [dns_entry, demo_entry] = sorted(result["podIdentityProfile"]["userAssignedIdentities"], key=lambda e: e["name"])
    assert (dns_entry["name"], dns_entry["namespace"], dns_entry["provisioningState"]) == (
        "external-dns",
        "kube-addons",
        "Assigned",
    )
    assert (demo_entry["name"], demo_entry["namespace"]) == ("my-pod-identity", "my-app")
    roles = {(row["Principal"], row["Role"]) for row in result["roleAssignments"]}
    assert (f"{unique}-internal-identity", "DNS Zone Contributor") in roles
    assert ("application-identity", "Virtual Machine Contributor") in roles
    assert result["verification"]["ok"] is True and result["verification"]["acted"] is True
    assert resolve(endpoints, f"hello.{unique}.internal") == result["dns"]["addresses"] == [result["dns"]["expected"]]

    mine = (endpoints, unique, f"aks-{unique}")  # this setup's groups: other setups keep writing in theirs
    writes, marks = arm_writes(*mine), kube_snapshot(tmp_path / "kubeconfig", f"aks-{unique}")
    kube_before = kube_writes(endpoints, unique)
    second = podid("up", *settings, "-o", "json")
    assert second.code == 0, second.err
    assert {step["outcome"] for step in second.json["steps"]} == {"unchanged"}
    assert second.json["verification"] == {**second.json["verification"], "ok": True, "acted": False}
    assert arm_writes(*mine) == writes
    assert kube_writes(endpoints, unique) == kube_before
    assert kube_snapshot(tmp_path / "kubeconfig", f"aks-{unique}") == marks

    state = fresh_state(endpoints, unique, tmp_path / "kubeconfig")
    design = state.design
    principal = str(state.clients.msi.user_assigned_identities.get(unique, design.dns.identity_name).principal_id)
    grant = rbac.find(authorization.role_assignments, design.zone_id, DNS_ZONE_CONTRIBUTOR, principal)
    assert grant is not None
    authorization.role_assignments.delete_by_id(grant.id)
    planned = podid("plan", *settings, "-o", "json").json
    changes = [
        (step["step"], change["action"], change["what"]) for step in planned["steps"] for change in step["changes"]
    ]
    assert planned["changes"] == 1
    assert changes == [("DNS identity", "create", f"role assignment DNS Zone Contributor → {design.dns.identity_name}")]
    assert podid("up", *settings, "-o", "none").code == 0
    assert podid("status", *settings, "-o", "json").json["inSync"] is True

    assert podid("down", *settings, "--yes", "-o", "none").code == 0
    # the preview feature is subscription-wide (other clusters may depend on it): down leaves it registered
    assert subscription_snapshot(endpoints, operator_credential) == {**before, "feature registered": True}
    assert not (tmp_path / "kubeconfig").exists()
    again = podid("down", *settings, "--yes", "-o", "json")
    assert all(not step["changes"] for step in again.json["steps"])


def test_an_interrupted_up_is_finished_by_the_next(
    podid: PodidRunner, endpoints: Endpoints, settings: list[str], unique: str, tmp_path: Path
) -> None:
    from podid.cli._progress import QuietProgress
    from podid.provision.step import run

    state = fresh_state(endpoints, unique, tmp_path / "kubeconfig")
    run(
        steps_until(state.design, "DNS identity"), state, True, QuietProgress()
    )  # killed after the zone reader role ...
    half = step_named(state.design, "DNS identity").plan(state)  # ... and in the middle of it: identity, no roles yet
    half[0].apply()  # type: ignore[misc]
    finished = podid("up", *settings, "-o", "json")
    assert finished.code == 0, finished.err
    outcomes = {step["step"]: step["outcome"] for step in finished.json["steps"]}
    assert outcomes["AKS cluster"] == "unchanged" and outcomes["DNS identity"] == "created"
    assert finished.json["verification"]["ok"] is True
    podid("down", *settings, "--yes", "-o", "none")


def test_verify_finds_the_anti_pattern_and_unlabelled_pods(
    podid: PodidRunner,
    authorization: AuthorizationManagementClient,
    endpoints: Endpoints,
    settings: list[str],
    unique: str,
    tmp_path: Path,
) -> None:
    assert podid("up", *settings, "-o", "none").code == 0
    state = fresh_state(endpoints, unique, tmp_path / "kubeconfig")
    cluster = state.clients.aks.managed_clusters.get(unique, f"aks-{unique}")
    kubelet = cluster.identity_profile["kubeletidentity"].object_id
    zone, group = state.design.zone_id, state.design.group_id
    # the anti-pattern as external-dns' Azure tutorial sets it up for the node identity: Reader on the group
    # (to list zones) and DNS Zone Contributor on the zone
    granted = [
        rbac.create(authorization.role_assignments, scope, rbac.definition_id(endpoints.subscription_id, guid), kubelet)
        for scope, guid in ((group, rbac.BUILT_IN["Reader"]), (zone, DNS_ZONE_CONTRIBUTOR))
    ]

    failed = podid("verify", *settings)
    assert failed.code == 1
    lines = failed.out.splitlines()
    assert (
        f"FAIL  kubelet identity: holds 'DNS Zone Contributor' over {zone}: every pod on the nodes can change the zone"
        in lines
    )
    assert any(line.startswith("FAIL  pod with the kubelet identity: was NOT refused") for line in lines)

    for assignment in granted:
        authorization.role_assignments.delete_by_id(assignment.id)
    kube = Kube.from_file(tmp_path / "kubeconfig", f"aks-{unique}")
    kube.request(
        "PATCH", "/apis/apps/v1/namespaces/kube-addons/deployments/external-dns",
        {"spec": {"template": {"metadata": {"labels": {"aadpodidbinding": None}}}}},
        "application/strategic-merge-patch+json",
    )  # fmt: skip
    unlabelled = podid("verify", *settings, "-o", "json")
    assert unlabelled.code == 1
    failures = [finding for finding in unlabelled.json["findings"] if not finding["ok"]]
    assert [finding["check"] for finding in failures] == ["external-dns pods"]
    assert "lack(s) the label aadpodidbinding=external-dns" in failures[0]["message"]
    podid("down", *settings, "--yes", "-o", "none")


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--dns-domain", "not a domain", "DNS domain 'not a domain' is invalid"),
        ("--resource-group", "bad/group", "resource group name 'bad/group' is invalid"),
        ("--location", "atlantis", "location 'atlantis' is not available in subscription"),
    ],
)
def test_bad_settings_fail_before_any_change(
    podid: PodidRunner, endpoints: Endpoints, settings: list[str], unique: str, flag: str, value: str, message: str
) -> None:
    writes = arm_writes(endpoints, unique, f"aks-{unique}")
    failed = podid("up", *settings, flag, value)
    assert failed.code == 2 and failed.out == ""
    assert failed.err.startswith(f"ERROR: {message}") and failed.err.count("\n") == 1
    assert arm_writes(endpoints, unique, f"aks-{unique}") == writes


def test_proxy_variables_do_not_apply_to_the_sandbox(
    podid: PodidRunner, settings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy in the environment (a corporate one, say) is for the internet: the sandbox's ARM and Entra ID are
    reached directly. (A cluster's API follows its kubeconfig and NO_PROXY, as kubectl does.)"""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: a proxy that is not there
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    planned = podid("plan", *settings, "-o", "json")
    assert planned.code == 0, planned.err
    assert planned.json["changes"] > 0  # a new resource group: everything is still to create
