"""``podid verify``: least privilege, checked by acting and by reading who holds which role.

verdict = verify(state)      # state from provision.start(settings, target); the mode is read from the cluster
for finding in verdict.findings: print(finding.line())
"""

from __future__ import annotations

from podid.provision.errors import NotFound, translated
from podid.provision.kube import Kube
from podid.provision.state import State
from podid.provision.steps._resource import current
from podid.provision.steps.cluster import kube_for
from podid.provision.workloadidentity import accounts as federated_accounts
from podid.verify.cases import WORKLOAD_IDENTITY
from podid.verify.findings import Finding, Verdict
from podid.verify.grants import (
    check_external_dns_pods,
    check_identity,
    check_kubelet,
    check_zone_reader,
    expected_grants,
)
from podid.verify.modes import check_federation, check_no_pod_identity, check_workload_pods, detect
from podid.verify.probes import ProbeRun


def _load(state: State) -> list[Finding]:
    """Read the cluster and identities `up` made; a missing one is itself the finding."""
    design, clients = state.design, state.clients
    state.cluster = current(lambda: clients.aks.managed_clusters.get(design.group, design.cluster))
    missing = [] if state.cluster is not None else [f"AKS cluster {design.cluster}"]
    for pi in design.pod_identities:
        identity = current(lambda name=pi.identity_name: clients.msi.user_assigned_identities.get(design.group, name))  # type: ignore[misc]
        if identity is None:
            missing.append(f"managed identity {pi.identity_name}")
        else:
            state.identities[pi.identity_name] = identity
    return [Finding(False, "provisioning", f"{what} does not exist: run `podid up`") for what in missing]


def _mode_checks(state: State, kube: Kube, mode: str) -> list[Finding]:
    """How the external-dns pods get their identity, and (workload identity) who may act as each identity."""
    if mode != WORKLOAD_IDENTITY:
        return [check_external_dns_pods(state, kube)]
    federation = [
        check_federation(state, identity.identity_name, identity.namespace, account)
        for identity, account in federated_accounts(state.design)
    ]
    return [*federation, check_no_pod_identity(state, kube), check_workload_pods(state, kube)]


def _configuration_checks(state: State) -> list[Finding]:
    """Who holds which role, read from ARM."""
    findings = [
        finding for name, needed in expected_grants(state).items() for finding in check_identity(state, name, needed)
    ]
    findings.append(check_kubelet(state))
    try:
        findings.append(check_zone_reader(state))
    except NotFound:
        findings.append(Finding(False, "custom role", f"'{state.design.zone_reader_role}' does not exist"))
    return findings


def verify(state: State, act: bool = True) -> Verdict:
    verdict = Verdict(_load(state))
    if not verdict.ok:
        return verdict
    kube = kube_for(state)
    if kube is None:
        verdict.findings += [
            *_configuration_checks(state),
            Finding(False, "cluster", "the Kubernetes API cannot be reached"),
        ]
        return verdict
    mode = detect(state.cluster, state.design.dns)
    run = ProbeRun(state, kube, mode) if act else None
    try:
        with translated():
            if run is not None:
                run.start()  # the probes act while the configuration is read
            verdict.findings += [*_configuration_checks(state), *_mode_checks(state, kube, mode)]
            if run is not None:
                verdict.findings += run.finish()
    finally:
        if run is not None:
            run.cleanup()
    return verdict


__all__ = ["Finding", "Verdict", "verify"]
