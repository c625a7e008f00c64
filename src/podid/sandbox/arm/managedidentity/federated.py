"""Federated identity credentials: which external tokens (issuer + subject) may act as an identity.

Azure's rules: at most 20 per identity, an issuer+subject pair at most once per identity, issuer an HTTPS URL,
issuer and subject at most 600 characters, exactly one audience. Credentials are stored under their identity's
id, so deleting the identity's resource group purges them with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from podid.sandbox.arm.managedidentity.errors import (
    MAX_FEDERATED_CREDENTIALS,
    DuplicateIssuerSubject,
    FederatedCredentialNotFound,
    InvalidFederatedCredential,
    InvalidIdentityName,
    TooManyFederatedCredentials,
)
from podid.sandbox.core.store import Store

if TYPE_CHECKING:
    from podid.sandbox.arm.managedidentity.models import Identity

FIC_KIND = "federatedIdentityCredential"
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$")
_MAX_LENGTH = 600


@dataclass
class FederatedCredential:
    id: str
    name: str
    issuer: str
    subject: str
    audiences: list[str]


def validate_credential(issuer: object, subject: object, audiences: object) -> tuple[str, str, list[str]]:
    """The (issuer, subject, audiences) of a valid body, or the service's 400."""
    if not (isinstance(issuer, str) and issuer and isinstance(subject, str) and subject and audiences):
        raise InvalidFederatedCredential(
            "The request format was unexpected. Federated Identity Credential must specify 'issuer', 'subject' "
            "and 'audience'."
        )
    parsed = urlparse(issuer)
    if parsed.scheme != "https" or not parsed.netloc:
        raise InvalidFederatedCredential(f"The issuer '{issuer}' must be a valid URL that uses the https scheme.")
    if len(issuer) > _MAX_LENGTH or len(subject) > _MAX_LENGTH:
        raise InvalidFederatedCredential(f"The issuer and the subject can be at most {_MAX_LENGTH} characters long.")
    if not (isinstance(audiences, list) and len(audiences) == 1 and isinstance(audiences[0], str)):
        raise InvalidFederatedCredential("Federated Identity Credential audiences must contain exactly one value.")
    return issuer, subject, [audiences[0]]


class FederatedCredentials:
    """FederatedIdentityCredentials_* for the identities that ``parent`` resolves (raising when missing)."""

    def __init__(self, store: Store, parent: Callable[[str, str], Identity]) -> None:
        self._store = store
        self._parent = parent

    def create_or_update(
        self, resource_group: str, identity_name: str, name: str, issuer: object, subject: object, audiences: object
    ) -> tuple[FederatedCredential, bool]:
        identity = self._parent(resource_group, identity_name)
        if not _NAME.match(name):
            raise InvalidIdentityName(name, "federated identity credential", 120)
        issuer, subject, audiences = validate_credential(issuer, subject, audiences)
        credential_id = f"{identity.id}/federatedIdentityCredentials/{name}"
        others = [item for item in self.of_identity(identity.id) if item.id.lower() != credential_id.lower()]
        if any(item.issuer == issuer and item.subject == subject for item in others):
            raise DuplicateIssuerSubject()
        if len(others) >= MAX_FEDERATED_CREDENTIALS:
            raise TooManyFederatedCredentials(identity.id)
        is_new = not self._store.exists(FIC_KIND, credential_id)
        credential = FederatedCredential(credential_id, name, issuer, subject, audiences)
        self._store.put(FIC_KIND, credential_id, asdict(credential), parent=identity.id)
        return credential, is_new

    def get(self, resource_group: str, identity_name: str, name: str) -> FederatedCredential:
        identity = self._parent(resource_group, identity_name)
        doc = self._store.get(FIC_KIND, f"{identity.id}/federatedIdentityCredentials/{name}")
        if doc is None:
            raise FederatedCredentialNotFound(identity.name, name, resource_group)
        return FederatedCredential(**doc)

    def delete(self, resource_group: str, identity_name: str, name: str) -> FederatedCredential | None:
        identity = self._parent(resource_group, identity_name)
        key = f"{identity.id}/federatedIdentityCredentials/{name}"
        doc = self._store.get(FIC_KIND, key)
        if doc is None:
            return None
        self._store.delete(FIC_KIND, key)
        return FederatedCredential(**doc)

    def list_by_identity(self, resource_group: str, identity_name: str) -> list[FederatedCredential]:
        return self.of_identity(self._parent(resource_group, identity_name).id)

    def of_identity(self, identity_id: str) -> list[FederatedCredential]:
        return [FederatedCredential(**doc) for doc in self._store.children(FIC_KIND, identity_id)]

    def delete_all(self, identity_id: str) -> None:
        for credential in self.of_identity(identity_id):
            self._store.delete(FIC_KIND, credential.id)
