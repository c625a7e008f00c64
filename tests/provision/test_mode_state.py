"""The identity mode is part of the setup's state: `plan`, `status` and `up` read it from the cluster.

Covers: after `podid migrate --to workload-identity`, a plain `plan` shows nothing to change, `status` is in sync
and a plain `up` changes nothing (the retired pod identity add-on stays off, external-dns keeps its workload
identity form); `up --mode pod-identity` is refused with what to do instead, and a pod identity setup refuses
`up --mode workload-identity`, pointing at `podid migrate`.
"""

from __future__ import annotations

from pathlib import Path

from azure.identity import ClientSecretCredential
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.dns import DnsManagementClient

from podid.sandbox import Endpoints
from tests.cli.conftest import PodidRunner, podid  # noqa: F401  (the fixture)
from tests.conftest import eventually, mgmt_client
from tests.provision.conftest import arm_writes, kube_writes


def test_after_migrate_plan_and_up_keep_workload_identity(
    podid: PodidRunner,  # noqa: F811
    endpoints: Endpoints,
    operator_credential: ClientSecretCredential,
    unique: str,
    tmp_path: Path,
) -> None:
    settings = [
        "--resource-group", unique, "--cluster-name", f"aks-{unique}", "--dns-domain", f"{unique}.internal",
        "--kubeconfig", str(tmp_path / "kubeconfig"),
    ]  # fmt: skip
    assert podid("up", *settings, "-o", "none").code == 0
    wrong = podid("up", *settings, "--mode", "workload-identity")
    assert (wrong.code, wrong.out) == (1, "")
    assert wrong.err == (
        f"ERROR: the setup {unique}/aks-{unique} runs in pod-identity mode: "
        "run `podid migrate --to workload-identity` to move it\n"
    )
    assert podid("migrate", *settings, "--to", "workload-identity", "-o", "none").code == 0
    # the migration's probe record goes when external-dns next syncs: writes of its own, not of what follows
    zone = mgmt_client(DnsManagementClient, endpoints, operator_credential).record_sets
    eventually(
        lambda: not [r for r in zone.list_by_dns_zone(unique, f"{unique}.internal") if "podid-migrate-" in r.name],
        "the migration's probe record removed",
        timeout=120,
    )

    planned = podid("plan", *settings, "-o", "json")
    assert planned.code == 0, planned.err
    pending = [(step["step"], change["what"]) for step in planned.json["steps"] for change in step["changes"]]
    assert (planned.json["changes"], pending) == (0, [])
    assert podid("status", *settings, "-o", "json").json["inSync"] is True
    mine = (endpoints, unique, f"aks-{unique}")  # this setup's groups: other setups keep writing in theirs
    writes, kube = arm_writes(*mine), kube_writes(endpoints, unique)
    again = podid("up", *settings, "-o", "json")
    assert again.code == 0, again.err
    assert {step["outcome"] for step in again.json["steps"]} == {"unchanged"}
    assert (arm_writes(*mine), kube_writes(endpoints, unique)) == (writes, kube)
    clusters = mgmt_client(ContainerServiceClient, endpoints, operator_credential).managed_clusters
    cluster = clusters.get(unique, f"aks-{unique}")
    assert not (cluster.pod_identity_profile and cluster.pod_identity_profile.enabled)
    assert cluster.security_profile.workload_identity.enabled is True

    back = podid("up", *settings, "--mode", "pod-identity")
    assert back.code == 1 and "runs in workload-identity mode; podid does not move it back" in back.err
    assert podid("down", *settings, "--yes", "-o", "none").code == 0
