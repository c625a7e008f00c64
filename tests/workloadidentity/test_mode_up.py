"""``podid up --mode workload-identity`` on the session sandbox, through provisioning's steps.

Covers: the cluster has the OIDC issuer and workload identity and no pod identity (no podIdentityProfile, no
AzureIdentity objects), each identity a federated credential for its ServiceAccount; external-dns writes the
hello app's record through workload identity; a second run plans no change; a pod labelled for workload
identity whose ServiceAccount is another one (annotated with the DNS identity's client id) gets Entra's
AADSTS70021 and writes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from podid.provision import workloadidentity as wi
from podid.provision.errors import NotFound, translated
from podid.provision.kube import Kube
from podid.provision.state import State
from podid.provision.step import StepReport, run
from podid.provision.steps import WORKLOAD_IDENTITY, steps_of
from podid.provision.steps.workloadidentity import issuer_of
from podid.provision.wait import wait_for
from podid.sandbox import Endpoints
from tests.provision.conftest import fresh_state


class Quiet:
    def started(self, step: str) -> None:
        """Nothing to show."""

    def finished(self, report: StepReport) -> None:
        """Nothing to show."""


def provisioned_state(endpoints: Endpoints, name: str, kubeconfig: Path) -> State:
    state = fresh_state(endpoints, name, kubeconfig)
    run(steps_of(state.design, WORKLOAD_IDENTITY), state, apply=True, progress=Quiet())
    return state


@pytest.fixture(scope="module")
def provisioned(endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> State:
    kubeconfig = tmp_path_factory.mktemp("wiup") / "config"
    return provisioned_state(endpoints, f"wiup{os.getpid()}", kubeconfig)


def record(state: State, name: str, kind: str) -> Any | None:
    design = state.design
    try:
        with translated():
            return state.clients.dns.record_sets.get(design.group, design.domain, name, kind)
    except NotFound:
        return None


def test_the_cluster_has_workload_identity_and_no_pod_identity(provisioned: State) -> None:
    design, clients = provisioned.design, provisioned.clients
    cluster = clients.aks.managed_clusters.get(design.group, design.cluster)
    assert cluster.oidc_issuer_profile.enabled and cluster.security_profile.workload_identity.enabled
    assert cluster.pod_identity_profile is None or not cluster.pod_identity_profile.enabled
    kube = provisioned.kube
    assert isinstance(kube, Kube)
    for plural in ("azureidentities", "azureidentitybindings"):
        assert kube.request("GET", f"/apis/aadpodidentity.k8s.io/v1/{plural}")["items"] == []
    for pod_identity, account in wi.accounts(design):
        name = wi.credential_name(pod_identity.namespace, account)
        credential = clients.msi.federated_identity_credentials.get(design.group, pod_identity.identity_name, name)
        assert credential.issuer == issuer_of(cluster)
        assert credential.subject == wi.subject(pod_identity.namespace, account)
        assert credential.audiences == [wi.AUDIENCE]


def test_external_dns_writes_the_records(provisioned: State) -> None:
    found = wait_for(lambda: record(provisioned, "hello", "A"), "the hello record", 120.0, max_delay=1.0)
    assert found.a_records
    ownership = wait_for(lambda: record(provisioned, "a-hello", "TXT"), "its ownership record", 60.0, max_delay=1.0)
    owner = f"external-dns/owner={provisioned.design.cluster}"
    assert any(owner in value for txt in ownership.txt_records for value in txt.value)


def test_a_second_run_changes_nothing(provisioned: State, endpoints: Endpoints, tmp_path: Path) -> None:
    again = fresh_state(endpoints, provisioned.design.group, provisioned.kubeconfig)
    reports = run(steps_of(again.design, WORKLOAD_IDENTITY), again, apply=False, progress=Quiet())
    assert [report.step for report in reports if report.changes] == []


def test_a_labelled_pod_with_another_account_gets_no_token(provisioned: State) -> None:
    design, kube = provisioned.design, provisioned.kube
    assert isinstance(kube, Kube)
    namespace, client_id = design.dns.namespace, str(provisioned.identities[design.dns.identity_name].client_id)
    annotations = {wi.CLIENT_ID_ANNOTATION: client_id}
    kube.create(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "impostor", "namespace": namespace, "annotations": annotations},
        }
    )
    kube.create(  # it may list Services as external-dns does
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": f"impostor-{design.group}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "external-dns"},
            "subjects": [{"kind": "ServiceAccount", "name": "impostor", "namespace": namespace}],
        }
    )
    kube.create(_impostor_pod(provisioned))

    def finished() -> dict[str, Any] | None:
        pod = kube.get("Pod", namespace, "impostor") or {}
        return pod if pod.get("status", {}).get("phase") in ("Succeeded", "Failed") else None

    assert wait_for(finished, "the impostor pod to finish", 120.0, max_delay=1.0)["status"]["phase"] == "Failed"
    log = kube.log(namespace, "impostor")
    assert "AADSTS70021" in log and f"system:serviceaccount:{namespace}:impostor" in log
    assert record(provisioned, "impostor", "A") is None


def _impostor_pod(state: State) -> dict[str, Any]:
    design = state.design
    args = [
        "--source=service", "--provider=azure", "--registry=txt", "--policy=upsert-only", "--once",
        "--txt-owner-id=impostor", f"--domain-filter={design.domain}", f"--azure-resource-group={design.group}",
    ]  # fmt: skip
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "impostor", "namespace": design.dns.namespace, "labels": {wi.USE_LABEL: "true"}},
        "spec": {
            "restartPolicy": "Never",
            "serviceAccountName": "impostor",
            "containers": [
                {
                    "name": "external-dns",
                    "image": "registry.k8s.io/external-dns/external-dns:v0.14.2",
                    "args": args,
                    "volumeMounts": [{"name": "azure", "mountPath": "/etc/kubernetes", "readOnly": True}],
                }
            ],
            "volumes": [{"name": "azure", "secret": {"secretName": wi.SECRET_NAME}}],
        },
    }
