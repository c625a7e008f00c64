"""Ctrl-C during `podid up` (SIGINT once a step has reported) exits 130 with one line saying what was done and
that `podid up` again finishes; running it again does finish.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from podid.sandbox import Endpoints


def test_ctrl_c_during_up_says_how_to_finish(endpoints: Endpoints, unique: str, tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "podid.cli", "up", "-g", unique, "--cluster-name", unique,
        "--dns-domain", f"{unique}.internal", "--kubeconfig", str(tmp_path / "kubeconfig"),
        "--data-dir", endpoints.data_dir,
    ]  # fmt: skip
    with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as up:
        assert up.stderr is not None
        reported = []
        for line in up.stderr:  # each finished step is one line on stderr
            reported.append(line)
            if "resource group" in line:
                up.send_signal(signal.SIGINT)
                break
        rest = up.stderr.read()
        code = up.wait(timeout=120)
    assert code == 130, "".join(reported) + rest
    assert rest.strip().splitlines()[-1] == (
        "interrupted: the steps reported above are done, the one under way may be half-done; "
        "`podid plan` shows what is left and `podid up` again finishes"
    )
    again = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
