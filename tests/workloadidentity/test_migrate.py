"""``podid migrate --to workload-identity`` from a running pod identity ``podid up``.

Covers: a Service added while external-dns rolls gets its record; no external-dns pod logs an error at any
time during the move (their logs are read throughout, so that pods which stop are heard too) and some pod
serves at every moment (followed through a watch); afterwards every external-dns pod is a workload identity
one, the pod identity is gone (podIdentityProfile disabled, no AzureIdentity or binding objects, no Managed
Identity Operator grant to the cluster identity, no pod identity azure.json), and a second migration changes
nothing; a migration without a cluster fails before any change.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch

from podid import provision
from podid.provision import manifests, migrate, podidentity, rbac
from podid.provision import workloadidentity as wi
from podid.provision.design import BINDING_LABEL, HOSTNAME_ANNOTATION
from podid.provision.errors import ProvisionError
from podid.provision.kube import Kube
from podid.provision.state import State
from podid.provision.steps.cluster import kube_for
from podid.provision.wait import wait_for
from podid.sandbox import Endpoints
from tests.provision.conftest import fresh_state
from tests.workloadidentity.test_mode_up import Quiet, record

SELECTOR = f"app={manifests.EXTERNAL_DNS}"


class LogWatch:
    """Reads every external-dns pod's log until stopped, and follows their states through a watch."""

    def __init__(self, kube: Kube, namespace: str) -> None:
        self.kube, self.namespace = kube, namespace
        self.logs: dict[str, str] = {}
        self.serving: list[int] = []  # how many pods serve, after each pod event
        self._stop, self._listed = threading.Event(), threading.Event()
        self._threads = [threading.Thread(target=target, daemon=True) for target in (self._poll_logs, self._watch)]

    def __enter__(self) -> LogWatch:
        for thread in self._threads:
            thread.start()
        assert self._listed.wait(60), "the pod watch did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._read_logs()

    def _read_logs(self) -> None:
        for pod in self.kube.list("Pod", self.namespace, SELECTOR):
            name = pod["metadata"]["name"]
            try:
                self.logs[name] = self.kube.log(self.namespace, name)
            except ProvisionError:  # not started yet, or just gone: the last read stands
                continue

    def _poll_logs(self) -> None:
        while not self._stop.wait(0.2):
            self._read_logs()

    def _watch(self) -> None:
        core = k8s.CoreV1Api(self.kube.client)
        listing = core.list_namespaced_pod(self.namespace, label_selector=SELECTOR)
        pods = {item.metadata.name: self._plain(item) for item in listing.items}
        version = listing.metadata.resource_version
        self._listed.set()  # events from here on are replayed from this version
        while not self._stop.is_set():
            stream = k8s_watch.Watch().stream(
                core.list_namespaced_pod,
                self.namespace,
                label_selector=SELECTOR,
                resource_version=version,
                timeout_seconds=1,
            )
            for event in stream:
                pod = self._plain(event["object"])
                version = pod["metadata"]["resourceVersion"]
                if event["type"] == "DELETED":
                    pods.pop(pod["metadata"]["name"], None)
                else:
                    pods[pod["metadata"]["name"]] = pod
                self.serving.append(sum(1 for item in pods.values() if _serving(item)))

    def _plain(self, pod: Any) -> dict[str, Any]:
        plain: dict[str, Any] = self.kube.client.sanitize_for_serialization(pod)
        return plain

    @property
    def errors(self) -> list[str]:
        return [
            line
            for log in self.logs.values()
            for line in log.splitlines()
            if "level=error" in line or "level=fatal" in line
        ]


def _serving(pod: dict[str, Any]) -> bool:
    """Running, ready and not being stopped."""
    status = pod.get("status", {})
    ready = any(item["type"] == "Ready" and item["status"] == "True" for item in status.get("conditions", []))
    return status.get("phase") == "Running" and ready and not pod["metadata"].get("deletionTimestamp")


