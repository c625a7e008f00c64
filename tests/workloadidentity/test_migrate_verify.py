"""`podid verify` after `podid migrate --to workload-identity` from a pod identity `podid up`, all through the CLI.

Covers: verify reads the pod identity mode before the move and the workload identity mode after it, with no
flag, and passes both times; after the move its probes act through workload identity and it finds the pod
identity gone and each identity federated with exactly its ServiceAccount.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podid.cli import main
from podid.sandbox import Endpoints


def test_verify_passes_before_and_after_the_migration(
    endpoints: Endpoints, unique: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = [
        "--resource-group", unique, "--cluster-name", f"aks-{unique}", "--dns-domain", f"{unique}.internal",
        "--kubeconfig", str(tmp_path / "config"), "--data-dir", endpoints.data_dir,
    ]  # fmt: skip

    def podid(*arguments: str) -> tuple[int, dict[str, dict[str, object]]]:
        capsys.readouterr()
        code = main([*arguments, *settings, "-o", "json"])
        out = capsys.readouterr().out
        findings = json.loads(out).get("findings", []) if arguments[0] == "verify" else []
        return code, {finding["check"]: finding for finding in findings}

    assert podid("up")[0] == 0
    code, before = podid("verify")
    assert code == 0 and "pod bound to the DNS identity" in before
    assert podid("migrate", "--to", "workload-identity")[0] == 0
    code, after = podid("verify")
    assert code == 0, [finding for finding in after.values() if not finding["ok"]]
    assert str(after["external-dns's ServiceAccount"]["message"]).startswith("wrote ")
    assert "AADSTS70021" in str(after["labelled pod with another ServiceAccount"]["message"])
    assert after["pod identity"]["message"] == "is gone: no add-on, no pod identity objects"
    assert "pod bound to the DNS identity" not in after
    main(["down", *settings, "--yes", "-o", "none"])
