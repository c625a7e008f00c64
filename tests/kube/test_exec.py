"""``kubectl exec`` and the kubernetes client's ``stream()`` against pods/exec.

Covers, with every installed kubectl (1.27 to 1.29 speak SPDY/3.1, 1.30+ WebSockets ``v5.channel.k8s.io``)
and the Python client (``v5.channel.k8s.io``, then v4): the command runs in the container's environment (its env
vars, the pod root as working directory, its service-account files, the pod's own user when the sandbox
is root); stdout and stderr arrive apart; a non-zero exit is kubectl's "command terminated with exit code
N" and its exit status; ``-i`` feeds stdin to its end; a missing command gets containerd's text (wrapped
once more by the API server's stream translator for v5), a wrong container or pod the API server's 400/404,
a container that is not running the kubelet's "container not found"; without RBAC's ``create`` on
``pods/exec`` the API server's 403; ``-it`` runs the command on a terminal of its own, whose size follows the
client's resize events.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes.stream import stream

from tests.kube.conftest import VERSIONED_KUBECTL, KubeCluster, Kubectl, eventually, write_kubeconfig
from tests.kube.rbac_objects import account_token, binding_manifest, role_manifest

VERSIONS = {path.name.removeprefix("kubectl."): str(path) for path in VERSIONED_KUBECTL}
SPDY_ONLY = frozenset({"1.27", "1.28", "1.29"})  # kubectl before 1.30 has no WebSocket executor
NOT_FOUND = 'exec: "no-such-command": executable file not found in $PATH: unknown'


def running_pod(core: k8s.CoreV1Api, namespace: str, name: str, **container: Any) -> str:
    """An idle pod's IP once it runs (its container does nothing; exec'd commands run beside it)."""
    spec = {"containers": [{"name": "main", "image": "nginx:1.25", **container}]}
    core.create_namespaced_pod(namespace, {"metadata": {"name": name}, "spec": spec})
    running = eventually(lambda: (p := core.read_namespaced_pod(name, namespace)).status.phase == "Running" and p)
    return str(running.status.pod_ip)


@pytest.fixture
def rbac(api_client: k8s.ApiClient) -> k8s.RbacAuthorizationV1Api:
    return k8s.RbacAuthorizationV1Api(api_client)


@pytest.fixture
def versioned(kubectl: Kubectl, request: pytest.FixtureRequest) -> Kubectl:
    return Kubectl(kubectl.kubeconfig, kubectl.cache_dir, VERSIONS[request.param])


@pytest.mark.parametrize("versioned", sorted(VERSIONS), indirect=True)
def test_exec_runs_in_the_containers_environment(versioned: Kubectl, core: k8s.CoreV1Api, namespace: str) -> None:
    env = [{"name": "WHO", "value": "pod"}, {"name": "GREETING", "value": "hello $(WHO)"}]
    running_pod(core, namespace, "env", env=env)
    script = "echo $GREETING; echo to-stderr >&2; cat var/run/secrets/kubernetes.io/serviceaccount/namespace; echo"
    result = versioned.run("exec", "env", "-n", namespace, "--", "sh", "-c", script)
    assert result.stdout.splitlines() == ["hello pod", namespace]
    assert result.stderr == "to-stderr\n"


@pytest.mark.parametrize("versioned", sorted(VERSIONS), indirect=True)
def test_exit_code_and_stdin(versioned: Kubectl, core: k8s.CoreV1Api, namespace: str) -> None:
    running_pod(core, namespace, "codes")
    failed = versioned.run("exec", "codes", "-n", namespace, "--", "sh", "-c", "exit 3", check=False)
    assert (failed.returncode, failed.stderr) == (3, "command terminated with exit code 3\n")
    echoed = versioned.run("exec", "-i", "codes", "-n", namespace, "--", "tr", "a-z", "A-Z", stdin="piped\n")
    assert echoed.stdout == "PIPED\n"


@pytest.mark.parametrize("versioned", sorted(VERSIONS), indirect=True)
def test_what_cannot_run_gets_upstreams_texts(versioned: Kubectl, core: k8s.CoreV1Api, namespace: str) -> None:
    running_pod(core, namespace, "errors")
    missing = versioned.run("exec", "errors", "-n", namespace, "--", "no-such-command", check=False)
    prefix = "Internal error occurred: " * (1 if versioned.binary.endswith(tuple(SPDY_ONLY)) else 2)
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"error: {prefix}error executing command in container: failed to exec")
    assert missing.stderr.endswith(f"{NOT_FOUND}\n")
    container = versioned.run("exec", "errors", "-c", "nope", "-n", namespace, "--", "true", check=False)
    assert container.stderr == "Error from server (BadRequest): container nope is not valid for pod errors\n"
    pod = versioned.run("exec", "ghost", "-n", namespace, "--", "true", check=False)
    assert pod.stderr == 'Error from server (NotFound): pods "ghost" not found\n'


def test_unscheduled_pod_and_plain_request(kubectl: Kubectl, core: k8s.CoreV1Api, namespace: str) -> None:
    """The API server's 400s: a pod on no node, and a request that asks for no upgrade."""
    spec = {"containers": [{"name": "main", "image": "nginx:1.25"}], "nodeSelector": {"nowhere": "true"}}
    core.create_namespaced_pod(namespace, {"metadata": {"name": "pending"}, "spec": spec})
    for version in ("1.29", "1.33"):
        versioned = Kubectl(kubectl.kubeconfig, kubectl.cache_dir, VERSIONS[version])
        result = versioned.run("exec", "pending", "-n", namespace, "--", "true", check=False)
        assert result.stderr == "Error from server (BadRequest): pod pending does not have a host assigned\n"
    running_pod(core, namespace, "plain")
    with pytest.raises(k8s.ApiException) as refused:
        core.connect_post_namespaced_pod_exec("plain", namespace, command=["true"], stdout=True)
    assert refused.value.status == 400
    assert json.loads(refused.value.body)["message"] == "Upgrade request required"


