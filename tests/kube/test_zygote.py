"""The zygote that forks workload processes warm (``kubelet.zygote``, ``kubelet.zygote_client``).

Covers: a workload started through the zygote runs in the cwd and with the argv it was given, stdin from
/dev/null, in its own session, logs to its log file and exits with its code (2 for the demo's unknown flag);
SIGTERM reaches a running child (status -15), and a signal sent before the zygote has even forked the child
kills it too; if the zygote dies its children die with it (reported as SIGKILL) and later containers start
directly; in a sandbox pod, the container's process is a child of the zygote, and deleting the pod kills it
before the pod goes (the other tests of pods that run workloads, in test_pods.py, run through the zygote too); a
sandbox starts a zygote before it has any cluster, and its first cluster's workloads are forked by that one.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

import podid
from podid.sandbox.kube.kubelet.containers import DirectProcess
from podid.sandbox.kube.kubelet.zygote_client import Zygote, ZygoteChild
from tests.conftest import start_sandbox
from tests.kube.conftest import Kubectl, cluster_spec, eventually, write_kubeconfig

DEMO_IMAGE = "mcr.microsoft.com/oss/azure/aad-pod-identity/demo:v1.6.3"
SLEEPING = [DEMO_IMAGE, "--retry-wait-time=60"]  # the demo sleeps before its first attempt


@pytest.fixture
def zygote() -> Iterator[Zygote]:
    source_root = str(Path(podid.__file__).resolve().parent.parent)
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": source_root, "PYTHONUNBUFFERED": "1", "LANG": "C.UTF-8"}
    started = Zygote(sys.executable, env)
    yield started
    started.close()


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def forked(process: object) -> int:
    assert isinstance(process, ZygoteChild)
    return eventually(lambda: process.poll() is None and process.pid)


def test_workload_logs_and_exits_with_its_code(zygote: Zygote, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "demo" / "0.log"
    process = zygote.spawn([DEMO_IMAGE, "--no-such-flag"], {"ONLY": "this"}, tmp_path, log)
    assert isinstance(process, ZygoteChild)
    assert process.wait() == 2
    assert process.pid is not None and process.pid != os.getpid()
    assert "demo: error: unrecognized arguments: --no-such-flag" in log.read_text()


def test_child_has_its_cwd_stdin_and_session(zygote: Zygote, tmp_path: Path) -> None:
    process = zygote.spawn(SLEEPING, {"ONLY": "this"}, tmp_path, tmp_path / "0.log")
    pid = forked(process)
    # the zygote reports the pid right after fork; the child sets up its cwd and stdin a moment later
    assert eventually(lambda: Path(f"/proc/{pid}/cwd").resolve() == tmp_path.resolve())
    assert eventually(lambda: os.readlink(f"/proc/{pid}/fd/0") == os.devnull)
    assert os.getpgid(pid) == pid  # its own session and process group, as a container's
    process.signal_group(signal.SIGTERM)
    assert process.wait() == -signal.SIGTERM


def test_signal_before_the_fork(zygote: Zygote, tmp_path: Path) -> None:
    first = zygote.spawn(SLEEPING, {}, tmp_path, tmp_path / "0.log")
    first.signal_group(signal.SIGKILL)  # the zygote is still importing: the child has no pid yet
    assert first.wait() == -signal.SIGKILL


def test_children_die_with_the_zygote_and_later_ones_start_directly(zygote: Zygote, tmp_path: Path) -> None:
    process = zygote.spawn(SLEEPING, {}, tmp_path, tmp_path / "0.log")
    pid = forked(process)
    os.kill(parent_of(pid), signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    eventually(lambda: gone(pid))
    later = zygote.spawn([DEMO_IMAGE, "--no-such-flag"], {}, tmp_path, tmp_path / "1.log")
    assert isinstance(later, DirectProcess)
    assert later.wait() == 2


def workload_pid(namespace: str, pod: str) -> int | None:
    """The process working in the pod's root directory (``<pods dir>/<namespace>_<name>_<uid>/root``)."""
    for entry in Path("/proc").iterdir():
        try:
            cwd = os.readlink(entry / "cwd")
        except (OSError, ValueError):
            continue
        if f"/{namespace}_{pod}_" in cwd and entry.name.isdigit():
            return int(entry.name)
    return None


def test_pod_container_is_forked_and_killed_on_delete(
    core: k8s.CoreV1Api, kubectl: Kubectl, namespace: str, unique: str
) -> None:
    name = f"warm-{unique}"[:50]
    container = {"name": "demo", "image": DEMO_IMAGE, "args": ["--retry-wait-time=60"]}
    core.create_namespaced_pod(namespace, {"metadata": {"name": name}, "spec": {"containers": [container]}})
    pid = eventually(lambda: workload_pid(namespace, name))
    assert "kubelet/zygote.py" in Path(f"/proc/{parent_of(pid)}/cmdline").read_text()
    core.delete_namespaced_pod(name, namespace, grace_period_seconds=5)
    eventually(lambda: gone(pid))
    eventually(lambda: name not in kubectl("get", "pods", "-n", namespace, "-o", "name"))


def zygotes() -> set[int]:
    """This process's zygote children (every in-process sandbox's)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            ours = entry.name.isdigit() and parent_of(int(entry.name)) == os.getpid()
            if ours and "kubelet/zygote.py" in (entry / "cmdline").read_text():
                found.add(int(entry.name))
        except OSError:
            continue  # gone meanwhile
    return found


def test_a_new_sandbox_has_a_warm_zygote_for_its_first_cluster(tmp_path: Path) -> None:
    before = zygotes()
    sandbox, _ = start_sandbox(tmp_path / "sandbox")
    try:
        assert sandbox.cloud is not None and sandbox.endpoints is not None
        [warm] = zygotes() - before  # started with the sandbox, before any cluster exists
        access = sandbox.cloud.kube.ensure_cluster(cluster_spec(sandbox.endpoints, "warm"))
        kubeconfig = write_kubeconfig(tmp_path / "config", access, sandbox.endpoints.ca_cert)
        core = k8s.CoreV1Api(k8s_config.new_client_from_config(config_file=str(kubeconfig)))
        container = {"name": "demo", "image": DEMO_IMAGE, "args": ["--retry-wait-time=60"]}
        core.create_namespaced_pod("default", {"metadata": {"name": "first"}, "spec": {"containers": [container]}})
        pid = eventually(lambda: workload_pid("default", "first"))
        assert parent_of(pid) == warm
    finally:
        sandbox.stop()
