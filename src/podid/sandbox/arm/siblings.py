"""What ARM providers ask of each other, as small Protocols. A backend names a sibling as a keyword-only parameter
of its factory (``provider.Provider``); another provider's backend is typed with one of these, or with a Protocol
of the consumer's own package (``containerservice.siblings``), never with its class, so the provider packages stay
independent of each other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Group(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def location(self) -> str: ...


class ResourceGroups(Protocol):
    """Microsoft.Resources as its siblings see it: does a group exist, where, and when does one go."""

    def group_id(self, name: str) -> str: ...

    def find_group(self, name: str) -> Group | None: ...

    def resource_groups_get(self, name: str) -> Group:
        """The group; 404 ResourceGroupNotFound otherwise."""
        ...

    def on_delete_under(self, hook: Callable[[str], None]) -> None:
        """``hook(prefix)`` runs with a group's lower-cased id prefix before its contents are purged."""
        ...


class Identity(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def principal_id(self) -> str: ...

    @property
    def client_id(self) -> str: ...


class Identities(Protocol):
    """Microsoft.ManagedIdentity's user-assigned identities, looked up by resource id."""

    def get_by_id(self, resource_id: str) -> Identity | None: ...


class Authorizer(Protocol):
    """Microsoft.Authorization's RBAC decision."""

    def allows(self, principal_id: str, action: str, scope: str) -> bool: ...
