"""Which identity mode `podid verify` acts in, read from the cluster (pure).

Covers: the pod identity add-on means pod identity mode, also while workload identity is on as well (the middle
of a migration); workload identity alone means workload identity mode; neither falls back to pod identity mode
(whose checks then report what is missing); an external-dns pod counts as federated only with the webhook label,
the external-dns ServiceAccount and no pod identity binding label.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from podid.verify.cases import POD_IDENTITY, WORKLOAD_IDENTITY
from podid.verify.modes import _federated_pod, detect


def cluster(pod_identity: bool | None, workload_identity: bool | None) -> Any:
    profile = None if pod_identity is None else SimpleNamespace(enabled=pod_identity)
    security = (
        None
        if workload_identity is None
        else SimpleNamespace(workload_identity=SimpleNamespace(enabled=workload_identity))
    )
    return SimpleNamespace(pod_identity_profile=profile, security_profile=security)


@pytest.mark.parametrize(
    ("pod_identity", "workload_identity", "mode"),
    [
        (True, None, POD_IDENTITY),
        (True, True, POD_IDENTITY),
        (False, True, WORKLOAD_IDENTITY),
        (None, True, WORKLOAD_IDENTITY),
        (None, False, POD_IDENTITY),
        (None, None, POD_IDENTITY),
    ],
)
def test_the_mode_is_read_from_the_cluster(
    pod_identity: bool | None, workload_identity: bool | None, mode: str
) -> None:
    assert detect(cluster(pod_identity, workload_identity)) == mode


def pod(labels: dict[str, str], account: str = "external-dns") -> dict[str, Any]:
    return {"metadata": {"name": "p", "labels": labels}, "spec": {"serviceAccountName": account}}


def test_a_federated_external_dns_pod_needs_the_label_the_account_and_no_binding() -> None:
    use = {"azure.workload.identity/use": "true"}
    assert _federated_pod(pod(use))
    assert not _federated_pod(pod({}))
    assert not _federated_pod(pod({"azure.workload.identity/use": "false"}))
    assert not _federated_pod(pod(use, account="default"))
    assert not _federated_pod(pod({**use, "aadpodidbinding": "external-dns"}))
