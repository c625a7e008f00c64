"""Least privilege checked by acting: short-lived external-dns pods try to write DNS records as each identity.

Every probe is the real external-dns image run once (``--once --policy=upsert-only``) with its own TXT owner id,
against a temporary LoadBalancer Service annotated with a name in the zone and one in a temporary sibling
zone. What a probe wrote is read back from the zone (the TXT ownership records name the probe), so the verdict
rests on what happened, not on configuration:

* bound: a pod labelled for the DNS identity in kube-addons must write its record;
* unbound: a pod without the label (same namespace, same azure.json) must get no token;
* kubelet: a pod that NMI passes through to the node identity (AKS's kube-system exception) must be refused;
* demo: a pod bound to the demo identity must be refused;
* other zone: the DNS identity itself must be refused in a zone it was not granted.

All probes run at once. A probe that should be refused fails if it wrote (its own TXT owner record is in the
zone) or if its run succeeded at all (a record already written by another owner only makes it skip).
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from typing import Any

from azure.mgmt.dns.models import Zone

from podid.provision.design import BINDING_LABEL, EXTERNAL_DNS_IMAGE, HOSTNAME_ANNOTATION
from podid.provision.errors import ProvisionError, translated
from podid.provision.kube import Kube, KubeObject
from podid.provision.manifests import EXTERNAL_DNS, azure_json, verify_domain
from podid.provision.state import State
from podid.provision.steps.kube import RBAC_GROUP
from podid.provision.wait import wait_for
from podid.verify.findings import Finding

EXCEPTION_LABEL = {"kubernetes.azure.com/managedby": "aks"}  # AKS's aks-addon-exception in kube-system
POD_TIMEOUT = 180.0
_MESSAGE = re.compile(r'msg="((?:[^"\\]|\\.)*)"')
_DENIED = re.compile(r"perform action '([^']+)' over scope '([^']+)'")


@dataclass(frozen=True)
class Probe:
    case: str
    check: str
    namespace: str
    labels: dict[str, str]
    client_id: str
    zone: str
    expect_write: bool

    def name(self, token: str) -> str:
        return f"podid-verify-{token}-{self.case}"


def probes(state: State, other_zone: str) -> list[Probe]:
    design = state.design
    dns, demo = design.dns, design.demo
    dns_client = str(state.identities[dns.identity_name].client_id)
    kubelet = (state.kubelet or {}).get("clientId", "")
    return [
        Probe("unbound", "pod without the binding label", dns.namespace, {}, dns_client, design.domain, False),
        Probe(
            "kubelet", "pod with the kubelet identity", "kube-system", EXCEPTION_LABEL, kubelet, design.domain, False
        ),
        Probe(
            "demo",
            "pod bound to the demo identity",
            demo.namespace,
            {BINDING_LABEL: demo.name},
            str(state.identities[demo.identity_name].client_id),
            design.domain,
            False,
        ),
        Probe(
            "otherzone",
            "DNS identity in another zone",
            dns.namespace,
            {BINDING_LABEL: dns.name},
            dns_client,
            other_zone,
            False,
        ),
        Probe(
            "bound",
            "pod bound to the DNS identity",
            dns.namespace,
            {BINDING_LABEL: dns.name},
            dns_client,
            design.domain,
            True,
        ),
    ]


def _secret(state: State, probe: Probe, token: str) -> KubeObject:
    document = azure_json(state.design, state.clients.target.tenant_id, probe.client_id)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": probe.name(token), "namespace": probe.namespace},
        "data": {"azure.json": base64.b64encode(document.encode()).decode()},
    }


def _account(probe: Probe, token: str) -> str:
    return EXTERNAL_DNS if probe.namespace == "kube-addons" else f"podid-verify-{token}"


def _pod(state: State, probe: Probe, token: str) -> KubeObject:
    args = [
        "--source=service", "--provider=azure", "--registry=txt", "--policy=upsert-only", "--once",
        f"--txt-owner-id={probe.name(token)}", f"--domain-filter={probe.zone}",
        f"--azure-resource-group={state.design.group}",
    ]  # fmt: skip
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": probe.name(token),
            "namespace": probe.namespace,
            "labels": {"podid-verify": token, **probe.labels},
        },
        "spec": {
            "restartPolicy": "Never",
            "serviceAccountName": _account(probe, token),
            "containers": [
                {
                    "name": "probe",
                    "image": EXTERNAL_DNS_IMAGE,
                    "args": args,
                    "volumeMounts": [{"name": "azure", "mountPath": "/etc/kubernetes", "readOnly": True}],
                }
            ],
            "volumes": [{"name": "azure", "secret": {"secretName": probe.name(token)}}],
        },
    }


def _support(state: State, all_probes: list[Probe], token: str, other_zone: str) -> list[KubeObject]:
    """Service accounts allowed to list Services, the probes' azure.json secrets and the Service they publish."""
    name = f"podid-verify-{token}"
    namespaces = sorted({probe.namespace for probe in all_probes if probe.namespace != "kube-addons"})
    accounts = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}} for ns in namespaces
    ]
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": EXTERNAL_DNS},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns} for ns in namespaces],
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
    return [*accounts, binding, *(_secret(state, probe, token) for probe in all_probes), service]


