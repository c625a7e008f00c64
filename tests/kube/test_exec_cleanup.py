"""An exec whose command ends while its stdin is still open (``sh`` reading ``exit`` from the client's stdin, as
kubernetes-client/python's e2e suite does) leaves nothing behind in the API server: the stdin pump is cancelled
and its outcome retrieved, so asyncio logs no "exception was never retrieved" for it.
"""

from __future__ import annotations

import gc
import logging

import pytest
from kubernetes import client as k8s
from kubernetes.stream import stream

from tests.kube.test_exec import running_pod


def test_an_exec_ending_before_its_stdin_logs_nothing(
    core: k8s.CoreV1Api, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    running_pod(core, namespace, "shell")
    caplog.set_level(logging.ERROR, logger="asyncio")
    for code in (3, 0):  # the second exec runs after the first one's server side has finished
        session = stream(
            core.connect_post_namespaced_pod_exec, "shell", namespace, command=["/bin/sh"],
            stdin=True, stdout=True, stderr=True, tty=False, _preload_content=False,
        )  # fmt: skip
        session.write_stdin(f"exit {code}\n")
        session.run_forever(timeout=30)
        assert session.returncode == code
        session.close()
    gc.collect()
    assert [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()] == []
