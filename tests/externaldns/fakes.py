"""Small builders and fakes shared by the external-dns tests (no server, no SDK patching)."""

import threading
from dataclasses import dataclass, field

from podid.workloads.externaldns.endpoint import OWNER_LABEL, RESOURCE_LABEL, Endpoint
from podid.workloads.externaldns.plan import Changes
from podid.workloads.externaldns.provider.inmemory import InMemoryProvider
from podid.workloads.externaldns.source import Ingress, Service

LEGACY = "external-dns.alpha.kubernetes.io/"
NEW = "external-dns.kubernetes.io/"


def ep(
    name: str,
    record_type: str,
    *targets: str,
    ttl: int = 0,
    owner: str | None = None,
    resource: str | None = None,
) -> Endpoint:
    labels = {}
    if owner is not None:
        labels[OWNER_LABEL] = owner
    if resource is not None:
        labels[RESOURCE_LABEL] = resource
    return Endpoint(name, record_type, targets, ttl, labels)


def service(
    name: str,
    annotations: dict[str, str] | None = None,
    *,
    ips: tuple[str, ...] = (),
    hostnames: tuple[str, ...] = (),
    external_ips: tuple[str, ...] = (),
    namespace: str = "default",
    type_: str = "LoadBalancer",
) -> Service:
    ingress = [{"ip": ip} for ip in ips] + [{"hostname": h} for h in hostnames]
    svc: Service = {
        "metadata": {"name": name, "namespace": namespace, "annotations": dict(annotations or {})},
        "spec": {"type": type_},
        "status": {"loadBalancer": {"ingress": ingress}} if ingress else {"loadBalancer": {}},
    }
    if external_ips:
        svc["spec"]["externalIPs"] = list(external_ips)
    return svc


def ingress(
    name: str,
    hosts: tuple[str, ...] = (),
    annotations: dict[str, str] | None = None,
    *,
    ips: tuple[str, ...] = (),
    tls_hosts: tuple[str, ...] = (),
) -> Ingress:
    return {
        "metadata": {"name": name, "namespace": "default", "annotations": dict(annotations or {})},
        "spec": {"rules": [{"host": h} for h in hosts], "tls": [{"hosts": list(tls_hosts)}]},
        "status": {"loadBalancer": {"ingress": [{"ip": ip} for ip in ips]}},
    }


@dataclass
class Lister:
    """An ObjectLister over plain lists the test edits between cycles."""

    services: list[Service] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)

    def list_services(self) -> list[Service]:
        return list(self.services)

    def list_ingresses(self) -> list[Ingress]:
        return list(self.ingresses)


class FlakyProvider(InMemoryProvider):
    """The in-memory provider, plus `fail_next(error)` to make the next records() or apply_changes() raise."""

    def __init__(self, zones: tuple[str, ...] = ("example.com",)) -> None:
        super().__init__(zones)
        self._failures: list[Exception] = []
        self.applied: list[Changes] = []

    def fail_next(self, *errors: Exception) -> None:
        self._failures.extend(errors)

    def _maybe_fail(self) -> None:
        if self._failures:
            raise self._failures.pop(0)

    def records(self) -> list[Endpoint]:
        self._maybe_fail()
        return super().records()

    def apply_changes(self, changes: Changes) -> None:
        self._maybe_fail()
        self.applied.append(changes)
        super().apply_changes(changes)


class FakeClock:
    """Simulated time: wait() returns at once, advancing time by the timeout unless the event is already set.

    Sets `stop` once `until` is reached, so a controller loop ends after a known stretch of simulated time.
    `on_wait` lets a test act at chosen moments (e.g. set a watch trigger).
    """

    def __init__(self, stop: threading.Event, until: float) -> None:
        self.now = 0.0
        self._stop = stop
        self._until = until
        self.on_wait: list[tuple[float, threading.Event]] = []

    def monotonic(self) -> float:
        return self.now

    def wait(self, event: threading.Event, timeout: float) -> bool:
        for at, to_set in list(self.on_wait):
            if self.now + timeout >= at:
                self.on_wait.remove((at, to_set))
                self.now = max(self.now, at)
                to_set.set()
        if not event.is_set():
            self.now += timeout
        if self.now >= self._until:
            self._stop.set()
        return event.is_set()
