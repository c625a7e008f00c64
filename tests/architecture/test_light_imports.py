"""Importing kube's in-process contract does not start the whole fleet's imports.

The pod identity add-on, workload identity's webhook, AKS and the proxy are cluster clients: they import
``podid.sandbox.kube.api`` (and kube's bottom rooms, ``machinery`` and ``network``), never the API server, the
kubelet or the controllers, which only the fleet needs. A package ``__init__`` runs on every import of a module
below it, so what it imports is paid by all of them; the import graph does not show it, a fresh interpreter does.
Covers: each client's modules, in a fresh interpreter, load no room of kube above the machinery.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

KUBE = "podid.sandbox.kube"
LIGHT_ROOMS = {"api", "machinery", "network"}
CLIENTS = [
    "podid.sandbox.kube.api",
    "podid.sandbox.podidentity.nmi",
    "podid.sandbox.podidentity.mic",
    "podid.sandbox.workloadidentity.admission",
    "podid.sandbox.arm.containerservice.models",
    "podid.sandbox.proxy.server",
]
_LOADED = "import importlib, json, sys; importlib.import_module(sys.argv[1]); print(json.dumps(sorted(sys.modules)))"


def kube_rooms_loaded(module: str) -> set[str]:
    """The rooms of kube (its sub-packages and modules) that importing ``module`` loads."""
    output = subprocess.run([sys.executable, "-c", _LOADED, module], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(output.stdout)
    return {name.split(".")[3] for name in loaded if name.startswith(KUBE + ".")}


@pytest.mark.parametrize("module", CLIENTS)
def test_a_client_of_the_contract_loads_only_kube_bottom_rooms(module: str) -> None:
    rooms = kube_rooms_loaded(module)
    assert "api" in rooms
    assert rooms <= LIGHT_ROOMS, sorted(rooms - LIGHT_ROOMS)


def test_the_package_exports_the_fleet_when_asked() -> None:
    from podid.sandbox import kube
    from podid.sandbox.kube.fleet import KubeFleet
    from podid.sandbox.kube.machinery.status import KubeApiError

    assert (kube.KubeFleet, kube.KubeApiError) == (KubeFleet, KubeApiError)
    with pytest.raises(AttributeError):
        _ = kube.NotExported
