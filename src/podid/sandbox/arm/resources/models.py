"""Microsoft.Resources: resource groups and provider registrations, and the rules ARM applies to them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from podid.sandbox.arm.errors import BadRequest, Conflict, ResourceGroupNotFound
from podid.sandbox.arm.locations import validate_location
from podid.sandbox.arm.provider import Shared
from podid.sandbox.arm.registration import SETTLES_TO

GROUP_KIND = "resourceGroup"
PROVIDER_KIND = "providerRegistration"
_GROUP_NAME = re.compile(r"^[-\w._()]+$")


@dataclass
class ResourceGroup:
    id: str
    name: str
    location: str
    tags: dict[str, str] = field(default_factory=dict)
    managed_by: str | None = None
    provisioning_state: str = "Succeeded"


def validate_group_name(name: str) -> None:
    if not _GROUP_NAME.match(name):
        invalid = "".join(sorted({char for char in name if not re.match(r"[-\w._()]", char)}))
        raise BadRequest(
            f"The provided resource group name '{name}' has these invalid characters: '{invalid}'. The name can "
            "only be a letter, digit, '-', '.', '(', ')' or '_'.",
            code="InvalidResourceGroup",
        )
    if len(name) > 90 or name.endswith("."):
        raise BadRequest(
            f"Resource group name '{name}' is invalid. It can be at most 90 characters long and cannot end "
            "with a period.",
            code="InvalidResourceGroup",
        )


class ResourcesBackend:
    """Resource groups (with cascading delete) and resource-provider registration state."""

    def __init__(self, shared: Shared, *, namespaces: tuple[str, ...]) -> None:
        self._settings = shared.settings
        self._store = shared.store
        self.namespaces = namespaces  # every provider's the sandbox serves, as Azure spells them
        self._delete_hooks: list[Callable[[str], None]] = []

    @property
    def subscription_scope(self) -> str:
        return f"/subscriptions/{self._settings.subscription_id}"

    def group_id(self, name: str) -> str:
        return f"{self.subscription_scope}/resourceGroups/{name}"

    # resource groups

    def resource_groups_create_or_update(
        self, name: str, location: object, tags: dict[str, str], managed_by: str | None = None
    ) -> tuple[ResourceGroup, bool]:
        validate_group_name(name)
        canonical = validate_location(location, "resource group")
        existing = self.find_group(name)
        if existing is not None:
            if existing.provisioning_state == "Deleting":
                raise Conflict(
                    f"The resource group '{existing.name}' is in deprovisioning state and cannot "
                    "perform this operation.",
                    code="ResourceGroupBeingDeleted",
                )
            if existing.location != canonical:
                raise Conflict(
                    f"Invalid resource group location '{location}'. The Resource group already exists "
                    f"in location '{existing.location}'.",
                    code="InvalidResourceGroupLocation",
                )
            existing.tags = tags
            existing.managed_by = managed_by or existing.managed_by
            self._save(existing)
            return existing, False
        group = ResourceGroup(self.group_id(name), name, canonical, tags, managed_by)
        self._save(group)
        return group, True

    def find_group(self, name: str) -> ResourceGroup | None:
        doc = self._store.get(GROUP_KIND, self.group_id(name))
        return ResourceGroup(**doc) if doc else None

    def resource_groups_get(self, name: str) -> ResourceGroup:
        group = self.find_group(name)
        if group is None:
            raise ResourceGroupNotFound(name)
        return group

    def resource_groups_update(self, name: str, tags: dict[str, str] | None, managed_by: str | None) -> ResourceGroup:
        group = self.resource_groups_get(name)
        if tags is not None:
            group.tags = tags
        if managed_by is not None:
            group.managed_by = managed_by
        self._save(group)
        return group

    def resource_groups_list(self) -> list[ResourceGroup]:
        return [ResourceGroup(**doc) for doc in self._store.all(GROUP_KIND)]

    def resource_groups_begin_delete(self, name: str) -> ResourceGroup:
        group = self.resource_groups_get(name)
        group.provisioning_state = "Deleting"
        self._save(group)
        return group

    def resource_groups_delete(self, name: str) -> None:
        """Delete the group and everything inside it (identities, zones, clusters, role assignments)."""
        group = self.resource_groups_get(name)
        prefix = group.id.lower() + "/"
        for hook in self._delete_hooks:
            hook(prefix)
        with self._store.transaction():
            self._store.delete_prefix(prefix)
            self._store.delete(GROUP_KIND, group.id)

    def on_delete_under(self, hook: Callable[[str], None]) -> None:
        """Register a callback run with the lower-cased id prefix before a group's contents are purged."""
        self._delete_hooks.append(hook)

    def _save(self, group: ResourceGroup) -> None:
        self._store.put(GROUP_KIND, group.id, asdict(group))

    # provider registrations

    def provider_state(self, namespace: str) -> str:
        """The provider's registrationState; like a feature's, a transition completes on the next read."""
        doc = self._store.get(PROVIDER_KIND, namespace)
        state = str(doc["state"]) if doc else "Registered"
        if state in SETTLES_TO:
            state = SETTLES_TO[state]
            self._store.put(PROVIDER_KIND, namespace, {"state": state})
        return state

    def start_provider_transition(self, namespace: str, state: str) -> None:
        """`Registering` or `Unregistering`: (re-)registration is asynchronous in Azure, even for a registered
        provider, which re-registers to take up newly registered features."""
        self._store.put(PROVIDER_KIND, namespace, {"state": state})
