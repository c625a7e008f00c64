"""AKS pod-managed identity as the aks-preview extension drives it (``custom.py``, ``_podidentity.py``).

Every change is GET managedCluster → edit ``podIdentityProfile`` → PUT the whole cluster (a long-running
operation). Adding an identity first makes sure the cluster (control-plane) identity holds Managed Identity
Operator over it, as aks-preview does; ``409 RoleAssignmentExists`` counts as done. The client-side checks and
their messages are aks-preview's.
"""

from __future__ import annotations

import re
from typing import Any

from azure.mgmt.containerservice import models as aks

from podid.provision import rbac
from podid.provision.clients import Clients
from podid.provision.errors import BadRequest, NotFound, ProvisionError, translated
from podid.provision.wait import finish

MANAGED_IDENTITY_OPERATOR = rbac.BUILT_IN["Managed Identity Operator"]
OPERATOR_ATTEMPTS = 10
_IDENTITY_ID = re.compile(
    r"/subscriptions/(.*?)/resourcegroups/(.*?)/providers/microsoft.managedidentity/userassignedidentities/(.*)"
)


class NotEnabled(BadRequest):
    pass


def enabled(cluster: Any) -> bool:
    profile = getattr(cluster, "pod_identity_profile", None)
    return bool(profile is not None and profile.enabled)


def require_enabled(cluster: Any) -> None:
    if not enabled(cluster):
        raise NotEnabled(
            "The pod identity addon is not enabled for this managed cluster yet.\n"
            'To enable, run "az aks update --enable-pod-identity'
        )


def _kind(identity: Any) -> str:
    kind = getattr(identity, "type", None) or ""
    return str(getattr(kind, "value", kind))  # the SDK's enums print as ResourceIdentityType.NONE


def cluster_principal(cluster: Any) -> str:
    """The control-plane identity's object id (not the kubelet identity's)."""
    identity = cluster.identity
    kind = _kind(identity)
    if kind.lower() == "userassigned":
        principal = next((item.principal_id for item in (identity.user_assigned_identities or {}).values()), None)
    elif kind.lower() == "systemassigned":
        principal = identity.principal_id
    else:
        raise BadRequest(f"unsupported identity type: {kind}")
    if principal is None:
        raise BadRequest("unable to resolve cluster identity")
    return str(principal)


def get_identity(clients: Clients, resource_id: str) -> Any:
    """The user-assigned identity behind a (case-insensitive) resource id, as aks-preview looks it up."""
    found = _IDENTITY_ID.search(resource_id.lower())
    if found is None:
        raise BadRequest(f"Cannot parse identity name from provided resource id {resource_id}.")
    subscription, group, name = found.groups()
    if subscription != clients.subscription_id.lower():
        raise BadRequest(f"Identity {resource_id} is not in subscription {clients.subscription_id}.")
    try:
        with translated():
            return clients.msi.user_assigned_identities.get(group, name)
    except NotFound as error:
        raise NotFound(f"Identity {resource_id} not found.") from error


def operator_granted(clients: Clients, principal: str, scope: str) -> bool:
    """Whether Managed Identity Operator is assigned to ``principal`` at ``scope`` or above."""
    scope, principal = scope.lower(), principal.lower()
    with translated():
        listed = clients.authorization.role_assignments.list_for_scope(
            scope, filter=f"atScope() and assignedTo('{principal}')"
        )
        return any(
            (item.role_definition_id or "").lower().endswith(MANAGED_IDENTITY_OPERATOR)
            and (item.principal_id or "").lower() == principal
            and scope.startswith((item.scope or "").lower())
            for item in listed
        )


def ensure_operator(clients: Clients, cluster: Any, identity_id: str, description: str | None = None) -> bool:
    """Grant Managed Identity Operator over the identity to the cluster identity unless it holds it; True if granted."""
    principal, scope = cluster_principal(cluster).lower(), identity_id.lower()
    if operator_granted(clients, principal, scope):
        return False
    role = rbac.resolve_role(
        clients.authorization.role_definitions, scope, "Managed Identity Operator", clients.subscription_id
    )
    try:
        assignments = clients.authorization.role_assignments
        rbac.create(assignments, scope, role, principal, principal_type=None, description=description)
    except ProvisionError as error:
        raise ProvisionError("Could not grant Managed Identity Operator permission for cluster") from error
    return True


