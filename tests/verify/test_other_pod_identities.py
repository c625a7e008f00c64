"""A setup moved to workload identity on a cluster where someone else's pod identity keeps the add-on enabled.

Covers: `migrate` keeps the add-on for the other pod identity; `verify` then detects workload identity mode (podid's
DNS pod identity is gone) and passes, its pod identity check naming the add-on kept for others; `plan` has nothing
to change, and `up` with no `--mode` does not move the setup back.
"""

from __future__ import annotations

import os
from pathlib import Path

from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import Identity

from podid.cli import main
from podid.sandbox import Endpoints
from tests.cli.conftest import PodidRunner
from tests.conftest import mgmt_client


def test_someone_elses_pod_identity_does_not_hold_the_setup_in_pod_identity_mode(
    endpoints: Endpoints, operator_credential: object, podid: PodidRunner, tmp_path: Path
) -> None:
    name = f"oth{os.getpid()}"
    where = ["-g", name, "--cluster-name", name, "--dns-domain", f"{name}.internal"]
    target = ["--kubeconfig", str(tmp_path / "config"), "--data-dir", endpoints.data_dir]
    assert main(["up", *where, *target, "-o", "none"]) == 0
    try:
        msi = mgmt_client(ManagedServiceIdentityClient, endpoints, operator_credential)
        other = msi.user_assigned_identities.create_or_update(name, "someone-elses", Identity(location="westus2"))
        add = ["--resource-group", name, "--cluster-name", name, "--namespace", "team", "--name", "team-app"]
        added = podid("aks", "pod-identity", "add", *add, "--identity-resource-id", str(other.id), "-o", "none")
        assert added.code == 0, added.err

        assert main(["migrate", "--to", "workload-identity", *where, *target, "-o", "none"]) == 0
        result = podid("verify", *where, "--kubeconfig", str(tmp_path / "config"), "-o", "json")
        found = {item["check"]: item for item in result.json["findings"]}
        assert all(item["ok"] for item in found.values()), [i for i in found.values() if not i["ok"]]
        assert found["pod identity"]["message"] == "podid's are gone; the add-on stays for other pod identities"
        assert main(["plan", *where, *target, "--detailed-exitcode", "-o", "none"]) == 0
        listed = podid("aks", "pod-identity", "list", "-g", name, "--cluster-name", name, "-o", "json")
        profile = listed.json["podIdentityProfile"]  # aks-preview lists the cluster
        assert profile["enabled"] and [entry["name"] for entry in profile["userAssignedIdentities"]] == ["team-app"]
    finally:
        main(["down", *where, *target, "--yes", "-o", "none"])
