"""Least privilege checked by acting: short-lived pods try to write DNS records (and more) as each identity.

Most probes (``cases``: who runs as what, per identity mode) are the real external-dns image run once
(``--once --policy=upsert-only``) with its own TXT owner id, against a temporary LoadBalancer Service annotated
with a name in the zone and one in a temporary sibling zone. What a probe wrote is read back from the zone (the
TXT ownership records name the probe), so the verdict rests on what happened, not on configuration. The others
(``acts``) make one request each from a pod: a token request that must be refused, a direct record set write, a
Graph credential, the control surface.

All probes run at once, started (``start``) before the caller reads the configuration, so that they act
meanwhile; a watch on the run's pods tells when they are done (``finish``). A probe that should be refused fails
if it wrote (its own TXT owner record is in the zone) or if its run succeeded at all (a record already written by
another owner only makes it skip).
"""

from __future__ import annotations

import base64
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from azure.mgmt.dns.models import Zone

from podid.provision.design import EXTERNAL_DNS_IMAGE, HOSTNAME_ANNOTATION
from podid.provision.errors import ProvisionError, TimedOut, translated
from podid.provision.graph import Graph, try_graph
from podid.provision.kube import Kube, KubeObject
from podid.provision.manifests import EXTERNAL_DNS, verify_domain
from podid.provision.state import State
from podid.provision.wait import wait_for
from podid.verify.acts import Aims, container, denied, judge
from podid.verify.cases import MINT_CHECK, Probe, account_annotations, probes
from podid.verify.findings import Finding

POD_TIMEOUT = 180.0
PARALLEL_REQUESTS = 4  # creates and deletes are round trips: a few at a time, without crowding the API server
_MESSAGE = re.compile(r'msg="((?:[^"\\]|\\.)*)"')


def _secret(probe: Probe, token: str) -> KubeObject:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": probe.name(token), "namespace": probe.namespace},
        "data": {"azure.json": base64.b64encode(probe.azure_json.encode()).decode()},
    }


def _account(probe: Probe, token: str) -> str:
    return probe.account or f"podid-verify-{token}"


def _pod(state: State, probe: Probe, token: str, aims: Aims) -> KubeObject:
    pod: KubeObject = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": probe.name(token),
            "namespace": probe.namespace,
            "labels": {"podid-verify": token, **probe.labels},
        },
        "spec": {"restartPolicy": "Never", "serviceAccountName": _account(probe, token)},
    }
    if probe.act:
        return {**pod, "spec": {**pod["spec"], "containers": [container(probe, aims)]}}
    return {**pod, "spec": {**pod["spec"], **_external_dns(state, probe, token)}}


def _external_dns(state: State, probe: Probe, token: str) -> KubeObject:
    args = [
        "--source=service", "--provider=azure", "--registry=txt", "--policy=upsert-only", "--once",
        f"--txt-owner-id={probe.name(token)}", f"--domain-filter={probe.zone}",
        f"--azure-resource-group={state.design.group}",
    ]  # fmt: skip
    return {
        "containers": [
            {
                "name": "probe",
                "image": EXTERNAL_DNS_IMAGE,
                "args": args,
                "volumeMounts": [{"name": "azure", "mountPath": "/etc/kubernetes", "readOnly": True}],
            }
        ],
        "volumes": [{"name": "azure", "secret": {"secretName": probe.name(token)}}],
    }


def _support(
    state: State, all_probes: list[Probe], token: str, other_zone: str, annotations: dict[str, str]
) -> list[KubeObject]:
    """The run's ServiceAccounts, every probe account's right to list Services (external-dns's own has it),
    the probes' azure.json secrets and the Service they publish."""
    name, runs = f"podid-verify-{token}", [probe for probe in all_probes if not probe.act]
    own = sorted({probe.namespace for probe in all_probes if probe.account is None})
    annotated = {"annotations": annotations} if annotations else {}
    accounts = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns, **annotated}}
        for ns in own
    ]
    listing = sorted({(p.namespace, _account(p, token)) for p in runs if p.account != EXTERNAL_DNS})
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": EXTERNAL_DNS},
        "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": ns} for ns, sa in listing],
    }
    # the deployed external-dns excludes verify_domain(), so only the probes act on these names
    hostnames = f"{token}.{verify_domain(state.design)},{token}.{other_zone}"
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": state.design.dns.namespace,
            "annotations": {HOSTNAME_ANNOTATION: hostnames},
        },
        "spec": {
            "type": "LoadBalancer",
            "selector": {"podid-verify": token},
            "ports": [{"port": 80, "protocol": "TCP"}],
        },
    }
    return [*accounts, binding, *(_secret(probe, token) for probe in runs), service]


