"""Microsoft.ContainerService/managedClusters: the AKS control plane of the sandbox.

A PUT validates and stores the cluster (provisioningState Creating/Updating) and starts a long-running
operation; when it completes, the node resource group, kubelet identity and scale sets are reconciled and
the cluster's Kubernetes API server is ensured (the Kubernetes fleet). DELETE tears all of it down the same way.
Operations advance as clients poll them (``operations.polls["managedclusters"]``) and also when the
cluster itself is read, so `az aks create --no-wait` followed by GETs converges too.

Other parts of the sandbox plug in through hooks: validators see (old, new) ARM documents before a PUT is
accepted (raise an ArmError to refuse it, or amend ``new["properties"]``); ``on_changed`` runs after a
create or update completes (also one a restart interrupted); ``on_deleted`` after a cluster is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podid.sandbox.arm.containerservice._cluster import BuildContext, ManagedCluster, new_cluster, updated_cluster
from podid.sandbox.arm.containerservice._infra import NodeInfrastructure
from podid.sandbox.arm.containerservice._kubeconfig import kubeconfig
from podid.sandbox.arm.containerservice.errors import OperationNotAllowed
from podid.sandbox.arm.containerservice.siblings import KubeletIdentities, NodeGroups, ScaleSets
from podid.sandbox.arm.errors import (
    ArmError,
    BadRequest,
    Conflict,
    InvalidResourceLocation,
    LocationRequired,
    PreconditionFailed,
    ResourceNotFound,
)
from podid.sandbox.arm.locations import validate_location
from podid.sandbox.arm.operations import Operation, Operations
from podid.sandbox.arm.provider import Shared
from podid.sandbox.core.pki import CertificateAuthority
from podid.sandbox.core.tokens import TokenService
from podid.sandbox.directory import Directory
from podid.sandbox.kube.api import ClusterAccess, KubeFleet

log = logging.getLogger(__name__)

CLUSTER_KIND = "managedCluster"
NAMESPACE = "Microsoft.ContainerService"
RESOURCE_TYPE = "managedClusters"
DEFAULT_POLLS = 1  # Creating in the PUT answer, Succeeded on the first status poll

ArmDoc = dict[str, Any]
Validator = Callable[[ArmDoc | None, ArmDoc], None]
ChangeHook = Callable[[ArmDoc], None]
DeleteHook = Callable[[str], None]


@dataclass
class _Running:
    operation: Operation
    verb: str  # what OperationNotAllowed says is in progress


class ContainerServiceBackend:
    """Managed clusters, their long-running operations and credentials, and the hooks other parts use."""

    def __init__(
        self,
        shared: Shared,
        *,
        resources: NodeGroups,
        identities: KubeletIdentities,
        compute: ScaleSets,
        kube: KubeFleet,
        directory: Directory,
        tokens: TokenService,
        operations: Operations,
        ca: CertificateAuthority,
    ) -> None:
        self._settings, self._store, self._ids = shared.settings, shared.store, shared.ids
        self._resources, self._identities, self._directory = resources, identities, directory
        self._operations, self._ca = operations, ca
        self._infra = NodeInfrastructure(resources, identities, compute, kube, directory, tokens)
        self._running: dict[str, _Running] = {}
        self._access: dict[str, ClusterAccess] = {}
        self._validators: list[Validator] = []
        self._changed: list[ChangeHook] = []
        self._deleted: list[DeleteHook] = []
        operations.polls.setdefault(RESOURCE_TYPE.lower(), DEFAULT_POLLS)
        resources.on_delete_under(self._forget_under)

    # hooks

    def add_validator(self, validator: Validator) -> None:
        self._validators.append(validator)

    def on_changed(self, hook: ChangeHook) -> None:
        self._changed.append(hook)

    def on_deleted(self, hook: DeleteHook) -> None:
        self._deleted.append(hook)

    # lookups for the rest of the sandbox

    def cluster_id(self, group: str, name: str) -> str:
        subscription = self._settings.subscription_id
        return f"/subscriptions/{subscription}/resourcegroups/{group}/providers/{NAMESPACE}/managedClusters/{name}"

    def get(self, cluster_id: str) -> ArmDoc | None:
        cluster = self._load(cluster_id)
        return cluster.to_arm() if cluster else None

    def all(self) -> list[ArmDoc]:
        return [ManagedCluster(**doc).to_arm() for doc in self._store.all(CLUSTER_KIND)]

    def set_property(self, cluster_id: str, name: str, value: Any) -> None:
        """Write one server-side property (e.g. podIdentityProfile states) without an operation or hooks."""
        cluster = self._load(cluster_id)
        if cluster is not None:
            cluster.properties[name] = value
            self._save(cluster)

    # REST operations

    def managed_clusters_create_or_update(
        self, group: str, name: str, body: dict[str, Any], if_match: str | None = None, if_none_match: str | None = None
    ) -> tuple[ManagedCluster, bool, Operation]:
        resource_group = self._resources.resource_groups_get(group)
        existing = self._find(resource_group.name, name)
        _check_preconditions(existing, if_match, if_none_match)
        if existing is not None:
            self._check_idle(existing)
        location = self._location(body.get("location"))
        context = self._context()
        if existing is None:
            cluster = new_cluster(
                context, self.cluster_id(resource_group.name, name), resource_group.name, name, location, body
            )
        else:
            if location != existing.location:
                raise InvalidResourceLocation(name, existing.location, resource_group.name, location)
            cluster = updated_cluster(context, existing, body)
        self._validate(existing, cluster)
        return cluster, existing is None, self._begin_write(cluster, existing is None)

    def managed_clusters_get(self, group: str, name: str) -> ManagedCluster:
        cluster = self._existing(group, name)
        running = self._running.get(cluster.id.lower())
        if running is not None and running.operation.status == "InProgress":
            self._operations.poll(running.operation.id)
            return self._find(group, name) or cluster
        return cluster

    def managed_clusters_list_by_resource_group(self, group: str) -> list[ManagedCluster]:
        resource_group = self._resources.resource_groups_get(group)
        return [ManagedCluster(**doc) for doc in self._store.children(CLUSTER_KIND, resource_group.id)]

    def managed_clusters_list(self) -> list[ManagedCluster]:
        return [ManagedCluster(**doc) for doc in self._store.all(CLUSTER_KIND)]

    def managed_clusters_update_tags(self, group: str, name: str, tags: dict[str, str]) -> ManagedCluster:
        cluster = self._existing(group, name)
        self._check_idle(cluster)
        cluster.tags = tags
        cluster.etag = self._ids.guid()
        self._save(cluster)
        return cluster

    def managed_clusters_begin_delete(self, group: str, name: str) -> Operation | None:
        """None when there is no such cluster (AKS then answers 204)."""
        self._resources.resource_groups_get(group)
        cluster = self._find(group, name)
        if cluster is None:
            return None
        self._check_idle(cluster)
        cluster.properties["provisioningState"] = "Deleting"
        self._save(cluster)
        key = cluster.id.lower()
        operation = self._operations.start(NAMESPACE, cluster.location, RESOURCE_TYPE, lambda: self._finish_delete(key))
        self._track(key, operation, "delete managed cluster")
        return operation

    def managed_clusters_list_cluster_credentials(
        self, group: str, name: str, *, admin: bool, by_fqdn: bool = False
    ) -> bytes:
        """The kubeconfig of listClusterUserCredential / listClusterAdminCredential; ``by_fqdn``: the server is
        ``https://<fqdn>:443`` as AKS writes it (the sandbox's proxy serves that name), else its loopback address."""
        cluster = self._existing(group, name)
        if cluster.properties.get("disableLocalAccounts"):
            raise BadRequest(
                "Getting static credential is not allowed because this cluster is set to disable local accounts."
            )
        access = self._access.get(cluster.id.lower())
        if access is None:
            state = cluster.properties.get("provisioningState")
            raise Conflict(
                f"The cluster '{name}' has no API server yet: its provisioning state is '{state}'.",
                code="OperationNotAllowed",
            )
        return kubeconfig(
            cluster=cluster.name,
            resource_group=cluster.resource_group,
            server=f"https://{cluster.properties['fqdn']}:443" if by_fqdn else access.server_url,
            ca_pem=self._ca.ca_pem,
            token=access.admin_token if admin else access.user_token,
            admin=admin,
        )

    # sandbox lifecycle: serve existing clusters and finish operations a restart interrupted

    async def start(self) -> None:
        for cluster in self.managed_clusters_list():
            state, key = cluster.properties.get("provisioningState"), cluster.id.lower()
            try:
                if state == "Deleting":
                    self._finish_delete(key)
                elif state in {"Creating", "Updating", "Succeeded"}:
                    self._complete(key, notify=state != "Succeeded")
            except ArmError as error:  # the cluster is marked Failed; the sandbox still starts
                log.warning("could not resume cluster %s: %s", cluster.id, error.message)

    async def stop(self) -> None:
        self._access.clear()

    # internals

    def _begin_write(self, cluster: ManagedCluster, is_new: bool) -> Operation:
        if is_new and cluster.identity["type"] == "SystemAssigned":
            principal = self._directory.create_managed_identity_principal(cluster.id, cluster.name)
            cluster.identity["principalId"] = principal.object_id
        state = "Creating" if is_new else "Updating"
        cluster.properties["provisioningState"] = state
        for pool in cluster.properties["agentPoolProfiles"]:
            pool["provisioningState"] = state
            pool.setdefault("powerState", {"code": "Running"})
        cluster.etag = self._ids.guid()
        self._save(cluster)
        key = cluster.id.lower()
        operation = self._operations.start(
            NAMESPACE, cluster.location, RESOURCE_TYPE, lambda: self._complete(key, notify=True)
        )
        self._track(key, operation, "create managed cluster" if is_new else "update managed cluster")
        return operation

    def _complete(self, key: str, *, notify: bool) -> None:
        cluster = self._load(key)
        if cluster is None:
            return
        try:
            access = self._infra.provision(cluster)
        except ArmError:
            cluster.properties["provisioningState"] = "Failed"
            self._save(cluster)
            raise
        self._access[key] = access
        cluster.properties["provisioningState"] = "Succeeded"
        for pool in cluster.properties["agentPoolProfiles"]:
            pool["provisioningState"] = "Succeeded"
        self._save(cluster)
        if notify:
            _notify(self._changed, cluster.to_arm())

    def _finish_delete(self, key: str) -> None:
        cluster = self._load(key)
        if cluster is not None:
            self._teardown(cluster)
            self._store.delete(CLUSTER_KIND, key)

    def _teardown(self, cluster: ManagedCluster) -> None:
        self._infra.teardown(cluster)
        self._access.pop(cluster.id.lower(), None)
        _notify(self._deleted, cluster.id)

    def _forget_under(self, prefix: str) -> None:
        """Deleting a resource group deletes its clusters, and with them their node resource groups."""
        for key in self._store.keys(CLUSTER_KIND, prefix):
            cluster = self._load(key)
            if cluster is not None:
                self._teardown(cluster)
            self._running.pop(key, None)

    def _validate(self, existing: ManagedCluster | None, cluster: ManagedCluster) -> None:
        old = existing.to_arm() if existing is not None else None
        new = cluster.to_arm()
        for validator in self._validators:
            validator(old, new)
        cluster.properties = new["properties"]

    def _check_idle(self, cluster: ManagedCluster) -> None:
        running = self._running.get(cluster.id.lower())
        if running is not None and running.operation.status == "InProgress":
            raise OperationNotAllowed(running.verb, running.operation.id, running.operation.start_time)

    def _track(self, key: str, operation: Operation, verb: str) -> None:
        if operation.status == "InProgress":
            self._running[key] = _Running(operation, verb)
        else:
            self._running.pop(key, None)

    def _location(self, location: Any) -> str:
        if not location:
            raise LocationRequired()
        return validate_location(str(location), f"resource type '{NAMESPACE}/{RESOURCE_TYPE}'")

    def _context(self) -> BuildContext:
        def lookup(identity_id: str) -> tuple[str, str] | None:
            found = self._identities.get_by_id(identity_id)
            return (found.principal_id, found.client_id) if found else None

        return BuildContext(self._ids, self._settings.tenant_id, lookup)

    def _find(self, group: str, name: str) -> ManagedCluster | None:
        return self._load(self.cluster_id(group, name))

    def _existing(self, group: str, name: str) -> ManagedCluster:
        self._resources.resource_groups_get(group)
        cluster = self._find(group, name)
        if cluster is None:
            raise ResourceNotFound(f"{NAMESPACE}/managedClusters", name, group)
        return cluster

    def _load(self, cluster_id: str) -> ManagedCluster | None:
        doc = self._store.get(CLUSTER_KIND, cluster_id)
        return ManagedCluster(**doc) if doc else None

    def _save(self, cluster: ManagedCluster) -> None:
        parent = self._resources.group_id(cluster.resource_group)
        self._store.put(CLUSTER_KIND, cluster.id, cluster.to_doc(), parent=parent)


def _notify(hooks: list[Callable[[Any], None]], value: Any) -> None:
    """Run every hook; the cluster operation has completed, so one hook's failure neither fails it nor the others."""
    for hook in hooks:
        try:
            hook(value)
        except Exception:
            log.exception("a managed-cluster hook failed")


def _check_preconditions(existing: ManagedCluster | None, if_match: str | None, if_none_match: str | None) -> None:
    if if_none_match == "*" and existing is not None:
        raise PreconditionFailed("The condition '*' in the If-None-Match header was not satisfied.")
    if if_match and (existing is None or if_match not in {"*", existing.etag}):
        raise PreconditionFailed(f"The condition '{if_match}' in the If-Match header was not satisfied.")
