"""Which identity mode the cluster runs in, and the read-only checks of workload identity mode.

The mode is read from the cluster, so ``podid verify`` needs no flag: while the pod identity add-on holds
external-dns's pod identity, the setup is in pod identity mode (also in the middle of a migration, while
external-dns still depends on it); once that entry is gone and workload identity is enabled, it is in workload
identity mode, even if the add-on stays for other pod identities someone else added. In that mode the checks
are: each identity is federated with exactly its ServiceAccount's subject (on the cluster's issuer, for Entra's
audience), none of podid's pod identities is left, and the external-dns pods are labelled for the webhook and run
as the annotated ServiceAccount.
"""

from __future__ import annotations

from typing import Any

from podid.provision import manifests, podidentity
from podid.provision.design import BINDING_LABEL, PodIdentity
from podid.provision.errors import translated
from podid.provision.kube import Kube
from podid.provision.state import State
from podid.provision.steps.workloadidentity import issuer_of
from podid.provision.workloadidentity import AUDIENCE, CLIENT_ID_ANNOTATION, USE_LABEL, subject
from podid.verify.cases import POD_IDENTITY, WORKLOAD_IDENTITY
from podid.verify.findings import Finding


def workload_identity_enabled(cluster: Any) -> bool:
    profile = getattr(getattr(cluster, "security_profile", None), "workload_identity", None)
    return bool(profile is not None and profile.enabled)


def detect(cluster: Any, dns: PodIdentity) -> str:
    if workload_identity_enabled(cluster) and not _holds(cluster, (dns,)):
        return WORKLOAD_IDENTITY
    return POD_IDENTITY


def _holds(cluster: Any, ours: tuple[PodIdentity, ...]) -> list[str]:
    """``namespace/name`` of the pod identities in ``ours`` the enabled add-on still holds."""
    if not podidentity.enabled(cluster):
        return []
    names = {(item.name, item.namespace) for item in ours}
    return [f"{e.namespace}/{e.name}" for e in podidentity.identities_of(cluster) if (e.name, e.namespace) in names]


def check_federation(state: State, identity_name: str, namespace: str, account: str) -> Finding:
    """The identity trusts exactly one subject, its ServiceAccount's, from this cluster's issuer."""
    with translated():
        credentials = list(state.clients.msi.federated_identity_credentials.list(state.design.group, identity_name))
    wanted = (issuer_of(state.cluster), subject(namespace, account), [AUDIENCE])
    trusted = [(str(item.issuer), str(item.subject), list(item.audiences or [])) for item in credentials]
    check = f"identity {identity_name}"
    if trusted == [wanted]:
        return Finding(True, check, f"is federated only with {wanted[1]}")
    if not trusted:
        return Finding(False, check, f"has no federated credential: {wanted[1]} cannot act as it")
    others = [f"{sub} (issuer {iss}, audiences {aud})" for iss, sub, aud in trusted if (iss, sub, aud) != wanted]
    if others:
        return Finding(False, check, f"is federated with {'; '.join(others)}: only {wanted[1]} may act as it")
    return Finding(False, check, f"has {len(trusted)} federated credentials for {wanted[1]}, not one")


def check_no_pod_identity(state: State, kube: Kube) -> Finding:
    """None of podid's pod identities, nor their objects, is left: NMI would still hand out their tokens by label.
    Other pod identities (someone else's) may keep the add-on enabled."""
    ours = state.design.pod_identities
    entries = _holds(state.cluster, ours)
    if entries:
        return Finding(False, "pod identity", f"is still configured on the cluster ({', '.join(entries)})")
    names = {item.name for item in ours}
    left = [
        f"{plural[:-1]} {item['metadata'].get('namespace', '')}/{item['metadata']['name']}"
        for plural in ("azureidentities", "azureidentitybindings")
        for item in kube.request("GET", f"/apis/aadpodidentity.k8s.io/v1/{plural}")["items"]
        if item["metadata"]["name"] in names
    ] if kube.serves("aadpodidentity.k8s.io/v1") else []  # fmt: skip
    if left:
        return Finding(False, "pod identity", f"objects are left: {', '.join(left)}")
    if podidentity.enabled(state.cluster):
        return Finding(True, "pod identity", "podid's are gone; the add-on stays for other pod identities")
    return Finding(True, "pod identity", "is gone: no add-on, no pod identity objects")


def check_workload_pods(state: State, kube: Kube) -> Finding:
    """external-dns's pods ask the webhook for its variables and run as the account annotated for the DNS identity."""
    dns, check = state.design.dns, "external-dns pods"
    client_id = str(state.identities[dns.identity_name].client_id)
    account = kube.get("ServiceAccount", dns.namespace, manifests.EXTERNAL_DNS) or {"metadata": {}}
    annotated = (account["metadata"].get("annotations") or {}).get(CLIENT_ID_ANNOTATION)
    if annotated != client_id:
        where = f"ServiceAccount {dns.namespace}/{manifests.EXTERNAL_DNS}"
        return Finding(False, check, f"{where} is not annotated {CLIENT_ID_ANNOTATION}={client_id}")
    pods = kube.list("Pod", dns.namespace, f"app={manifests.EXTERNAL_DNS}")
    if not pods:
        return Finding(False, check, f"no external-dns pod runs in {dns.namespace}")
    wrong = [pod["metadata"]["name"] for pod in pods if not _federated_pod(pod)]
    if wrong:
        wanted = f"{USE_LABEL}=true, serviceAccountName {manifests.EXTERNAL_DNS}, no {BINDING_LABEL}"
        return Finding(False, check, f"{', '.join(wrong)} lack(s) {wanted}: no identity, no DNS updates")
    return Finding(True, check, f"{len(pods)} pod(s) carry {USE_LABEL}=true as {manifests.EXTERNAL_DNS}")


def _federated_pod(pod: dict[str, Any]) -> bool:
    labels = pod["metadata"].get("labels") or {}
    account = pod.get("spec", {}).get("serviceAccountName")
    return labels.get(USE_LABEL) == "true" and account == manifests.EXTERNAL_DNS and BINDING_LABEL not in labels