def _reason(log: str) -> str:
    """The cause of a probe's failure, short: ARM's code, action and scope, or why there was no token."""
    lines = [line for line in log.splitlines() if "level=fatal" in line or "level=error" in line]
    if not lines:
        return "no error logged"
    found = _MESSAGE.search(lines[-1])
    text = (found.group(1) if found else lines[-1]).replace("\\n", " ").replace('\\"', '"')
    denied = _DENIED.search(text)
    if denied:
        return f"403 AuthorizationFailed: no '{denied.group(1)}' over {denied.group(2)}"
    text = text.split("Token request error: ", 1)[-1]
    return text if len(text) <= 200 else text[:197] + "..."


class ProbeRun:
    """One verification run: its objects, its temporary zone, and its cleanup."""

    def __init__(self, state: State, kube: Kube) -> None:
        self.state, self.kube = state, kube
        self.token = secrets.token_hex(3)
        self.other_zone = f"podid-verify-{self.token}.internal"  # a sibling of the zone, never its child
        self.created: list[KubeObject] = []

    def _create(self, obj: KubeObject) -> None:
        self.kube.create(obj)
        self.created.append(obj)

    def _finished(self, probe: Probe) -> KubeObject:
        def done() -> KubeObject | None:
            pod = self.kube.get("Pod", probe.namespace, probe.name(self.token)) or {}
            return pod if pod.get("status", {}).get("phase") in ("Succeeded", "Failed") else None

        return wait_for(
            done, f"probe pod {probe.name(self.token)} to finish", POD_TIMEOUT, first_delay=0.1, max_delay=1.0
        )

    def _owners(self, zone: str) -> str:
        with translated():
            sets = self.state.clients.dns.record_sets.list_all_by_dns_zone(self.state.design.group, zone)
            return " ".join(value for item in sets for txt in item.txt_records or [] for value in txt.value or [])

    def _finding(self, probe: Probe) -> Finding:
        pod = self._finished(probe)
        wrote = f"owner={probe.name(self.token)}" in self._owners(probe.zone)
        reason = _reason(self.kube.log(probe.namespace, probe.name(self.token)))
        where = (
            f"{self.token}.{verify_domain(self.state.design) if probe.zone == self.state.design.domain else probe.zone}"
        )
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

    def run(self) -> list[Finding]:
        state = self.state
        all_probes = probes(state, self.other_zone)
        with translated():
            state.clients.dns.zones.create_or_update(state.design.group, self.other_zone, Zone(location="global"))
        rbac_served = self.kube.serves(RBAC_GROUP)
        for obj in _support(state, all_probes, self.token, self.other_zone):
            if rbac_served or not obj["kind"].startswith("Cluster"):
                self._create(obj)
        wait_for(self._service_address, "the probe Service's load balancer address", POD_TIMEOUT)
        for probe in all_probes:
            self._create(_pod(state, probe, self.token))
        return [self._finding(probe) for probe in all_probes]

    def cleanup(self) -> None:
        """Remove every object, record and zone this run made (best effort: each part on its own)."""
        for obj in reversed(self.created):
            meta = obj["metadata"]
            self._quietly(self.kube.delete, obj["kind"], meta.get("namespace"), meta["name"])
        design, record_sets = self.state.design, self.state.clients.dns.record_sets
        listed = self._quietly(lambda: list(record_sets.list_all_by_dns_zone(design.group, design.domain)))
        for item in listed or []:
            if self.token in str(item.name):
                kind = str(item.type).rsplit("/", 1)[-1]
                self._quietly(record_sets.delete, design.group, design.domain, str(item.name), kind)
        poller = self._quietly(self.state.clients.dns.zones.begin_delete, design.group, self.other_zone)
        self._quietly(getattr(poller, "result", lambda: None))

    @staticmethod
    def _quietly(call: Any, *args: Any) -> Any:
        try:
            with translated():
                return call(*args)
        except ProvisionError:
            return None
