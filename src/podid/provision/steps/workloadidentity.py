"""The steps of ``podid up --mode workload-identity``: the tutorial's system with workload identity, no pod identity.

Compared with the pod identity steps: no preview feature, the cluster gets the OIDC issuer and workload identity
(``az aks create --enable-oidc-issuer --enable-workload-identity``) instead of the pod identity add-on, each
identity gets a federated credential for its ServiceAccount (``az identity federated-credential create``)
instead of a pod identity and Managed Identity Operator grant, and the Kubernetes objects are the workload
identity ones (``provision.workloadidentity``).
"""

from __future__ import annotations

import copy
from functools import partial

from azure.mgmt.containerservice.models import ManagedCluster
from azure.mgmt.msi.models import FederatedIdentityCredential

from podid.provision import workloadidentity as wi
from podid.provision.design import Design, PodIdentity
from podid.provision.kube import Kube, KubeObject, describe
from podid.provision.manifests import external_dns_rbac
from podid.provision.state import State
from podid.provision.step import UNKNOWN, Change, merge, model, subset_diff
from podid.provision.steps._resource import ArmResource, plan
from podid.provision.steps.cluster import _cluster_resource, desired_cluster, dns_prefix, kube_for
from podid.provision.steps.kube import _client_id, _replace_pod, _tenant, plan_object


def issuer_of(cluster: ManagedCluster | None) -> str | None:
    """The cluster's OIDC issuer URL (with its trailing slash), once AKS has one."""
    profile = getattr(cluster, "oidc_issuer_profile", None)
    issuer = getattr(profile, "issuer_url", None)
    return str(issuer) if issuer else None


class WorkloadIdentityClusterStep:
    """The tutorial's cluster with the OIDC issuer and workload identity; an existing cluster keeps the rest."""

    name = "AKS cluster"
    guards = True  # its location and network plugin cannot change

    def plan(self, state: State) -> list[Change]:
        design = state.design
        desired = merge(desired_cluster(design), wi.CLUSTER_PROFILES)
        initial = {"properties": {"dnsPrefix": dns_prefix(design)}}
        return plan(_cluster_resource(state, f"AKS cluster {design.cluster}", desired, initial, owned=True))


class FederatedCredentialStep:
    """One identity's federated credential for the ServiceAccount that acts as it."""

    def __init__(self, pod_identity: PodIdentity, account: str) -> None:
        self.identity_name = pod_identity.identity_name
        self.namespace, self.account = pod_identity.namespace, account
        self.credential = wi.credential_name(self.namespace, account)
        self.name = f"federated credential {self.namespace}/{account}"

    def plan(self, state: State) -> list[Change]:
        what = f"federated credential {self.credential} → {self.identity_name}"
        sub = wi.subject(self.namespace, self.account)
        issuer = issuer_of(state.cluster)
        if issuer is None or self.identity_name not in state.identities:  # made earlier in this run
            return [Change("create", what, (f"issuer: {issuer or UNKNOWN}", f"subject: {sub}"))]
        group, credentials = state.design.group, state.clients.msi.federated_identity_credentials
        desired = {"properties": {"issuer": issuer, "subject": sub, "audiences": [wi.AUDIENCE]}}
        return plan(
            ArmResource(
                what,
                desired,
                lambda: credentials.get(group, self.identity_name, self.credential),
                lambda body: credentials.create_or_update(
                    group, self.identity_name, self.credential, model(FederatedIdentityCredential, body)
                ),
            )
        )


def federated_credential_steps(design: Design) -> list[FederatedCredentialStep]:
    return [FederatedCredentialStep(identity, account) for identity, account in wi.accounts(design)]


def external_dns_objects(state: State) -> list[KubeObject]:
    design = state.design
    client_id = _client_id(state, design.dns.identity_name)
    return [*wi.external_dns(design, _tenant(state), client_id), *external_dns_rbac(design)]


def demo_objects(state: State) -> list[KubeObject]:
    design = state.design
    client_id = _client_id(state, design.demo.identity_name)
    return wi.demo(design, client_id, _tenant(state), state.node_group or UNKNOWN)


def without_webhook(pod: KubeObject) -> KubeObject:
    """The pod as it was created: the variables the workload identity webhook added are not drift."""
    pod = copy.deepcopy(pod)
    spec = pod.get("spec", {})
    for container in spec.get("initContainers", []) + spec.get("containers", []):
        env = [item for item in container.get("env", []) if item.get("name") not in wi.WEBHOOK_VARIABLES]
        if env:
            container["env"] = env
        else:
            container.pop("env", None)
    return pod


def plan_workload_objects(kube: Kube, objects: list[KubeObject]) -> list[Change]:
    """``plan_object`` for objects whose pods the webhook mutates: a pod is compared as it was created."""
    changes = []
    for obj in objects:
        if obj["kind"] != "Pod":
            changes += plan_object(kube, obj)
            continue
        meta = obj["metadata"]
        existing = kube.get("Pod", meta["namespace"], meta["name"])
        if existing is None:
            changes += plan_object(kube, obj)
            continue
        diffs = subset_diff(obj, without_webhook(existing))
        if diffs:
            replace = partial(_replace_pod, kube, obj)
            changes.append(Change("update", describe(obj), tuple(diffs), replace, replaces=True))
    return changes


class DemoPodStep:
    """The demo's ServiceAccount and pod, running as the demo identity through workload identity."""

    name = "demo pod"

    def plan(self, state: State) -> list[Change]:
        objects = demo_objects(state)
        kube = kube_for(state) if state.cluster is not None else None
        if kube is None:  # the cluster is created in this run
            return [Change("create", describe(obj)) for obj in objects]
        return plan_workload_objects(kube, objects)