class AddServiceDuringRoll(Quiet):
    """When the migration starts rolling external-dns, a new Service wants a record."""

    def __init__(self, state: State) -> None:
        self.state = state

    def started(self, step: str) -> None:
        if step != "external-dns":
            return
        kube = kube_for(self.state)
        assert kube is not None
        kube.create(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": "during",
                    "namespace": "default",
                    "annotations": {HOSTNAME_ANNOTATION: f"during.{self.state.design.domain}"},
                },
                "spec": {"type": "LoadBalancer", "selector": {"app": "hello"}, "ports": [{"port": 80}]},
            }
        )


@dataclass(frozen=True)
class Migration:
    state: State
    kube: Kube
    watch: LogWatch


@pytest.fixture(scope="module")
def migrated(endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Migration:
    """A pod identity `up`, then the migration, with external-dns's pods watched throughout."""
    name, kubeconfig = f"wimig{os.getpid()}", tmp_path_factory.mktemp("wimig") / "config"
    provision.up(fresh_state(endpoints, name, kubeconfig), Quiet())
    state = fresh_state(endpoints, name, kubeconfig)
    wait_for(lambda: record(state, "hello", "A"), "the hello record (pod identity)", 120.0, max_delay=1.0)
    kube = Kube.from_file(kubeconfig, context=state.design.cluster)
    with LogWatch(kube, state.design.dns.namespace) as watch:
        migrate.to_workload_identity(state, AddServiceDuringRoll(state))
        wait_for(lambda: record(state, "during", "A"), "the record of the Service added during the move", 120.0)
    return Migration(state, kube, watch)


def test_a_service_added_during_the_move_gets_its_record(migrated: Migration) -> None:
    assert record(migrated.state, "during", "A").a_records


def test_no_external_dns_pod_logs_an_error(migrated: Migration) -> None:
    assert len(migrated.watch.logs) >= 2  # the pod identity pod and its workload identity successor were both heard
    assert migrated.watch.errors == []


def test_some_external_dns_pod_serves_at_every_moment(migrated: Migration) -> None:
    assert migrated.watch.serving and min(migrated.watch.serving) >= 1


def test_every_external_dns_pod_uses_workload_identity(migrated: Migration) -> None:
    pods = migrated.kube.list("Pod", migrated.state.design.dns.namespace, SELECTOR)
    assert pods and all(pod["metadata"]["labels"].get(wi.USE_LABEL) == "true" for pod in pods)
    assert all(BINDING_LABEL not in pod["metadata"]["labels"] for pod in pods)


def test_the_pod_identity_is_gone(migrated: Migration) -> None:
    design, clients, kube = migrated.state.design, migrated.state.clients, migrated.kube
    cluster = podidentity.get_cluster(clients, design.group, design.cluster)
    assert not podidentity.enabled(cluster)
    for plural in ("azureidentities", "azureidentitybindings"):
        assert kube.request("GET", f"/apis/aadpodidentity.k8s.io/v1/{plural}")["items"] == []
    principal, operator = podidentity.cluster_principal(cluster), podidentity.MANAGED_IDENTITY_OPERATOR
    for pod_identity in design.pod_identities:
        scope = str(clients.msi.user_assigned_identities.get(design.group, pod_identity.identity_name).id)
        assert rbac.find(clients.authorization.role_assignments, scope, operator, principal) is None
    assert kube.get("Secret", design.dns.namespace, manifests.SECRET_NAME) is None


def test_a_second_migration_changes_nothing(migrated: Migration, endpoints: Endpoints) -> None:
    design = migrated.state.design
    again = migrate.to_workload_identity(fresh_state(endpoints, design.group, migrated.state.kubeconfig), Quiet())
    assert [report.step for report in again if report.changes] == []


def test_migration_needs_a_cluster(endpoints: Endpoints, unique: str, tmp_path: Path) -> None:
    with pytest.raises(ProvisionError, match=r"does not exist in .*: run `podid up` first"):
        migrate.to_workload_identity(fresh_state(endpoints, unique, tmp_path / "config"), Quiet())
