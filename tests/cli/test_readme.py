"""The README's shell examples run as written: each ```bash block marked ``<!-- readme-test -->`` runs, in order,
in one fresh home against a sandbox of its own (the README's names, dgraph-test and example.internal, clash with no
other test), and must succeed; a block marked ``<!-- readme-test: needs kubectl -->`` runs when kubectl is
installed. The walkthrough's output is the real one: its steps, changes and verdict lines are what `podid up` says.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from podid.sandbox import Endpoints
from tests.conftest import start_sandbox

README = Path(__file__).resolve().parents[2] / "README.md"
MARKED = re.compile(r"<!-- readme-test(?:: needs (?P<needs>[\w ]+))? -->\n```bash\n(?P<script>.*?)```", re.S)
TIMING = re.compile(r"\(\d+\.\ds\)")


def marked_blocks(text: str) -> list[tuple[list[str], str]]:
    return [((found["needs"] or "").split(), found["script"]) for found in MARKED.finditer(text)]


def shown_after(text: str, script: str) -> list[str]:
    """The lines of the first ```text block after the bash block holding ``script``."""
    rest = text[text.index(script) :]
    return rest[rest.index("```text\n") + len("```text\n") :].split("```", 1)[0].splitlines()


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    sandbox, endpoints = start_sandbox(tmp_path_factory.mktemp("readme-sandbox"))
    yield endpoints
    sandbox.stop()


def environment(endpoints: Endpoints, home: Path) -> dict[str, str]:
    """A user's shell: podid on PATH, the sandbox's data dir, none of this machine's settings."""
    ours = ("AZ_", "AZURE_", "PODID_", "KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
    variables = {name: value for name, value in os.environ.items() if not name.startswith(ours)}
    path = f"{Path(sys.executable).parent}{os.pathsep}{variables.get('PATH', '')}"
    return {**variables, "HOME": str(home), "PODID_DATA_DIR": endpoints.data_dir, "PATH": path}


def run(script: str, env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    command = ["bash", "-euo", "pipefail", "-c", script]
    done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{script}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def test_the_readme_examples_run_as_written(own_sandbox: Endpoints, tmp_path: Path) -> None:
    text, home = README.read_text(), tmp_path / "home"
    home.mkdir()
    env = environment(own_sandbox, home)
    blocks = marked_blocks(text)
    assert blocks[0][1] == "podid up\n"  # the walkthrough first: the others use its setup
    assert any("podid aks pod-identity add" in script for _, script in blocks)
    ran = []
    for needs, script in blocks:
        if all(shutil.which(tool) for tool in needs):
            ran.append(run(script, env, home))
    up = ran[0]
    real = TIMING.sub("(…)", up.stderr.replace(str(home), "~")).splitlines()
    shown = shown_after(text, "podid up\n")
    assert [TIMING.sub("(…)", line) for line in shown[: len(real)]] == real  # every step and change, as said
    checks = [line.split(":")[0] for line in up.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert [line.split(":")[0] for line in shown if line.startswith(("PASS", "FAIL"))] == checks
    assert up.stdout.splitlines()[-1] in shown
