"""Pod processes run as users of their own and can read their pod's files only.

Covers, when the sandbox runs as root (skipped otherwise, as a sandbox that is not root cannot change users): a
workload's process runs as the pod's own unprivileged user (uid 100000 + the index of its pod IP, gid the same,
no supplementary groups, no capabilities); its service-account token is 0600 and owned by that user, its
volumes directory and root 0700, and the sandbox CA it trusts is a copy in its root; a process with exactly its
credentials (what the kernel checks a file's permissions against) reads its token and CA but cannot open the
sandbox's state.db nor another pod's token; ``runAsUser``/``runAsGroup`` (pod-level, container-level over it)
choose the user, and ``runAsUser: 0`` keeps root; a workload whose interpreter its user cannot reach exits with
128. Everywhere: ``runAsNonRoot`` with ``runAsUser: 0`` is refused with the kubelet's CreateContainerConfigError
(the modes of the pod's files are covered in test_podfiles.py).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from podid.sandbox import Endpoints
from podid.sandbox.kube.apiserver.admission import TOKEN_MOUNT
from podid.sandbox.kube.kubelet.containers import FailedStart, direct_spawn
from podid.sandbox.kube.kubelet.runas import User
from tests.kube.conftest import eventually
from tests.kube.test_zygote import DEMO_IMAGE, workload_pid

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only a sandbox running as root can run pods as other users")
TOKEN = TOKEN_MOUNT.lstrip("/") + "/token"
SLEEPING = ["--retry-wait-time=60"]  # the demo sleeps before its first attempt


def start_pod(core: k8s.CoreV1Api, namespace: str, name: str, **security: Any) -> tuple[int, str]:
    """A sleeping demo pod: its workload's pid and its pod IP, once running."""
    container: dict[str, Any] = {"name": "demo", "image": DEMO_IMAGE, "args": SLEEPING}
    if "container" in security:
        container["securityContext"] = security.pop("container")
    spec = {"containers": [container], "securityContext": security}
    core.create_namespaced_pod(namespace, {"metadata": {"name": name}, "spec": spec})
    pid = eventually(lambda: workload_pid(namespace, name))
    ip = eventually(lambda: core.read_namespaced_pod(name, namespace).status.pod_ip)
    return pid, ip


def status(pid: int) -> dict[str, list[str]]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.split() for key, _, value in (line.partition(":") for line in lines)}


def credentials(pid: int) -> tuple[list[int], list[int], list[int]]:
    """(real, effective, saved, filesystem) uids, the same gids, and the supplementary groups of ``pid``."""
    found = eventually(lambda: status(pid) if status(pid)["Uid"][0] != "0" else None)  # the child drops at once
    return [int(u) for u in found["Uid"]], [int(g) for g in found["Gid"]], [int(g) for g in found["Groups"]]


def pod_uid(ip: str) -> int:
    return 100_000 + int(ipaddress.ip_address(ip)) - int(ipaddress.ip_address("127.244.0.0"))


