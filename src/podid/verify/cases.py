"""What each probe of ``podid verify`` is, per identity mode: who it runs as and what it must achieve.

Pod identity mode (NMI hands out tokens by the ``aadpodidbinding`` label):

* bound: a pod labelled for the DNS identity in kube-addons must write its record;
* unbound: a pod without the label (same namespace, same ServiceAccount) must get no token for the DNS identity;
* kubelet: a pod that NMI passes through to the node identity (AKS's kube-system exception) must be refused
  when it writes a record set directly with that token;
* demo: a pod bound to the demo identity must be refused;
* other zone: the DNS identity itself must be refused in a zone it was not granted;
* mint: the DNS identity's pod must be refused by Graph when it adds a password to an application;
* control: no pod may read the sandbox's own control surface (a target without one has no such probe).

Workload identity mode (Entra ID exchanges a ServiceAccount token by the identity's federated credentials):

* bound: the external-dns ServiceAccount (annotated with the DNS identity's client id) and the pod label
  ``azure.workload.identity/use`` must write its record;
* unbound: a labelled pod with another ServiceAccount annotated with the same client id must be refused by
  Entra ID (AADSTS70021: no federated credential names its subject);
* imds: an unlabelled pod asking the node's IMDS for the DNS identity must get no token (the identity must
  not be on the nodes, as MIC would have put it);
* kubelet: a pod with the node identity through IMDS must be refused when it writes a record set directly;
* demo: a labelled pod with the demo's ServiceAccount (the demo identity) must be refused;
* other zone: the DNS identity itself must be refused in a zone it was not granted;
* mint and control: as in pod identity mode, the mint probe as external-dns's ServiceAccount.

The probes that must get no token (pod identity's unbound, workload identity's imds), kubelet, mint and control
run podid's probe script (``workloads.probe``), which acts with one request; the others run external-dns once.
A token probe asks once and judges the first answer: a client run would sit in its retry schedule first
(azure-identity retries IMDS's 404 for about 24 s), and a token it never got cannot write. external-dns lists the
zones of the resource group before it writes, so the node identity holding a role on the zone alone would be
refused before it ever tried to write: the kubelet probe writes the record set directly.
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
KUBELET_CHECK = "pod with the kubelet identity"
MINT_CHECK = "pod identity cannot mint credentials"
CONTROL_CHECK = "no pod reaches the control surface"


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
    act: str = ""  # "": external-dns runs once; otherwise the probe script's action (write, mint, token, reach)
    client_id: str = ""  # the identity the probe script asks for ("": the pod's own)

    def name(self, token: str) -> str:
        return f"podid-verify-{token}-{self.case}"


def _client_id(state: State, identity_name: str) -> str:
    return str(state.identities[identity_name].client_id)


def _kubelet_client_id(state: State) -> str:
    return str((state.kubelet or {}).get("clientId", ""))


def _beyond_dns(state: State, dns_labels: dict[str, str], dns_client_id: str) -> list[Probe]:
    """Past the zone: the DNS identity's pod minting a credential in Graph (when the target names an application
    to aim at: the operator's), and any pod reading the target's control surface (when it has one)."""
    target, dns, domain, ext = state.clients.target, state.design.dns, state.design.domain, manifests.EXTERNAL_DNS
    found = []
    if target.operator_client_id:
        found.append(Probe("mint", MINT_CHECK, dns.namespace, dns_labels, ext, "", domain, False, "mint",
                           dns_client_id))  # fmt: skip
    if target.control_url:
        found.append(Probe("control", CONTROL_CHECK, dns.namespace, {}, ext, "", domain, False, "reach"))
    return found


def pod_identity_probes(state: State, other_zone: str) -> list[Probe]:
    design, tenant = state.design, state.clients.target.tenant_id
    dns, demo, domain = design.dns, design.demo, design.domain
    as_dns = manifests.azure_json(design, tenant, _client_id(state, dns.identity_name))
    as_demo = manifests.azure_json(design, tenant, _client_id(state, demo.identity_name))
    bound, demo_bound, ext = {BINDING_LABEL: dns.name}, {BINDING_LABEL: demo.name}, manifests.EXTERNAL_DNS
    return [
        Probe("unbound", "pod without the binding label", dns.namespace, {}, ext, "", domain, False, "token",
              _client_id(state, dns.identity_name)),
        Probe("kubelet", KUBELET_CHECK, "kube-system", EXCEPTION_LABEL, None, "", domain, False, "write",
              _kubelet_client_id(state)),
        Probe("demo", "pod bound to the demo identity", demo.namespace, demo_bound, None, as_demo, domain, False),
        Probe("otherzone", "DNS identity in another zone", dns.namespace, bound, ext, as_dns, other_zone, False),
        *_beyond_dns(state, bound, _client_id(state, dns.identity_name)),
        Probe("bound", "pod bound to the DNS identity", dns.namespace, bound, ext, as_dns, domain, True),
    ]  # fmt: skip


def workload_identity_probes(state: State, other_zone: str) -> list[Probe]:
    design, tenant = state.design, state.clients.target.tenant_id
    dns, demo, domain = design.dns, design.demo, design.domain
    federated = wi_azure_json(design, tenant)  # the client id comes from the webhook's variables
    ext, own = manifests.EXTERNAL_DNS, None
    return [
        Probe("unbound", "labelled pod with another ServiceAccount", dns.namespace, WI_LABEL, own, federated, domain,
              False),
        Probe("imds", "pod asking IMDS for the DNS identity", dns.namespace, {}, own, "", domain, False, "token",
              _client_id(state, dns.identity_name)),
        # the exception label too: the add-on may stay, with its NMI, for someone else's pod identities
        Probe("kubelet", KUBELET_CHECK, "kube-system", EXCEPTION_LABEL, own, "", domain, False, "write",
              _kubelet_client_id(state)),
        Probe("demo", "pod with the demo's ServiceAccount", demo.namespace, WI_LABEL, DEMO_ACCOUNT, federated,
              domain, False),
        Probe("otherzone", "DNS identity in another zone", dns.namespace, WI_LABEL, ext, federated, other_zone, False),
        *_beyond_dns(state, WI_LABEL, ""),  # the webhook's AZURE_CLIENT_ID names the identity
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
