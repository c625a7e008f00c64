"""`podid up --mode workload-identity`, then `podid verify`, through the CLI on the session sandbox.

Covers: verify reads the mode from the cluster (no flag) and passes; its probes act through workload identity:
external-dns's ServiceAccount writes, a labelled pod with another ServiceAccount is refused by Entra ID
(AADSTS70021), an unlabelled pod gets no DNS identity token from IMDS, the kubelet identity, the demo's
ServiceAccount and the DNS identity in another zone are refused by ARM (the kubelet identity on its own direct
record set write), the DNS identity's Graph addPassword and a pod's request to the control surface are refused;
the read-only checks see each identity federated with exactly its ServiceAccount and no pod identity left; the
probes leave no pod behind; an extra federated subject on the DNS identity is a finding; the demo pod runs its
loop through workload identity.
"""

from __future__ import annotations

import pytest
from azure.mgmt.msi.models import FederatedIdentityCredential

from podid import provision
from podid.provision.kube import Kube
from podid.provision.state import State
from podid.provision.steps import WORKLOAD_IDENTITY
from podid.provision.steps.workloadidentity import issuer_of
from podid.provision.wait import wait_for
from podid.provision.workloadidentity import AUDIENCE
from podid.verify import verify
from podid.verify.cases import CONTROL_CHECK, KUBELET_CHECK, MINT_CHECK
from tests.cli.conftest import PodidRunner
from tests.verify.conftest import findings


@pytest.fixture(scope="module")
def mode() -> str:
    return WORKLOAD_IDENTITY


def test_verify_passes_and_acts_through_workload_identity(
    provisioned: State, kube: Kube, podid: PodidRunner, settings: list[str]
) -> None:
    result = podid("verify", *settings, "-o", "json")
    assert result.code == 0, result.out + result.err
    found = findings(result.json)
    assert all(finding["ok"] for finding in found.values()), found
    design = provisioned.design
    assert found["external-dns's ServiceAccount"]["message"].startswith("wrote ")
    impostor = found["labelled pod with another ServiceAccount"]["message"]
    assert impostor.startswith("refused: ") and "AADSTS70021" in impostor
    imds = found["pod asking IMDS for the DNS identity"]["message"]
    assert imds == "refused: 400 invalid_request: Identity not found", imds  # IMDS's answer to its one request
    for check in (
        "pod with the kubelet identity",
        "pod with the demo's ServiceAccount",
        "DNS identity in another zone",
    ):
        assert found[check]["message"].startswith("refused: 403 AuthorizationFailed"), found[check]
    assert found[KUBELET_CHECK]["message"].endswith("-kubelet.podid-verify")  # its own direct write
    assert found[MINT_CHECK]["message"].startswith("refused: 403 Authorization_RequestDenied: ")
    assert found[CONTROL_CHECK]["message"].startswith(("refused: 401 ", "refused: 403 ", "refused: connection"))
    subject = "system:serviceaccount:kube-addons:external-dns"
    assert found[f"identity {design.dns.identity_name}"]["message"] == f"is federated only with {subject}"
    assert found["pod identity"]["message"] == "is gone: no add-on, no pod identity objects"
    assert found["external-dns pods"]["ok"]
    assert "pod without the binding label" not in found  # no pod identity probe in this mode
    assert [pod["metadata"]["name"] for pod in kube.list("Pod", None, "podid-verify")] == []


def test_an_extra_federated_subject_is_a_finding(provisioned: State) -> None:
    design, msi = provisioned.design, provisioned.clients.msi.federated_identity_credentials
    cluster = provisioned.clients.aks.managed_clusters.get(design.group, design.cluster)
    extra = FederatedIdentityCredential(
        issuer=issuer_of(cluster), subject="system:serviceaccount:default:intruder", audiences=[AUDIENCE]
    )
    msi.create_or_update(design.group, design.dns.identity_name, "intruder", extra)
    try:
        verdict = verify(provision.start(design.settings, provisioned.clients.target), act=False)
    finally:
        msi.delete(design.group, design.dns.identity_name, "intruder")
    [violation] = verdict.violations
    assert violation.check == f"identity {design.dns.identity_name}"
    assert "system:serviceaccount:default:intruder" in violation.message
    assert "only system:serviceaccount:kube-addons:external-dns may act as it" in violation.message


def test_the_demo_pod_runs_through_workload_identity(provisioned: State, kube: Kube) -> None:
    demo = provisioned.design.demo

    def round_done() -> str | None:
        log = kube.log(demo.namespace, "demo")
        return log if "successfully made GET on instance metadata" in log else None

    log = wait_for(round_done, "a round of the demo's loop", 120.0, max_delay=1.0)
    identities = provisioned.clients.msi.user_assigned_identities
    client_id = str(identities.get(provisioned.design.group, demo.identity_name).client_id)
    assert "successfully counted VM from ARM: 0" in log
    assert "successfully acquired a token using the MSI" in log
    assert "successfully acquired a token, userAssignedID MSI" in log and f"clientID({client_id})" in log
    assert "msi, emsi test failed" not in log
    pod = kube.get("Pod", demo.namespace, "demo") or {}
    assert pod["status"]["phase"] == "Running"
    assert all(status.get("restartCount", 0) == 0 for status in pod["status"].get("containerStatuses", []))
