"""One sandbox per test session, on free ports in a temporary directory, and real clients pointed at it.

The helpers live in ``podid.sandbox.testing`` (the benchmarks use them too); they are imported here so that
tests keep taking them from ``tests.conftest``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from collections.abc import Callable, Iterator

import pytest
from azure.identity import ClientSecretCredential

from podid.sandbox import Endpoints, Sandbox
from podid.sandbox.testing import (
    ARM_SCOPE,
    GRAPH_SCOPE,
    ServicePrincipalLogin,
    control_call,
    credential_for,
    eventually,
    graph_call,
    mgmt_client,
    operator_credential_for,
    reset,
    service_principal_maker,
    start_sandbox,
)
from tests.azcli._install import install_az

__all__ = [
    "ARM_SCOPE",
    "GRAPH_SCOPE",
    "ServicePrincipalLogin",
    "control_call",
    "credential_for",
    "eventually",
    "graph_call",
    "mgmt_client",
    "reset",
    "start_sandbox",
]

_counter = itertools.count()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules that drive the Azure CLI run last, while it installs in the background: a first install takes
    minutes, in which the workers run everything else instead of waiting for it."""
    with_az = {item.path for item in items if item.get_closest_marker("azcli")}
    if with_az:
        items.sort(key=lambda item: item.path in with_az)  # stable: each module keeps its order
        threading.Thread(target=_install_az_quietly, daemon=True).start()


def _install_az_quietly() -> None:
    with contextlib.suppress(Exception):  # the fixture's own install_az() call raises what went wrong
        install_az()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    running, _ = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def endpoints(sandbox: Sandbox) -> Endpoints:
    assert sandbox.endpoints is not None
    return sandbox.endpoints


@pytest.fixture(scope="session")
def operator_credential(endpoints: Endpoints) -> ClientSecretCredential:
    return operator_credential_for(endpoints)


@pytest.fixture
def unique() -> str:
    """A name no other test in this session uses (tests share one sandbox)."""
    return f"t{os.getpid() % 1000}x{next(_counter)}"


@pytest.fixture(scope="session")
def make_service_principal(
    endpoints: Endpoints, operator_credential: ClientSecretCredential
) -> Callable[[str], ServicePrincipalLogin]:
    """Create an app registration, its service principal and a client secret through Graph, as the operator."""
    return service_principal_maker(endpoints, operator_credential)