def open_as(pid: int, paths: list[str]) -> list[str]:
    """Open each path for reading in a child with the credentials and cwd of process ``pid``: "ok" or the
    errno's name."""
    uids, gids, groups = credentials(pid)
    cwd = os.readlink(f"/proc/{pid}/cwd")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover  (the forked child)
        try:
            os.close(read)
            os.chdir(cwd)
            os.setgroups(groups)
            os.setgid(gids[1])
            os.setuid(uids[1])
            os.write(write, " ".join(_try_open(path) for path in paths).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as reader:
        results = reader.read().decode().split()
    os.waitpid(child, 0)
    return results


def _try_open(path: str) -> str:
    try:
        os.close(os.open(path, os.O_RDONLY))
    except OSError as error:
        return errno.errorcode[error.errno]
    return "ok"


@as_root
def test_workload_runs_as_the_pods_own_user(core: k8s.CoreV1Api, namespace: str) -> None:
    pid, ip = start_pod(core, namespace, "own-user")
    uids, gids, groups = credentials(pid)
    assert uids == [pod_uid(ip)] * 4 and gids == [pod_uid(ip)] * 4 and groups == []
    assert status(pid)["CapEff"] == ["0000000000000000"]
    root = Path(os.readlink(f"/proc/{pid}/cwd"))
    token = (root / TOKEN).stat()
    assert (stat.S_IMODE(token.st_mode), token.st_uid, token.st_gid) == (0o600, pod_uid(ip), pod_uid(ip))
    volumes = (root.parent / "volumes").stat()
    assert (stat.S_IMODE(volumes.st_mode), volumes.st_uid) == (0o700, pod_uid(ip))
    assert stat.S_IMODE(root.stat().st_mode) == 0o700 and root.stat().st_uid == pod_uid(ip)


@as_root
def test_pod_user_reads_its_files_and_nothing_of_the_sandbox(
    core: k8s.CoreV1Api, endpoints: Endpoints, namespace: str
) -> None:
    pid, _ = start_pod(core, namespace, "reader")
    other, _ = start_pod(core, namespace, "neighbour")
    other_token = Path(os.readlink(f"/proc/{other}/cwd")) / TOKEN
    paths = [
        f"/proc/self/cwd/{TOKEN}",
        "/proc/self/cwd/etc/ssl/certs/ca-certificates.crt",
        str(Path(endpoints.data_dir) / "state.db"),
        str(other_token),
        f"/proc/{other}/cwd/{TOKEN}",  # the neighbour's root, through its process: another user's
    ]
    assert open_as(pid, paths) == ["ok", "ok", "EACCES", "EACCES", "EACCES"]
    assert (Path(os.readlink(f"/proc/{pid}/cwd")) / "etc/ssl/certs/ca-certificates.crt").read_bytes() == Path(
        endpoints.ca_cert
    ).read_bytes()


@as_root
def test_run_as_user_and_group(core: k8s.CoreV1Api, namespace: str) -> None:
    pid, _ = start_pod(core, namespace, "pod-level", runAsUser=4321, runAsGroup=5432)
    assert credentials(pid)[:2] == ([4321] * 4, [5432] * 4)
    token = (Path(os.readlink(f"/proc/{pid}/cwd")) / TOKEN).stat()
    assert (token.st_uid, token.st_gid) == (4321, 5432)
    pid, _ = start_pod(core, namespace, "container-level", runAsUser=4321, container={"runAsUser": 1234})
    assert credentials(pid)[:2] == ([1234] * 4, [1234] * 4)  # no runAsGroup: the user's own number


@as_root
def test_run_as_root_stays_root(core: k8s.CoreV1Api, namespace: str) -> None:
    pid, _ = start_pod(core, namespace, "root", container={"runAsUser": 0})
    eventually(lambda: Path(f"/proc/{pid}/cwd").resolve().name == "root")  # the child has set itself up
    assert status(pid)["Uid"] == ["0"] * 4 and status(pid)["Gid"] == ["0"] * 4
    token = (Path(os.readlink(f"/proc/{pid}/cwd")) / TOKEN).stat()
    assert (stat.S_IMODE(token.st_mode), token.st_uid) == (0o600, 0)


def test_run_as_non_root_refuses_root(core: k8s.CoreV1Api, namespace: str) -> None:
    name = "non-root"
    container = {"name": "demo", "image": DEMO_IMAGE, "args": SLEEPING, "securityContext": {"runAsUser": 0}}
    spec = {"containers": [container], "securityContext": {"runAsNonRoot": True}}
    created = core.create_namespaced_pod(namespace, {"metadata": {"name": name}, "spec": spec})

    def waiting() -> k8s.V1ContainerStateWaiting | None:
        statuses = core.read_namespaced_pod(name, namespace).status.container_statuses or []
        return statuses[0].state.waiting if statuses and statuses[0].state.waiting else None

    state = eventually(waiting)
    assert state.reason == "CreateContainerConfigError"
    where = f'(pod: "{name}_{namespace}({created.metadata.uid})", container: demo)'
    assert state.message == f"container's runAsUser breaks non-root policy {where}"
    assert workload_pid(namespace, name) is None


@as_root
def test_a_workload_its_user_cannot_start_exits_with_128(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "python").symlink_to(sys.executable)
    log = tmp_path / "logs" / "0.log"
    process = direct_spawn(str(private / "python"), [DEMO_IMAGE], {}, tmp_path, log, User(4321, 4321))
    assert isinstance(process, FailedStart) and process.wait() == 128
    assert "failed to start the workload: [Errno 13] Permission denied" in log.read_text()