def set_profile(
    cluster: Any,
    enable: bool,
    identities: list[Any] | None = None,
    exceptions: list[Any] | None = None,
    kubenet_consent: bool | None = None,
) -> None:
    """aks-preview's ``_update_addon_pod_identity``: rebuild podIdentityProfile on the cluster object."""
    if not enable:
        cluster.pod_identity_profile = aks.ManagedClusterPodIdentityProfile(enabled=False)
        return
    for exception in exceptions or []:
        if exception.pod_labels is None:
            exception.pod_labels = {}
    if cluster.pod_identity_profile is None:
        cluster.pod_identity_profile = aks.ManagedClusterPodIdentityProfile(enabled=True)
    profile = cluster.pod_identity_profile
    plugin = (getattr(cluster.network_profile, "network_plugin", None) or "").lower()
    if plugin == "kubenet":
        consent = bool(profile.allow_network_plugin_kubenet) if kubenet_consent is None else kubenet_consent
        if not consent:
            raise BadRequest(
                "--enable-pod-identity-with-kubenet is required for enabling pod identity addon "
                "when using Kubenet network plugin"
            )
        profile.allow_network_plugin_kubenet = True
    profile.enabled = True
    profile.user_assigned_identities = identities or []
    profile.user_assigned_identity_exceptions = exceptions or []


def get_cluster(clients: Clients, group: str, name: str) -> Any:
    with translated():
        return clients.aks.managed_clusters.get(group, name)


def put_cluster(clients: Clients, group: str, name: str, cluster: Any) -> Any:
    with translated():
        return finish(clients.aks.managed_clusters.begin_create_or_update(group, name, cluster), f"AKS cluster {name}")


def pod_identity(name: str, namespace: str, identity: Any, binding_selector: str | None = None) -> Any:
    entry = aks.ManagedClusterPodIdentity(
        name=name,
        namespace=namespace,
        identity=aks.UserAssignedIdentity(
            resource_id=identity.id, client_id=identity.client_id, object_id=identity.principal_id
        ),
    )
    if binding_selector is not None:
        entry.binding_selector = binding_selector
    return entry


def identities_of(cluster: Any) -> list[Any]:
    return list(cluster.pod_identity_profile.user_assigned_identities or [])


def exceptions_of(cluster: Any) -> list[Any]:
    return list(cluster.pod_identity_profile.user_assigned_identity_exceptions or [])


# the aks-preview commands


def update_addon(clients: Clients, group: str, name: str, enable: bool, disable: bool, kubenet: bool) -> Any:
    """`az aks update --enable-pod-identity [--enable-pod-identity-with-kubenet] | --disable-pod-identity`."""
    cluster = get_cluster(clients, group, name)
    if enable:
        if _kind(cluster.identity).lower() not in ("systemassigned", "userassigned"):
            raise BadRequest("--enable-pod-identity can only be specified for cluster enabled managed identity")
        if disable:
            raise BadRequest("Cannot specify --enable-pod-identity and --disable-pod-identity at the same time.")
        if not enabled(cluster):  # aks-preview only rebuilds the profile when it was off
            set_profile(cluster, True, kubenet_consent=kubenet or None)
    elif disable:
        set_profile(cluster, False)
    return put_cluster(clients, group, name, cluster)


def add(
    clients: Clients,
    group: str,
    name: str,
    namespace: str,
    identity_name: str,
    identity_resource_id: str,
    binding_selector: str | None = None,
) -> Any:
    """`az aks pod-identity add`."""
    cluster = get_cluster(clients, group, name)
    require_enabled(cluster)
    identity = get_identity(clients, identity_resource_id)
    ensure_operator(clients, cluster, str(identity.id))
    entries = [*identities_of(cluster), pod_identity(identity_name, namespace, identity, binding_selector)]
    set_profile(cluster, True, entries, exceptions_of(cluster))
    return put_cluster(clients, group, name, cluster)


def delete(clients: Clients, group: str, name: str, namespace: str, identity_name: str) -> Any:
    """`az aks pod-identity delete`: drop the entry with this name and namespace."""
    cluster = get_cluster(clients, group, name)
    require_enabled(cluster)
    entries = [item for item in identities_of(cluster) if (item.name, item.namespace) != (identity_name, namespace)]
    set_profile(cluster, True, entries, exceptions_of(cluster))
    return put_cluster(clients, group, name, cluster)


def change_exception(
    clients: Clients,
    group: str,
    name: str,
    namespace: str,
    exception_name: str,
    pod_labels: dict[str, str] | None,
    verb: str,
) -> Any:
    """`az aks pod-identity exception add|update|delete`."""
    cluster = get_cluster(clients, group, name)
    require_enabled(cluster)
    others = [item for item in exceptions_of(cluster) if (item.name, item.namespace) != (exception_name, namespace)]
    if verb == "update" and len(others) == len(exceptions_of(cluster)):
        raise BadRequest(f"pod identity exception {namespace}/{exception_name} not found")
    if verb == "delete":
        exceptions = others
    else:
        new = aks.ManagedClusterPodIdentityException(
            name=exception_name, namespace=namespace, pod_labels=pod_labels or {}
        )
        exceptions = [*exceptions_of(cluster), new] if verb == "add" else _replace(cluster, new)
    set_profile(cluster, True, identities_of(cluster), exceptions)
    return put_cluster(clients, group, name, cluster)


def _replace(cluster: Any, new: Any) -> list[Any]:
    return [
        new if (item.name, item.namespace) == (new.name, new.namespace) else item for item in exceptions_of(cluster)
    ]