def _reason(log: str) -> str:
    """The cause of a probe's failure, short: ARM's code, action and scope, or why there was no token."""
    lines = [line for line in log.splitlines() if "level=fatal" in line or "level=error" in line]
    if not lines:
        return "no error logged"
    found = _MESSAGE.search(lines[-1])
    text = (found.group(1) if found else lines[-1]).replace("\\n", " ").replace('\\"', '"')
    refusal = denied(text)
    if refusal:
        return refusal
    text = text.split("Token request error: ", 1)[-1]
    return text if len(text) <= 200 else text[:197] + "..."


def _all_stopped(pods: dict[str, KubeObject], count: int) -> bool:
    phases = [pod.get("status", {}).get("phase") for pod in pods.values()]
    return len(pods) >= count and all(phase in ("Succeeded", "Failed") for phase in phases)


class ProbeRun:
    """One verification run: its objects, its temporary zone, and its cleanup."""

    def __init__(self, state: State, kube: Kube, mode: str) -> None:
        self.state, self.kube, self.mode = state, kube, mode
        self.token = secrets.token_hex(3)
        self.other_zone = f"podid-verify-{self.token}.internal"  # a sibling of the zone, never its child
        self.created: list[KubeObject] = []
        self.aims = self._aims(application="")  # the application is looked up when the run starts
        self.unaimed: list[Finding] = []
        self.probes = probes(state, self.other_zone, mode)

    def _create(self, obj: KubeObject) -> None:
        self.kube.create(obj)
        self.created.append(obj)

    def _finished(self, count: int) -> dict[str, KubeObject]:
        """Every probe pod, by name, once all of them have stopped: one list, then a watch from it."""
        selector = f"podid-verify={self.token}"
        listed, version = self.kube.list_at("Pod", None, selector)
        pods = {pod["metadata"]["name"]: pod for pod in listed}
        if _all_stopped(pods, count):
            return pods
        for kind, pod in self.kube.watch("Pod", None, selector, version, POD_TIMEOUT):
            if kind == "DELETED":
                pods.pop(pod["metadata"]["name"], None)
            else:
                pods[pod["metadata"]["name"]] = pod
            if _all_stopped(pods, count):
                return pods
        raise TimedOut(
            f"timed out after {POD_TIMEOUT:.0f} s waiting for the {count} probe pods to finish: "
            f"check them with `kubectl get pods -A -l {selector}`"
        )

    def _owners(self, zone: str) -> str:
        with translated():
            sets = self.state.clients.dns.record_sets.list_all_by_dns_zone(self.state.design.group, zone)
            return " ".join(value for item in sets for txt in item.txt_records or [] for value in txt.value or [])

    def _finding(self, probe: Probe, pod: KubeObject, owners: dict[str, str], aims: Aims) -> Finding:
        log = self.kube.log(probe.namespace, probe.name(self.token))
        if probe.act:
            return judge(probe, log, aims)
        wrote = f"owner={probe.name(self.token)}" in owners[probe.zone]
        reason = _reason(log)
        design = self.state.design
        where = f"{self.token}.{verify_domain(design) if probe.zone == design.domain else probe.zone}"
        if probe.expect_write:
            if wrote:
                return Finding(True, probe.check, f"wrote {where}, as it should")
            return Finding(False, probe.check, f"could not write {where}: {reason}")
        if wrote or pod["status"]["phase"] == "Succeeded":
            return Finding(False, probe.check, f"was NOT refused: it could change {probe.zone}")
        return Finding(True, probe.check, f"refused: {reason}")

    def _service_address(self) -> str | None:
        service = self.kube.get("Service", self.state.design.dns.namespace, f"podid-verify-{self.token}") or {}
        ingress = (service.get("status", {}).get("loadBalancer") or {}).get("ingress") or []
        return next((str(item["ip"]) for item in ingress if item.get("ip")), None)

    def start(self) -> None:
        """Create the run's zone and objects, then its probe pods, which act while the caller goes on: those
        that make one request at once, the external-dns runs once their Service has its address."""
        state = self.state
        support = _support(state, self.probes, self.token, self.other_zone, account_annotations(state, self.mode))
        with ThreadPoolExecutor(max_workers=PARALLEL_REQUESTS) as pool:
            zone, application = pool.submit(self._create_other_zone), pool.submit(self._application)
            list(pool.map(self._create, support))  # each pod's Secret and ServiceAccount exist before it
            self._aim(application.result())
            acting = [probe for probe in self.probes if probe.act]
            list(pool.map(self._create, [_pod(state, probe, self.token, self.aims) for probe in acting]))
            zone.result()
            wait_for(self._service_address, "the probe Service's load balancer address", POD_TIMEOUT, 0.02, 0.5)
            runs = [probe for probe in self.probes if not probe.act]
            list(pool.map(self._create, [_pod(state, probe, self.token, self.aims) for probe in runs]))

    def _application(self) -> str | None:
        """The object id of the application the mint probe aims at (the operator's own), None if not found."""
        app_id = self.state.clients.target.operator_client_id
        if app_id is None or not any(probe.act == "mint" for probe in self.probes):
            return ""
        graph = Graph(self.state.clients.target)
        found: str | None = try_graph(graph.application_id, app_id)
        return found

    def _aim(self, application: str | None) -> None:
        """Aim the mint probe; without an application to aim at, it cannot show the refusal, which is a finding."""
        if application is not None:
            self.aims = replace(self.aims, application=application)
            return
        self.probes = [probe for probe in self.probes if probe.act != "mint"]
        app_id = self.state.clients.target.operator_client_id
        self.unaimed.append(Finding(False, MINT_CHECK, f"has no application to aim at: Graph shows no {app_id}"))

    def _aims(self, application: str) -> Aims:
        design, target = self.state.design, self.state.clients.target
        # a name under verify_domain(), which the deployed external-dns leaves alone, holding the run's token
        name = f"{self.token}-kubelet.{verify_domain(design)}".removesuffix(f".{design.domain}")
        record_set = f"{design.zone_id}/A/{name}"
        return Aims(target.arm_url, record_set, target.graph_url, application, target.control_url or "")

    def _create_other_zone(self) -> None:
        zones = self.state.clients.dns.zones
        with translated():
            zones.create_or_update(self.state.design.group, self.other_zone, Zone(location="global"))

    def finish(self) -> list[Finding]:
        """Wait for the probes, then judge each by what it wrote and what it logged."""
        pods = self._finished(len(self.probes))
        owners = {zone: self._owners(zone) for zone in {probe.zone for probe in self.probes}}
        judged = [self._finding(probe, pods[probe.name(self.token)], owners, self.aims) for probe in self.probes]
        return judged + self.unaimed

    def cleanup(self) -> None:
        """Remove every object, record and zone this run made (best effort: each part on its own, side by side)."""
        with ThreadPoolExecutor(max_workers=PARALLEL_REQUESTS) as pool:
            for obj in self.created:
                meta = obj["metadata"]
                pool.submit(self._quietly, self.kube.delete, obj["kind"], meta.get("namespace"), meta["name"])
            pool.submit(self._remove_records)
            pool.submit(self._remove_other_zone)

    def _remove_records(self) -> None:
        design, record_sets = self.state.design, self.state.clients.dns.record_sets
        listed = self._quietly(lambda: list(record_sets.list_all_by_dns_zone(design.group, design.domain)))
        for item in listed or []:
            if self.token in str(item.name):
                kind = str(item.type).rsplit("/", 1)[-1]
                self._quietly(record_sets.delete, design.group, design.domain, str(item.name), kind)

    def _remove_other_zone(self) -> None:
        poller = self._quietly(self.state.clients.dns.zones.begin_delete, self.state.design.group, self.other_zone)
        self._quietly(getattr(poller, "result", lambda: None))

    @staticmethod
    def _quietly(call: Any, *args: Any) -> Any:
        try:
            with translated():
                return call(*args)
        except ProvisionError:
            return None
