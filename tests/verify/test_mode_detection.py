"""Which identity mode `podid verify` acts in, read from the cluster (pure).

Covers: the pod identity add-on holding external-dns's pod identity means pod identity mode, also while workload
identity is on as well (the middle of a migration); workload identity with external-dns's pod identity gone means
workload identity mode, even when the add-on stays for other pod identities; neither falls back to pod identity mode
(whose checks then report what is missing); an external-dns pod counts as federated only with the webhook label,
the external-dns ServiceAccount and no pod identity binding label.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from podid.provision.design import PodIdentity
from podid.verify.cases import POD_IDENTITY, WORKLOAD_IDENTITY
from podid.verify.modes import _federated_pod, detect

DNS = PodIdentity("dns-identity", "external-dns", "kube-addons")


def cluster(pod_identity: bool | None, workload_identity: bool | None, entries: tuple[str, ...] = ()) -> Any:
    held = [SimpleNamespace(name=name, namespace="kube-addons") for name in entries]
    profile = None if pod_identity is None else SimpleNamespace(enabled=pod_identity, user_assigned_identities=held)
    security = (
        None
        if workload_identity is None
        else SimpleNamespace(workload_identity=SimpleNamespace(enabled=workload_identity))
    )
    return SimpleNamespace(pod_identity_profile=profile, security_profile=security)


@pytest.mark.parametrize(
    ("pod_identity", "workload_identity", "entries", "mode"),
    [
        (True, None, ("external-dns",), POD_IDENTITY),
        (True, None, (), POD_IDENTITY),
        (True, True, ("external-dns",), POD_IDENTITY),
        (True, True, ("someone-elses",), WORKLOAD_IDENTITY),
        (False, True, ("external-dns",), WORKLOAD_IDENTITY),
        (None, True, (), WORKLOAD_IDENTITY),
        (None, False, (), POD_IDENTITY),
        (None, None, (), POD_IDENTITY),
    ],
)
def test_the_mode_is_read_from_the_cluster(
    pod_identity: bool | None, workload_identity: bool | None, entries: tuple[str, ...], mode: str
) -> None:
    assert detect(cluster(pod_identity, workload_identity, entries), DNS) == mode


def pod(labels: dict[str, str], account: str = "external-dns") -> dict[str, Any]:
    return {"metadata": {"name": "p", "labels": labels}, "spec": {"serviceAccountName": account}}


def test_a_federated_external_dns_pod_needs_the_label_the_account_and_no_binding() -> None:
    use = {"azure.workload.identity/use": "true"}
    assert _federated_pod(pod(use))
    assert not _federated_pod(pod({}))
    assert not _federated_pod(pod({"azure.workload.identity/use": "false"}))
    assert not _federated_pod(pod(use, account="default"))
    assert not _federated_pod(pod({**use, "aadpodidbinding": "external-dns"}))
