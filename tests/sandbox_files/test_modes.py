"""What the sandbox keeps on disk is its owner's alone, and the operator's secret is not kept in its state.

Covers: whatever the umask, the data directory and its folders are 0700 and every file in it is 0600 but the
certificates (public by nature); the state database, its -wal and -shm, endpoints.json, the control token and
every private key are among those files; a restart tightens the modes an older run left; the state database
holds the operator's secret neither in clear nor as an older sandbox stored it, a restart keeps the published
secret working, and a lost endpoints.json gets the operator a new secret (the old one stops working).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from azure.core.exceptions import ClientAuthenticationError

from podid.sandbox import Endpoints
from podid.sandbox.core.store import Store
from tests.conftest import ARM_SCOPE, credential_for, start_sandbox

PUBLIC = {"ca-bundle.pem", "pki/ca.crt", "pki/server.crt"}  # certificates: clients and pods trust them
SECRETS = {
    "endpoints.json",
    "control-token",
    "state.db",
    "state.db-wal",
    "state.db-shm",
    "signing.pem",
    "pki/ca.key",
    "pki/server.key",
}


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


@contextmanager
def running(data_dir: Path) -> Iterator[Endpoints]:
    sandbox, endpoints = start_sandbox(data_dir)
    try:
        yield endpoints
    finally:
        sandbox.stop()


def modes(data_dir: Path) -> dict[str, int]:
    """Every path below ``data_dir`` (and ``.`` for itself) with its permission bits."""
    found = {".": stat.S_IMODE(data_dir.stat().st_mode)}
    for path in data_dir.rglob("*"):
        found[str(path.relative_to(data_dir))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def assert_private(data_dir: Path) -> None:
    found = modes(data_dir)
    assert set(found) >= SECRETS
    loose = {
        name: oct(mode)
        for name, mode in found.items()
        if mode != (0o700 if (data_dir / name).is_dir() else 0o600) and name not in PUBLIC
    }
    assert loose == {}


def can_sign_in(endpoints: Endpoints, secret: str) -> bool:
    try:
        credential_for(endpoints, endpoints.operator.client_id, secret).get_token(ARM_SCOPE)
    except ClientAuthenticationError:
        return False
    return True


def test_everything_is_private_whatever_the_umask(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    with umask(0), running(data_dir) as endpoints:
        assert can_sign_in(endpoints, endpoints.operator.client_secret)  # written to the -wal by now
        assert_private(data_dir)


def test_a_restart_tightens_an_older_run_s_modes(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    with running(data_dir):
        pass
    for path in [data_dir, *data_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    with running(data_dir):
        assert_private(data_dir)


def stored_bytes(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in data_dir.glob("state.db*"))


def test_the_operator_secret_is_not_stored(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    with running(data_dir) as first:
        secret = first.operator.client_secret
        assert secret.encode() not in stored_bytes(data_dir)
    with running(data_dir) as second:  # taken back from endpoints.json
        assert second.operator.client_secret == secret
        assert can_sign_in(second, secret)
        assert secret.encode() not in stored_bytes(data_dir)


def test_a_lost_endpoints_file_gets_the_operator_a_new_secret(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    with running(data_dir) as first:
        old = first.operator.client_secret
    (data_dir / "endpoints.json").unlink()
    with running(data_dir) as second:
        assert second.operator.client_id == first.operator.client_id
        assert second.operator.client_secret != old
        assert can_sign_in(second, second.operator.client_secret)
        assert not can_sign_in(second, old)


def test_a_secret_an_older_sandbox_stored_in_clear_is_dropped(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    with running(data_dir) as first:
        secret = first.operator.client_secret
    store = Store(data_dir / "state.db")  # as an older sandbox left it: the secret in the bootstrap document
    bootstrap = store.get("sandbox", "bootstrap")
    assert bootstrap is not None
    store.put("sandbox", "bootstrap", {**bootstrap, "operator": {**bootstrap["operator"], "clientSecret": secret}})
    store.close()
    (data_dir / "endpoints.json").unlink()
    with running(data_dir) as second:
        assert second.operator.client_secret == secret
        assert can_sign_in(second, secret)
    assert secret.encode() not in stored_bytes(data_dir)


def test_the_control_token_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    with running(data_dir) as first:
        assert (data_dir / "control-token").read_text() == first.control_token
    with running(data_dir) as second:
        assert second.control_token == first.control_token
