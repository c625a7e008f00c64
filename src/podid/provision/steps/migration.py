"""The steps of ``podid migrate --to workload-identity`` that only a migration has (the ``migrate`` phase of the
step table in ``podid.provision.steps``; the cluster, identity, federated credential and demo pod steps are the
workload identity ``up``'s own).

* ``PodIdentitySetup``: what is migrated must exist;
* ``TokenExchangeCheck``: the new path works before any pod depends on it;
* ``ExternalDnsRollStep``: external-dns rolls to workload identity pods, an old pod stopping only once a new one runs;
* ``WriteThroughCheck``: a probe record written once no old pod is left;
* ``RemovePodIdentityStep``: podid's pod identities, their grants and their Secret go.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import partial
from typing import Any

from azure.identity import ClientAssertionCredential
from azure.mgmt.dns import DnsManagementClient

from podid.provision import manifests, podidentity, rbac
from podid.provision import workloadidentity as wi
from podid.provision.design import BINDING_LABEL, HOSTNAME_ANNOTATION
from podid.provision.errors import NotFound, ProvisionError, translated
from podid.provision.kube import Kube, KubeObject, describe
from podid.provision.state import State
from podid.provision.step import Change, subset_diff
from podid.provision.steps._owner import labelled
from podid.provision.steps._resource import current
from podid.provision.steps.cluster import kube_for
from podid.provision.steps.kube import plan_object
from podid.provision.wait import wait_for

EXCHANGE_TIMEOUT = 120.0  # a new federated credential takes a little while to be honoured on Azure
ROLL_TIMEOUT = 300.0
RECORD_TIMEOUT = 180.0
ASSERTION_SECONDS = 600  # the shortest token the TokenRequest API issues


def _kube(state: State) -> Kube:
    kube = kube_for(state)
    if kube is None:
        raise ProvisionError(f"the Kubernetes API of cluster {state.design.cluster} cannot be reached")
    return kube


class PodIdentitySetup:
    """What is migrated must exist: the cluster ``podid up`` made."""

    name = "pod identity setup"

    def plan(self, state: State) -> list[Change]:
        design = state.design
        state.cluster = current(lambda: state.clients.aks.managed_clusters.get(design.group, design.cluster))
        if state.cluster is None:
            raise NotFound(f"AKS cluster {design.cluster} does not exist in {design.group}: run `podid up` first")
        return []


def service_account_token(kube: Kube, namespace: str, account: str) -> str:
    """A token for the account with the federation audience (TokenRequest, as ``kubectl create token``)."""
    body = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"audiences": [wi.AUDIENCE], "expirationSeconds": ASSERTION_SECONDS},
    }
    path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{account}/token"
    return str(kube.request("POST", path, body)["status"]["token"])


class TokenExchangeCheck:
    """external-dns's ServiceAccount gets a DNS identity token from Entra ID, and it reads the zone."""

    name = "workload identity preflight"

    def plan(self, state: State) -> list[Change]:
        design, target = state.design, state.clients.target
        kube = _kube(state)
        client_id = str(state.identities[design.dns.identity_name].client_id)
        failures: list[ProvisionError] = []

        def reads_zone() -> bool | None:
            token = service_account_token(kube, design.dns.namespace, manifests.EXTERNAL_DNS)
            credential = ClientAssertionCredential(
                target.tenant_id, client_id, lambda: token, authority=target.authority, **target.credential_options()
            )
            zones = DnsManagementClient(credential, target.subscription_id, **target.client_options()).zones
            try:
                with translated():
                    zones.get(design.group, design.domain)
            except ProvisionError as error:
                failures.append(error)
                return None
            return True

        try:
            wait_for(reads_zone, "a workload identity token for external-dns", EXCHANGE_TIMEOUT, max_delay=5.0)
        except ProvisionError as error:
            cause = failures[-1] if failures else error
            account = f"{design.dns.namespace}/{manifests.EXTERNAL_DNS}"
            raise ProvisionError(f"workload identity does not work for {account}: {cause}") from error
        return []


def _rolled(kube: Kube, namespace: str) -> bool | None:
    """Every external-dns pod is a workload identity one and the Deployment has all its replicas available."""
    deployment = kube.get("Deployment", namespace, manifests.EXTERNAL_DNS) or {}
    spec, status = deployment.get("spec", {}), deployment.get("status", {})
    wanted = spec.get("replicas", 1)
    settled = status.get("observedGeneration", 0) >= deployment.get("metadata", {}).get("generation", 0) and all(
        status.get(key) == wanted for key in ("replicas", "updatedReplicas", "availableReplicas")
    )
    pods = kube.list("Pod", namespace, f"app={manifests.EXTERNAL_DNS}")
    labels = [pod["metadata"].get("labels") or {} for pod in pods]
    converted = bool(labels) and all(BINDING_LABEL not in item and item.get(wi.USE_LABEL) == "true" for item in labels)
    return True if settled and converted else None