def test_a_container_that_is_not_running(kubectl: Kubectl, core: k8s.CoreV1Api, namespace: str) -> None:
    """A container waiting on a missing Secret: the kubelet has nothing to exec in."""
    ref = {"secretKeyRef": {"name": "absent", "key": "k"}}
    spec = {"containers": [{"name": "main", "image": "nginx:1.25", "env": [{"name": "S", "valueFrom": ref}]}]}
    core.create_namespaced_pod(namespace, {"metadata": {"name": "waiting"}, "spec": spec})
    eventually(lambda: core.read_namespaced_pod("waiting", namespace).status.container_statuses)
    old = Kubectl(kubectl.kubeconfig, kubectl.cache_dir, VERSIONS["1.29"])
    result = old.run("exec", "waiting", "-n", namespace, "--", "true", check=False)
    assert result.stderr == 'error: unable to upgrade connection: container not found ("main")\n'
    new = Kubectl(kubectl.kubeconfig, kubectl.cache_dir, VERSIONS["1.33"])
    result = new.run("exec", "waiting", "-n", namespace, "--", "true", check=False)
    expected = 'error: Internal error occurred: unable to upgrade connection: container not found ("main")\n'
    assert result.stderr == expected


def test_python_client_stream(core: k8s.CoreV1Api, namespace: str) -> None:
    running_pod(core, namespace, "client")
    command = ["sh", "-c", "pwd; cat; echo oops >&2; exit 4"]
    session = stream(
        core.connect_get_namespaced_pod_exec, "client", namespace, command=command,
        stdin=True, stdout=True, stderr=True, tty=False, _preload_content=False,
    )  # fmt: skip
    session.write_stdin("from stdin\n")
    session.close_channel(0)  # v5's end of stdin (the client asks for v5, then v4)
    session.run_forever(timeout=30)
    stdout, stderr = session.read_stdout(), session.read_stderr()
    assert stdout.splitlines()[1:] == ["from stdin"]
    assert stderr == "oops\n"
    assert session.returncode == 4
    session.close()


def test_pod_root_and_user(core: k8s.CoreV1Api, namespace: str) -> None:
    """The working directory is the pod root; a root sandbox runs the command as the pod's own user."""
    running_pod(core, namespace, "whoami")
    output = stream(
        core.connect_get_namespaced_pod_exec, "whoami", namespace, command=["sh", "-c", "id -u; ls"],
        stdout=True, stderr=True, stdin=False, tty=False,
    )  # fmt: skip
    uid, *listing = output.splitlines()
    assert "var" in listing
    assert (int(uid) >= 100_000) == (os.geteuid() == 0)


