"""User-assigned managed identities: each one is backed by a service principal in the sandbox directory.

The identity's ``clientId`` is that principal's app id and its ``principalId`` the principal's object id; both
are made at creation and never change, whatever later PUTs send. Deleting an identity removes its principal
and federated credentials but, as in Azure, leaves role assignments naming the principal orphaned.
Ids use ``resourcegroups`` in lower case, as the managed identity service returns them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from podid.sandbox.arm.errors import InvalidResourceLocation, LocationRequired
from podid.sandbox.arm.locations import validate_location
from podid.sandbox.arm.managedidentity.errors import IDENTITY_TYPE, IdentityNotFound, InvalidIdentityName
from podid.sandbox.arm.managedidentity.federated import FederatedCredential, FederatedCredentials
from podid.sandbox.arm.provider import Shared
from podid.sandbox.arm.siblings import ResourceGroups
from podid.sandbox.core.tokens import TokenService
from podid.sandbox.directory import Directory

IDENTITY_KIND = "userAssignedIdentity"
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$")


@dataclass
class Identity:
    id: str
    name: str
    resource_group: str
    location: str
    tenant_id: str
    principal_id: str
    client_id: str
    tags: dict[str, str] = field(default_factory=dict)
    isolation_scope: str = "None"


class IdentitiesBackend:
    """userAssignedIdentities, plus lookups other parts of the sandbox use (AKS pod identity, IMDS, NMI)."""

    def __init__(
        self, shared: Shared, *, resources: ResourceGroups, directory: Directory, tokens: TokenService
    ) -> None:
        self._settings, self._store = shared.settings, shared.store
        self._resources, self._directory, self._tokens = resources, directory, tokens
        self.federated = FederatedCredentials(shared.store, self._existing)
        resources.on_delete_under(self._forget_under)

    def identity_id(self, resource_group: str, name: str) -> str:
        subscription = self._settings.subscription_id
        return f"/subscriptions/{subscription}/resourcegroups/{resource_group}/providers/{IDENTITY_TYPE}/{name}"

    # REST operations (UserAssignedIdentities_*)

    def user_assigned_identities_create_or_update(
        self,
        resource_group: str,
        name: str,
        location: str | None,
        tags: dict[str, str],
        isolation_scope: str | None = None,
    ) -> tuple[Identity, bool]:
        """Create the identity (and its service principal) or replace its mutable fields; True if new."""
        self._resources.resource_groups_get(resource_group)
        if not _NAME.match(name):
            raise InvalidIdentityName(name, "user assigned identity", 128)
        if not location:
            raise LocationRequired()
        canonical = validate_location(location, f"resource type '{IDENTITY_TYPE}'")
        existing = self.get_by_id(self.identity_id(resource_group, name))
        if existing is not None:
            if existing.location != canonical:
                raise InvalidResourceLocation(existing.name, existing.location, resource_group, location)
            existing.tags = tags
            existing.isolation_scope = isolation_scope or existing.isolation_scope
            self._save(existing)
            return existing, False
        return self._create(resource_group, name, canonical, tags, isolation_scope or "None"), True

    def user_assigned_identities_get(self, resource_group: str, name: str) -> Identity:
        return self._existing(resource_group, name)

    def user_assigned_identities_update(
        self, resource_group: str, name: str, tags: dict[str, str] | None, isolation_scope: str | None
    ) -> Identity:
        identity = self._existing(resource_group, name)
        if tags is not None:
            identity.tags = tags
        if isolation_scope is not None:
            identity.isolation_scope = isolation_scope
        self._save(identity)
        return identity

    def user_assigned_identities_delete(self, resource_group: str, name: str) -> Identity | None:
        """Delete the identity, its principal and its federated credentials; None if there was none."""
        self._resources.resource_groups_get(resource_group)
        identity = self.get_by_id(self.identity_id(resource_group, name))
        if identity is None:
            return None
        with self._store.transaction():
            self.federated.delete_all(identity.id)
            self._store.delete(IDENTITY_KIND, identity.id)
            self._directory.delete_service_principal(identity.principal_id)
        self._tokens.forget(identity.principal_id)
        return identity

    def user_assigned_identities_list_by_resource_group(self, resource_group: str) -> list[Identity]:
        group = self._resources.resource_groups_get(resource_group)
        return [Identity(**doc) for doc in self._store.children(IDENTITY_KIND, group.id)]

    def user_assigned_identities_list_by_subscription(self) -> list[Identity]:
        return [Identity(**doc) for doc in self._store.all(IDENTITY_KIND)]

    # lookups and helpers for the rest of the sandbox

    def create_or_update(
        self, resource_group: str, name: str, location: str, tags: dict[str, str] | None = None
    ) -> Identity:
        """What a PUT does, for sandbox code that needs an identity (e.g. a cluster's kubelet identity)."""
        identity, _ = self.user_assigned_identities_create_or_update(resource_group, name, location, tags or {})
        return identity

    def get_by_id(self, resource_id: str) -> Identity | None:
        """The identity with this ARM id (any casing, `resourceGroups` or `resourcegroups`), or None."""
        doc = self._store.get(IDENTITY_KIND, "/" + "/".join(part for part in resource_id.split("/") if part))
        return Identity(**doc) if doc else None

    def by_client_id(self, client_id: str) -> Identity | None:
        wanted = client_id.lower()
        return next(
            (item for item in self.user_assigned_identities_list_by_subscription() if item.client_id.lower() == wanted),
            None,
        )

    def federated_credentials(self, identity_id: str) -> list[FederatedCredential]:
        """The federated credentials of an identity, for the workload identity token exchange."""
        return self.federated.of_identity(identity_id)

    # internals

    def _create(
        self, resource_group: str, name: str, location: str, tags: dict[str, str], isolation_scope: str
    ) -> Identity:
        resource_id = self.identity_id(resource_group, name)
        with self._store.transaction():
            sp = self._directory.create_managed_identity_principal(resource_id, name)
            identity = Identity(
                id=resource_id,
                name=name,
                resource_group=resource_group,
                location=location,
                tenant_id=sp.tenant_id,
                principal_id=sp.object_id,
                client_id=sp.app_id,
                tags=tags,
                isolation_scope=isolation_scope,
            )
            self._save(identity)
        return identity

    def _existing(self, resource_group: str, name: str) -> Identity:
        self._resources.resource_groups_get(resource_group)
        identity = self.get_by_id(self.identity_id(resource_group, name))
        if identity is None:
            raise IdentityNotFound(name, resource_group)
        return identity

    def _save(self, identity: Identity) -> None:
        group_id = self._resources.group_id(identity.resource_group)
        self._store.put(IDENTITY_KIND, identity.id, asdict(identity), parent=group_id)

    def _forget_under(self, prefix: str) -> None:
        """A resource group is going: its identities' principals go with it (the store purges the rest)."""
        for key in self._store.keys(IDENTITY_KIND, prefix):
            doc = self._store.get(IDENTITY_KIND, key)
            if doc is not None:
                self._directory.delete_service_principal(doc["principal_id"])
                self._tokens.forget(doc["principal_id"])