class ExternalDnsRollStep:
    """The external-dns ServiceAccount, Secret and Deployment in their workload identity form, rolled safely."""

    name = "external-dns"

    def plan(self, state: State) -> list[Change]:
        design, kube = state.design, _kube(state)
        client_id = str(state.identities[design.dns.identity_name].client_id)
        objects = wi.external_dns(design, state.clients.target.tenant_id, client_id)
        changes = [change for obj in objects if obj["kind"] != "Deployment" for change in plan_object(kube, obj)]
        [desired] = [obj for obj in objects if obj["kind"] == "Deployment"]
        existing = kube.get("Deployment", design.dns.namespace, manifests.EXTERNAL_DNS)
        if existing is None:
            return changes + plan_object(kube, desired)
        diffs = subset_diff(desired, existing)
        if BINDING_LABEL in existing["spec"]["template"]["metadata"].get("labels", {}):
            diffs.append(f"spec.template.metadata.labels.{BINDING_LABEL}: present → absent")
        if not diffs:
            return changes

        def roll() -> None:
            kube.patch(wi.external_dns_patch(design))
            wait_for(lambda: _rolled(kube, design.dns.namespace), "external-dns to roll", ROLL_TIMEOUT, max_delay=2.0)

        details = (*diffs, "(rolled: an old pod stops once a new one runs)")
        return [*changes, Change("update", describe(desired), details, roll)]


class WriteThroughCheck:
    """A probe Service gets its record from the workload identity pods alone, then goes."""

    name = "external-dns writes through workload identity"

    def plan(self, state: State) -> list[Change]:
        design = state.design
        if not podidentity.enabled(podidentity.get_cluster(state.clients, design.group, design.cluster)):
            return []  # the pod identity is gone already: this run has nothing left to prove
        token = secrets.token_hex(3)
        host = f"podid-migrate-{token}.{design.domain}"
        service: KubeObject = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": f"podid-migrate-{token}",
                "namespace": design.dns.namespace,
                "annotations": {HOSTNAME_ANNOTATION: host},
            },
            "spec": {"type": "LoadBalancer", "selector": {"podid-migrate": token}, "ports": [{"port": 80}]},
        }
        details = ("removed with its Service once written",)
        return [Change("create", f"probe record {host}", details, self._probe(state, service))]

    @staticmethod
    def _probe(state: State, service: KubeObject) -> Callable[[], None]:
        design, record_sets = state.design, state.clients.dns.record_sets
        name = service["metadata"]["name"]

        def written() -> bool | None:
            try:
                with translated():
                    record_sets.get(design.group, design.domain, name, "A")
            except NotFound:
                return None
            return True

        def probe() -> None:
            kube = _kube(state)
            kube.create(labelled(service))
            try:
                wait_for(written, f"external-dns to write {name}.{design.domain}", RECORD_TIMEOUT, max_delay=2.0)
            finally:
                kube.delete("Service", design.dns.namespace, name)  # external-dns (policy sync) removes the record

        return probe


class RemovePodIdentityStep:
    """podid's pod identities, the grants made for them and the pod identity azure.json Secret, removed."""

    name = "pod identity removal"

    def plan(self, state: State) -> list[Change]:
        design, clients = state.design, state.clients
        cluster = podidentity.get_cluster(clients, design.group, design.cluster)
        ours = {(item.name, item.namespace) for item in design.pod_identities}
        changes = []
        if podidentity.enabled(cluster):
            entries = podidentity.identities_of(cluster)
            gone = [f"pod identity {e.namespace}/{e.name}" for e in entries if (e.name, e.namespace) in ours]
            others = [e for e in entries if (e.name, e.namespace) not in ours]
            if gone or not others:
                details = (*gone, *(() if others else ("podIdentityProfile.enabled: true → false",)))
                changes.append(Change("delete", f"pod identities of {design.cluster}", details, self._profile(state)))
        changes += self._grants(state, podidentity.cluster_principal(cluster))
        kube = _kube(state)
        secret = kube.get("Secret", design.dns.namespace, manifests.SECRET_NAME)
        if secret is not None:
            remove = partial(kube.delete, "Secret", design.dns.namespace, manifests.SECRET_NAME)
            changes.append(Change("delete", describe(secret), (), remove))
        return changes

    @staticmethod
    def _profile(state: State) -> Callable[[], None]:
        design, clients = state.design, state.clients
        ours = {(item.name, item.namespace) for item in design.pod_identities}

        def remove() -> None:
            cluster = podidentity.get_cluster(clients, design.group, design.cluster)
            others = [e for e in podidentity.identities_of(cluster) if (e.name, e.namespace) not in ours]
            podidentity.set_profile(cluster, bool(others), others, podidentity.exceptions_of(cluster))
            state.cluster = podidentity.put_cluster(clients, design.group, design.cluster, cluster)

        return remove

    @staticmethod
    def _grants(state: State, principal: str) -> list[Change]:
        assignments = state.clients.authorization.role_assignments
        changes = []
        for item in state.design.pod_identities:
            scope = str(state.identities[item.identity_name].id)
            found = rbac.find(assignments, scope, podidentity.MANAGED_IDENTITY_OPERATOR, principal)
            if found is not None:
                what = f"role assignment Managed Identity Operator → cluster {state.design.cluster}"
                remove = _deleting(assignments.delete_by_id, str(found.id))
                changes.append(Change("delete", what, (f"scope: {scope.lower()}",), remove))
        return changes


def _deleting(delete: Callable[[str], Any], resource_id: str) -> Callable[[], None]:
    def apply() -> None:
        with translated():
            delete(resource_id)

    return apply
