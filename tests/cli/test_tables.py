"""``-o table`` as a user reads it: `aks show` with az's columns (compared with the real az on the same cluster),
`aks pod-identity list` and `exception list` with aks-preview's, and one row per part or check for `up`, `plan`,
`status`, `verify` and `down`."""

from __future__ import annotations

from pathlib import Path

from azure.identity import ClientSecretCredential

from podid.cli import _tables
from podid.cli._output import render
from podid.provision.step import Change, StepReport
from podid.sandbox import Endpoints
from podid.verify import Verdict
from podid.verify.findings import Finding
from tests.azcli.conftest import Az, az, az_executable
from tests.cli.conftest import PodidRunner
from tests.cli.test_aks_commands import create_cluster, identity, preview_feature

__all__ = ["az", "az_executable", "preview_feature"]  # fixtures used here


def _columns(text: str) -> list[str]:
    return text.splitlines()[0].split()


def test_aks_show_table_is_azs(
    podid: PodidRunner, az: Az, endpoints: Endpoints, operator_credential: ClientSecretCredential, unique: str
) -> None:
    podid("group", "create", "-n", unique, "-l", "westus2", "-o", "none")
    cluster = create_cluster(endpoints, operator_credential, unique)
    shown = podid("aks", "show", "-g", unique, "-n", cluster, "-o", "table")
    # azure-cli acs/_format.py aks_show_table_format: the fqdn column is there
    assert _columns(shown.out) == [
        "Name",
        "Location",
        "ResourceGroup",
        "KubernetesVersion",
        "CurrentKubernetesVersion",
        "ProvisioningState",
        "Fqdn",
    ]
    assert shown.out == az("aks", "show", "-g", unique, "-n", cluster, "-o", "table").stdout


def test_pod_identity_tables_are_aks_previews(
    podid: PodidRunner, endpoints: Endpoints, operator_credential: ClientSecretCredential, unique: str
) -> None:
    podid("group", "create", "-n", unique, "-l", "westus2", "-o", "none")
    cluster = create_cluster(endpoints, operator_credential, unique)
    podid("aks", "update", "-g", unique, "-n", cluster, "--enable-pod-identity", "-o", "none")
    bound = identity(podid, unique)
    where = ("-g", unique, "--cluster-name", cluster, "--namespace", "my-app")
    podid("aks", "pod-identity", "add", *where, "--name", "one", "--identity-resource-id", bound["id"], "-o", "none")
    podid("aks", "pod-identity", "exception", "add", *where, "--name", "probe", "--pod-labels", "b=2", "a=1")
    listed = podid("aks", "pod-identity", "list", *where[:4], "-o", "table").out.splitlines()
    assert listed[0].split() == ["Name", "Namespace", "ProvisioningState", "Identity"]
    assert listed[2].split()[:3] == ["one", "my-app", "Assigned"]
    assert listed[2].split()[3].lower() == bound["id"].lower()
    exceptions = podid("aks", "pod-identity", "exception", "list", *where[:4], "-o", "table").out.splitlines()
    assert exceptions[0].split() == ["Name", "Namespace", "PodLabels"]
    assert exceptions[2].split() == ["probe", "my-app", "a=1", "b=2"]


def test_plan_and_status_tables_have_a_row_per_part(podid: PodidRunner, unique: str, tmp_path: Path) -> None:
    settings = ("-g", unique, "--cluster-name", f"aks-{unique}", "--dns-domain", f"{unique}.internal")
    settings += ("--kubeconfig", str(tmp_path / "kubeconfig"))
    planned = podid("plan", *settings, "-o", "json").json
    plan_table = podid("plan", *settings, "-o", "table").out.splitlines()
    assert plan_table[0].split() == ["Part", "Outcome", "Changes"]
    assert len(plan_table) == len(planned["steps"]) + 2
    for line, step in zip(plan_table[2:], planned["steps"], strict=True):
        assert line.startswith(f"{step['step']}  ") and f"  {step['outcome']}" in line
    status = podid("status", *settings, "-o", "table")
    assert status.code == 3  # not in sync: nothing is provisioned yet
    assert status.out.splitlines()[0].split() == ["Part", "InSync", "Pending"]
    rows = podid("status", *settings, "-o", "json").json["steps"]
    for line, row in zip(status.out.splitlines()[2:], rows, strict=True):
        assert line.startswith(f"{row['step']}  ") and f"  {str(row['inSync']).lower()}" in line


def test_up_table_has_a_row_per_part_and_per_check() -> None:
    reports = [
        StepReport("resource group", [Change("create", "resource group g")], applied=True),
        StepReport("dns zone", [], applied=False),
    ]
    verdict = Verdict([Finding(True, "writer", "external-dns can write"), Finding(False, "reader", "app can write")])
    data = {"steps": [report.as_dict() for report in reports], "verification": verdict.as_dict()}
    assert render(data, "table", table_transformer=_tables.up).splitlines() == [
        "Part            Result     Detail",
        "--------------  ---------  -----------------------",
        "resource group  created    create resource group g",
        "dns zone        unchanged",
        "writer          PASS       external-dns can write",
        "reader          FAIL       app can write",
    ]
    verify = render(verdict.as_dict(), "table", table_transformer=_tables.verify).splitlines()
    assert verify[0].split() == ["Check", "Result", "Message"] and verify[3].split()[:2] == ["reader", "FAIL"]
    down = render({"steps": data["steps"]}, "table", table_transformer=_tables.steps).splitlines()
    assert down[0].split() == ["Part", "Outcome", "Changes"] and len(down) == 4