def test_exec_needs_create_on_pods_exec(
    core: k8s.CoreV1Api, rbac: k8s.RbacAuthorizationV1Api, kube: KubeCluster, namespace: str, tmp_path: Path
) -> None:
    running_pod(core, namespace, "guarded")
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]
    rbac.create_namespaced_role(namespace, role_manifest("Role", "reader", rules, namespace))
    binding = binding_manifest("RoleBinding", "reader", ("Role", "reader"), (namespace, "reader"), namespace)
    rbac.create_namespaced_role_binding(namespace, binding)
    token = account_token(core, namespace, "reader")
    config = write_kubeconfig(tmp_path / "config", kube.access, kube.ca_cert, token=token)
    who = f"system:serviceaccount:{namespace}:reader"
    for version in ("1.29", "1.33"):  # SPDY's POST; WebSockets' GET, then the fallback's POST
        reader = Kubectl(config, tmp_path / f"cache-{version}", VERSIONS[version])
        refused = reader.run("exec", "guarded", "-n", namespace, "--", "true", check=False)
        expected = (
            f'Error from server (Forbidden): pods "guarded" is forbidden: User "{who}" cannot create resource '
            f'"pods/exec" in API group "" in the namespace "{namespace}"\n'
        )
        assert refused.stderr == expected
    exec_rule = {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}
    rbac.patch_namespaced_role("reader", namespace, {"rules": [*rules, exec_rule]})
    allowed = Kubectl(config, tmp_path / "cache-after", VERSIONS["1.33"])
    assert eventually(lambda: allowed.run("exec", "guarded", "-n", namespace, "--", "echo", "in", check=False).stdout)


def test_status_is_the_stream_translators_json(core: k8s.CoreV1Api, namespace: str) -> None:
    """The error channel carries the Status for a non-zero exit as the API server's stream translator writes it
    for v5 (what the client asks for first)."""
    running_pod(core, namespace, "status")
    session = stream(
        core.connect_get_namespaced_pod_exec, "status", namespace, command=["sh", "-c", "exit 7"],
        stdout=True, stderr=True, stdin=False, tty=False, _preload_content=False,
    )  # fmt: skip
    session.run_forever(timeout=10)
    status = json.loads(session.read_channel(3))
    assert status == {
        "metadata": {},
        "status": "Failure",
        "message": "command terminated with non-zero exit code: command terminated with exit code 7",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "7"}]},
    }


def in_terminal(command: list[str], keys: bytes) -> tuple[int, bytes]:
    """Run ``command`` with a terminal as its stdin, stdout and stderr (as a user at a shell), typing ``keys``."""
    master, slave = os.openpty()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    os.write(master, keys)
    output = b""
    while select.select([master], [], [], 60)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: kubectl is gone
            break
        output += chunk
    os.close(master)
    return process.wait(timeout=60), output


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_exec_it_gets_a_terminal(version: str, kubectl: Kubectl, core: k8s.CoreV1Api, namespace: str) -> None:
    running_pod(core, namespace, "shell")
    command = [VERSIONS[version], f"--kubeconfig={kubectl.kubeconfig}", f"--cache-dir={kubectl.cache_dir}"]
    command += ["exec", "-it", "shell", "-n", namespace, "--", "sh"]
    code, output = in_terminal(command, b"tty; echo $((6 * 7)); exit 7\n")
    assert code == 7
    assert b"/dev/pts/" in output
    assert b"\r\n42\r\n" in output
    assert output.endswith(b"command terminated with exit code 7\r\n")


def test_terminal_size_follows_resizes(core: k8s.CoreV1Api, namespace: str) -> None:
    running_pod(core, namespace, "sized")
    # stdin and resizes are separate streams, applied as they come (as the kubelet's are): the command waits for
    # the size rather than racing it
    script = 'read go; while [ "$(stty size)" = "0 0" ]; do sleep 0.05; done; stty size'
    session = stream(
        core.connect_get_namespaced_pod_exec, "sized", namespace, command=["sh", "-c", script],
        stdin=True, stdout=True, stderr=False, tty=True, _preload_content=False,
    )  # fmt: skip
    session.write_channel(4, json.dumps({"Width": 100, "Height": 40}))
    session.write_stdin("go\n")
    session.run_forever(timeout=30)
    assert session.read_stdout().splitlines()[-1] == "40 100"
    assert session.returncode == 0
    session.close()
