"""The README's shell examples run as written: each ```bash block marked ``<!-- readme-test -->`` runs, in order,
in one fresh home against a sandbox of its own (the README's names, dgraph-test and example.internal, clash with no
other test), and must succeed; a block marked ``<!-- readme-test: needs kubectl -->`` runs when kubectl is
installed. The walkthrough's output is the real one: its steps, changes and verdict lines are what `podid up` says.

The sandbox is a background one, as `podid sandbox start` makes it (the blocks start, point tools at and stop it
as a user would), and the real Azure CLI is on PATH with no configuration of its own: `podid sandbox env` logs it
in inside the sandbox's data dir. A block that cannot run here is listed in ``NOT_RUN`` with the reason; any
other unmarked block fails the test.
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
from tests.azcli._install import install_az

README = Path(__file__).resolve().parents[2] / "README.md"
MARKED = re.compile(r"<!-- readme-test(?:: needs (?P<needs>[\w ]+))? -->\n```bash\n(?P<script>.*?)```", re.S)
BASH = re.compile(r"^ *```bash\n(?P<script>.*?)```", re.S | re.M)
TIMING = re.compile(r"\(\d+\.\ds\)")
PORTS = ("PODID_ARM_PORT", "PODID_IMDS_PORT", "PODID_DNS_PORT", "PODID_KUBE_PORT_BASE", "PODID_PROXY_PORT")
# the blocks that do not run here, by their first line, and why
NOT_RUN = {
    "make up": "installs podid and runs the walkthrough's `podid up`, which this test runs itself; `make test` is "
    "the whole suite, this test among it",
    "podid down": "its first line asks on a terminal (without one it refuses by design); `down --yes` runs in "
    "tests/cli/test_up_commands.py",
    "podid up --target azure": "needs a real Azure subscription (`<id>`); the Azure path runs against the "
    "sandbox's proxy in tests/proxy/test_azure_target.py",
}


def marked_blocks(text: str) -> list[tuple[list[str], str]]:
    return [((found["needs"] or "").split(), found["script"]) for found in MARKED.finditer(text)]


def shown_after(text: str, script: str) -> list[str]:
    """The lines of the first ```text block after the bash block holding ``script``."""
    rest = text[text.index(script) :]
    return rest[rest.index("```text\n") + len("```text\n") :].split("```", 1)[0].splitlines()


def podid_command(data_dir: Path, *arguments: str) -> None:
    """`podid sandbox start|stop` for this test's data dir, on free ports (other sandboxes may run here)."""
    env = {**os.environ, "PODID_DATA_DIR": str(data_dir), **dict.fromkeys(PORTS, "0")}
    command = [sys.executable, "-m", "podid.cli", *arguments]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    data_dir = tmp_path_factory.mktemp("readme-sandbox")
    podid_command(data_dir, "sandbox", "start", "-o", "none")
    yield Endpoints.load(data_dir)
    podid_command(data_dir, "sandbox", "stop", "-o", "none")  # a no-op once the README's own stop ran


def environment(endpoints: Endpoints, home: Path) -> dict[str, str]:
    """A user's shell: podid and az on PATH, the sandbox's data dir, none of this machine's settings."""
    ours = ("AZ_", "AZURE_", "PODID_", "KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
    variables = {name: value for name, value in os.environ.items() if not name.startswith(ours)}
    tools = [str(Path(sys.executable).parent), str(install_az().parent)]  # podid's python first: az's has its own
    path = os.pathsep.join([*tools, variables.get("PATH", "")])
    return {**variables, "HOME": str(home), "PODID_DATA_DIR": endpoints.data_dir, "PATH": path}


def run(script: str, env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    command = ["bash", "-euo", "pipefail", "-c", script]
    done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{script}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def test_every_bash_block_runs_or_says_why_not() -> None:
    text = README.read_text()
    marked = {script for _, script in marked_blocks(text)}
    unmarked = [found["script"].lstrip() for found in BASH.finditer(text) if found["script"] not in marked]
    assert [next((key for key in NOT_RUN if script.startswith(key)), script) for script in unmarked] == [*NOT_RUN]


def test_the_readme_examples_run_as_written(own_sandbox: Endpoints, tmp_path: Path) -> None:
    text, home = README.read_text(), tmp_path / "home"
    home.mkdir()
    env = environment(own_sandbox, home)
    blocks = marked_blocks(text)
    scripts = [script for _, script in blocks]
    assert scripts.index("podid up\n") < min(i for i, script in enumerate(scripts) if "dgraph-test" in script)
    assert "podid sandbox stop" in scripts[-1]  # the last one stops the sandbox
    assert any("podid aks pod-identity add" in script for script in scripts)
    ran = {}
    for needs, script in blocks:
        if all(shutil.which(tool, path=env["PATH"]) for tool in needs):
            ran[script] = run(script, env, home)
    up = ran["podid up\n"]
    for script, done in ran.items():  # what the tool blocks show: the SDK's and az's view, kubectl's, dig's
        lines = done.stdout.splitlines()
        if "sandbox env --proxy" in script:
            assert "['my-group']" in done.stdout and any(line.startswith("my-group ") for line in lines), done.stdout
        if "podid sandbox stop" in script:
            assert any(line.startswith("dgraph-test ") for line in lines), done.stdout  # az group list
            assert any(line.startswith("my-app ") and " demo " in line for line in lines), done.stdout  # kubectl
            assert any(line.startswith("hello.example.internal.") and "\tA\t" in line for line in lines), done.stdout
    real = TIMING.sub("(…)", up.stderr.replace(str(home), "~")).splitlines()
    shown = shown_after(text, "podid up\n")
    assert [TIMING.sub("(…)", line) for line in shown[: len(real)]] == real  # every step and change, as said
    checks = [line.split(":")[0] for line in up.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert [line.split(":")[0] for line in shown if line.startswith(("PASS", "FAIL"))] == checks
    assert up.stdout.splitlines()[-1] in shown
