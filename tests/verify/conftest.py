"""`podid(...)`: the CLI in-process against the session sandbox, as in tests/cli; and one `podid up` per test
module in the identity mode the module names with its own ``mode`` fixture.

    @pytest.fixture(scope="module")
    def mode() -> str:
        return WORKLOAD_IDENTITY

A module that asks for ``provisioned`` gets its setup made with the CLI (``settings`` are its arguments) and
removed with ``podid down`` after its last test; ``kube`` reaches its cluster.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podid.cli import main
from podid.provision.kube import Kube
from podid.provision.state import State
from podid.sandbox import Endpoints
from tests.cli.conftest import podid
from tests.provision.conftest import fresh_state


@pytest.fixture(scope="module")
def settings(mode: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The setup's arguments: names unique to this process and mode (``vpi1234``, ``vwi1234``), its kubeconfig."""
    name = "v" + "".join(word[0] for word in mode.split("-")) + str(os.getpid())
    kubeconfig = tmp_path_factory.mktemp(name) / "config"
    return [
        "--resource-group", name, "--cluster-name", f"aks-{name}", "--dns-domain", f"{name}.internal",
        "--kubeconfig", str(kubeconfig),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def provisioned(endpoints: Endpoints, mode: str, settings: list[str]) -> Iterator[State]:
    code = main(["up", "--mode", mode, *settings, "-o", "none", "--data-dir", endpoints.data_dir])
    assert code == 0
    yield fresh_state(endpoints, settings[1], Path(settings[-1]))
    main(["down", *settings, "--yes", "-o", "none", "--data-dir", endpoints.data_dir])


@pytest.fixture(scope="module")
def kube(provisioned: State) -> Kube:
    return Kube.from_file(provisioned.kubeconfig, context=provisioned.design.cluster)


def findings(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A `podid verify -o json` result's findings by check."""
    return {finding["check"]: finding for finding in result["findings"]}


__all__ = ["findings", "podid"]
