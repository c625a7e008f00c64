"""What each probe of ``podid verify`` is, per identity mode: who it runs as and what it must achieve.

Pod identity mode (NMI hands out tokens by the ``aadpodidbinding`` label):

* bound: a pod labelled for the DNS identity in kube-addons must write its record;
* unbound: a pod without the label (same namespace, same azure.json) must get no token;
* kubelet: a pod that NMI passes through to the node identity (AKS's kube-system exception) must be refused;
* demo: a pod bound to the demo identity must be refused;
* other zone: the DNS identity itself must be refused in a zone it was not granted.

Workload identity mode (Entra ID exchanges a ServiceAccount token by the identity's federated credentials):

* bound: the external-dns ServiceAccount (annotated with the DNS identity's client id) and the pod label
  ``azure.workload.identity/use`` must write its record;
* unbound: a labelled pod with another ServiceAccount annotated with the same client id must be refused by
  Entra ID (AADSTS70021: no federated credential names its subject);
* imds: an unlabelled pod asking the node's IMDS for the DNS identity must get no token (the identity must
  not be on the nodes, as MIC would have put it);
* kubelet: a pod with the node identity through IMDS must be refused;
* demo: a labelled pod with the demo's ServiceAccount (the demo identity) must be refused;
* other zone: the DNS identity itself must be refused in a zone it was not granted.
"""

from __future__ import annotations

from dataclasses import dataclass

from podid.provision import manifests
from podid.provision.design import BINDING_LABEL
from podid.provision.state import State
from podid.provision.workloadidentity import CLIENT_ID_ANNOTATION, DEMO_ACCOUNT, USE_LABEL
from podid.provision.workloadidentity import azure_json as wi_azure_json

POD_IDENTITY = "pod-identity"
WORKLOAD_IDENTITY = "workload-identity"
EXCEPTION_LABEL = {"kubernetes.azure.com/managedby": "aks"}  # AKS's aks-addon-exception in kube-system
WI_LABEL = {USE_LABEL: "true"}


@dataclass(frozen=True)
class Probe:
    case: str
    check: str
    namespace: str
    labels: dict[str, str]
    account: str | None  # the pod's ServiceAccount; None: the run's own (annotated, bound to list Services)
    azure_json: str
    zone: str
    expect_write: bool

    def name(self, token: str) -> str:
        return f"podid-verify-{token}-{self.case}"


def _client_id(state: State, identity_name: str) -> str:
    return str(state.identities[identity_name].client_id)


def pod_identity_probes(state: State, other_zone: str) -> list[Probe]:
    design, tenant = state.design, state.clients.target.tenant_id
    dns, demo, domain = design.dns, design.demo, design.domain
    as_dns = manifests.azure_json(design, tenant, _client_id(state, dns.identity_name))
    as_kubelet = manifests.azure_json(design, tenant, (state.kubelet or {}).get("clientId", ""))
    as_demo = manifests.azure_json(design, tenant, _client_id(state, demo.identity_name))
    bound, demo_bound, ext = {BINDING_LABEL: dns.name}, {BINDING_LABEL: demo.name}, manifests.EXTERNAL_DNS
    return [
        Probe("unbound", "pod without the binding label", dns.namespace, {}, ext, as_dns, domain, False),
        Probe("kubelet", "pod with the kubelet identity", "kube-system", EXCEPTION_LABEL, None, as_kubelet, domain,
              False),
        Probe("demo", "pod bound to the demo identity", demo.namespace, demo_bound, None, as_demo, domain, False),
        Probe("otherzone", "DNS identity in another zone", dns.namespace, bound, ext, as_dns, other_zone, False),
        Probe("bound", "pod bound to the DNS identity", dns.namespace, bound, ext, as_dns, domain, True),
    ]  # fmt: skip


def workload_identity_probes(state: State, other_zone: str) -> list[Probe]:
    design, tenant = state.design, state.clients.target.tenant_id
    dns, demo, domain = design.dns, design.demo, design.domain
    federated = wi_azure_json(design, tenant)  # the client id comes from the webhook's variables
    through_imds = manifests.azure_json(design, tenant, _client_id(state, dns.identity_name))
    as_kubelet = manifests.azure_json(design, tenant, (state.kubelet or {}).get("clientId", ""))
    ext, own = manifests.EXTERNAL_DNS, None
    return [
        Probe("unbound", "labelled pod with another ServiceAccount", dns.namespace, WI_LABEL, own, federated, domain,
              False),
        Probe("imds", "pod asking IMDS for the DNS identity", dns.namespace, {}, own, through_imds, domain, False),
        Probe("kubelet", "pod with the kubelet identity", "kube-system", {}, own, as_kubelet, domain, False),
        Probe("demo", "pod with the demo's ServiceAccount", demo.namespace, WI_LABEL, DEMO_ACCOUNT, federated,
              domain, False),
        Probe("otherzone", "DNS identity in another zone", dns.namespace, WI_LABEL, ext, federated, other_zone, False),
        Probe("bound", "external-dns's ServiceAccount", dns.namespace, WI_LABEL, ext, federated, domain, True),
    ]  # fmt: skip


def probes(state: State, other_zone: str, mode: str) -> list[Probe]:
    if mode == WORKLOAD_IDENTITY:
        return workload_identity_probes(state, other_zone)
    return pod_identity_probes(state, other_zone)


def account_annotations(state: State, mode: str) -> dict[str, str]:
    """The run's own ServiceAccounts claim the DNS identity in workload identity mode: what an impostor would do."""
    if mode != WORKLOAD_IDENTITY:
        return {}
    return {CLIENT_ID_ANNOTATION: _client_id(state, state.design.dns.identity_name)}
