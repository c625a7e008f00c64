"""Reset a sandbox to its state after bootstrap, for test isolation (the control surface's ``POST /reset``).

Everything made since goes through the paths a client's own deletes take, so every backend's memory state
(RBAC index, DNS index, cluster servers, pod addresses, pod identity) forgets it too: resource groups (with
all inside, clusters and their Kubernetes state included), role assignments, custom roles, applications and
service principals, preview-feature and provider registrations, long-running operations. What bootstrap made
stays: the tenant, the subscription, the operator with its Owner assignment and Graph permissions, the CA
and the signing keys. GUIDs keep coming from the same stream, so no new object takes an old one's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from podid.azure_rbac import CUSTOM_ROLE
from podid.sandbox._bootstrap import (
    BOOTSTRAP_KEY,
    BOOTSTRAP_KIND,
    OPERATOR_GRAPH_PERMISSIONS,
    OPERATOR_SECRET_NAME,
    OWNER_ROLE,
)
from podid.sandbox.arm.features.models import FEATURE_KIND
from podid.sandbox.arm.resources.models import PROVIDER_KIND
from podid.sandbox.directory import GRAPH_APP_ID

if TYPE_CHECKING:
    from podid.sandbox.cloud import Cloud


@dataclass(frozen=True)
class _Operator:
    client_id: str
    object_id: str


def reset(cloud: Cloud) -> dict[str, int]:
    """Remove what was made after bootstrap; how many of each kind of object went."""
    doc = cloud.store.get(BOOTSTRAP_KIND, BOOTSTRAP_KEY) or {}
    operator = _Operator(doc["operator"]["clientId"], doc["operator"]["objectId"])
    removed = {
        "resourceGroups": _delete_groups(cloud),
        "roleAssignments": _delete_role_assignments(cloud, operator),
        "roleDefinitions": _delete_custom_roles(cloud),
        "servicePrincipals": _delete_service_principals(cloud, operator),
        "applications": _delete_applications(cloud, operator),
    }
    _restore_operator(cloud, operator)
    _forget_subscription_state(cloud)
    return removed


def _delete_groups(cloud: Cloud) -> int:
    resources = cloud.resources
    groups = resources.resource_groups_list()
    for group in groups:
        if resources.find_group(group.name) is not None:  # a node resource group goes with its cluster
            resources.resource_groups_delete(group.name)
    return len(groups)


def _delete_role_assignments(cloud: Cloud, operator: _Operator) -> int:
    authorization = cloud.authorization
    subscription = cloud.resources.subscription_scope.lower()
    doomed = [
        assignment
        for assignment in authorization.role_assignments_list("/")
        if (assignment.scope.lower(), assignment.principal_id.lower(), assignment.role_definition_guid.lower())
        != (subscription, operator.object_id.lower(), OWNER_ROLE)
    ]
    for assignment in doomed:
        authorization.role_assignments_delete(assignment.scope, assignment.name)
    return len(doomed)


def _delete_custom_roles(cloud: Cloud) -> int:
    definitions = cloud.authorization.definitions
    doomed = definitions.visible_at("/", role_type=CUSTOM_ROLE)  # at the root every custom role is visible
    for record in doomed:
        definitions.delete(record.role.guid)
    return len(doomed)


def _delete_service_principals(cloud: Cloud, operator: _Operator) -> int:
    """Every principal but the operator and Microsoft Graph (managed identities' went with their groups)."""
    doomed = [
        sp
        for sp in cloud.directory.service_principals()
        if sp.object_id.lower() != operator.object_id.lower() and sp.app_id != GRAPH_APP_ID
    ]
    for sp in doomed:
        cloud.directory.delete_service_principal(sp.object_id)
        cloud.tokens.forget(sp.object_id)
    return len(doomed)


def _delete_applications(cloud: Cloud, operator: _Operator) -> int:
    doomed = [app for app in cloud.directory.applications() if app.app_id.lower() != operator.client_id.lower()]
    for app in doomed:
        cloud.directory.delete_application(app.object_id)
    return len(doomed)


def _restore_operator(cloud: Cloud, operator: _Operator) -> None:
    """The operator holds again just what bootstrap gave it: its Graph permissions and its one secret."""
    directory, grants = cloud.directory, cloud.directory.grants
    held = grants.app_role_assignments(operator.object_id)
    if (
        len(held) != len(OPERATOR_GRAPH_PERMISSIONS)
        or grants.directory_roles(operator.object_id)
        or (grants.permissions(operator.object_id) != frozenset(OPERATOR_GRAPH_PERMISSIONS))
    ):
        grants.forget(operator.object_id)
        directory.grant_graph_permissions(operator.object_id, OPERATOR_GRAPH_PERMISSIONS)
        cloud.tokens.forget(operator.object_id)
    app = directory.application_by_app_id(operator.client_id)
    if app is not None:
        for credential in [item for item in app.password_credentials if item.display_name != OPERATOR_SECRET_NAME]:
            directory.remove_password(app, credential.key_id)


def _forget_subscription_state(cloud: Cloud) -> None:
    """Preview features and resource providers read as on a new subscription; no operation can be polled."""
    store = cloud.store
    with store.transaction():
        for kind in (FEATURE_KIND, PROVIDER_KIND):
            for key in store.keys(kind):
                store.delete(kind, key)
    cloud.operations.forget_all()
