"""`podid plan` as terraform's: "Plan: N to add, N to change, N to destroy.", `--detailed-exitcode`, replacements
marked `-/+ … must be replaced`, changes Azure cannot make marked `!` (and the plan fails), nested values indented
over several lines, no timings, and terraform's own words when nothing would change.

One setup serves every case: a fresh plan, then `up`, then drift made by hand (a pod relabelled, a Deployment's
arguments changed) and a location Azure cannot move.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podid.provision.kube import Kube
from tests.cli.conftest import PodidRunner

NO_CHANGES = "No changes. Your infrastructure matches the configuration.\n"
TIMING = re.compile(r"\(\d+\.\ds\)")


@pytest.fixture
def settings(unique: str, tmp_path: Path) -> list[str]:
    return [
        "--resource-group", unique, "--cluster-name", f"aks-{unique}", "--dns-domain", f"{unique}.internal",
        "--kubeconfig", str(tmp_path / "kubeconfig"),
    ]  # fmt: skip


def drift(kubeconfig: Path, context: str) -> None:
    """A label on the demo pod (whose spec is immutable: it is replaced) and external-dns' arguments."""
    kube = Kube.from_file(kubeconfig, context)
    kube.request(
        "PATCH", "/api/v1/namespaces/my-app/pods/demo",
        {"metadata": {"labels": {"aadpodidbinding": "someone-else"}}}, "application/merge-patch+json",
    )  # fmt: skip
    kube.request(
        "PATCH", "/apis/apps/v1/namespaces/kube-addons/deployments/external-dns",
        [{"op": "replace", "path": "/spec/template/spec/containers/0/args", "value": ["--provider=azure"]}],
        "application/json-patch+json",
    )  # fmt: skip


def test_plan_counts_marks_and_exit_codes(
    podid: PodidRunner, settings: list[str], unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = podid("plan", *settings, "--detailed-exitcode")
    assert fresh.code == 2, fresh.err
    counts = podid("plan", *settings, "-o", "json").json
    assert counts["add"] > 0 and counts["destroy"] == counts["blocked"] == 0  # a new setup: only additions
    assert fresh.out == f"Plan: {counts['add']} to add, {counts['change']} to change, 0 to destroy.\n"
    assert "  AKS cluster            create\n      + AKS cluster aks-" in fresh.err
    assert TIMING.search(fresh.err) is None  # a plan reads: its timings would mean nothing
    assert podid("plan", *settings).code == 0  # without the flag, changes are no error

    applied = podid("up", *settings)
    assert applied.code == 0, applied.err
    assert TIMING.search(applied.err) is not None  # `up` keeps them
    same = podid("plan", *settings, "--detailed-exitcode")
    assert (same.code, same.out) == (0, NO_CHANGES)

    drift(tmp_path / "kubeconfig", f"aks-{unique}")
    drifted = podid("plan", *settings, "--detailed-exitcode")
    assert (drifted.code, drifted.out) == (2, "Plan: 1 to add, 1 to change, 1 to destroy.\n")
    assert "    -/+ Pod my-app/demo must be replaced\n" in drifted.err
    assert "          metadata.labels.aadpodidbinding: someone-else → my-pod-identity\n" in drifted.err
    assert (
        '          spec.template.spec.containers[0].args: ["--provider=azure"] → [\n'
        '            "--source=service",\n'
        f'            "--domain-filter={unique}.internal",\n'
    ) in drifted.err
    as_json = podid("plan", *settings, "-o", "json").json
    assert {key: as_json[key] for key in ("add", "change", "destroy", "blocked")} == {
        "add": 1, "change": 1, "destroy": 1, "blocked": 0,
    }  # fmt: skip
    [pod] = [change for step in as_json["steps"] for change in step["changes"] if change["what"] == "Pod my-app/demo"]
    assert pod["replace"] is True and pod["action"] == "update"

    monkeypatch.setenv("AZ_LOCATION", "eastus")
    blocked = podid("plan", *settings, "--detailed-exitcode")
    assert blocked.code == 1
    assert f"  resource group         blocked\n      ! resource group {unique} cannot be changed\n" in blocked.err
    assert blocked.out.endswith(
        "Error: 4 change(s) marked ! cannot be made; `podid up` refuses them before any write.\n"
    )
    monkeypatch.delenv("AZ_LOCATION")
    assert podid("down", *settings, "--yes", "-o", "none").code == 0
