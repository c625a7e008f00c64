"""The sandbox tenant's directory: applications, service principals, their secrets, owners and grants.

Every principal that can hold a token lives here: app registrations (with client secrets), the service
principals of managed identities (no secret; tokens come through IMDS/NMI or federation) and the bootstrap
operator. Secrets are kept as SHA-256 hashes only, so, as in Entra ID, they cannot be read back. Owners are
service principals' object ids (the only callers the sandbox has); what each principal was granted is in
``grants``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.store import Store
from podid.sandbox.core.tokens import Principal
from podid.sandbox.directory.grants import GRAPH_APP_ID, GRAPH_APP_ROLES, MICROSOFT_TENANT_ID, Grants

SP_KIND = "servicePrincipal"
APP_KIND = "application"


@dataclass
class PasswordCredential:
    key_id: str
    display_name: str
    hint: str
    secret_hash: str
    start_date_time: str
    end_date_time: str


@dataclass
class Application:
    object_id: str
    app_id: str
    display_name: str
    created_date_time: str
    password_credentials: list[PasswordCredential] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)


@dataclass
class ServicePrincipal:
    object_id: str
    app_id: str
    display_name: str
    tenant_id: str
    service_principal_type: str  # "Application" | "ManagedIdentity"
    resource_id: str | None = None
    alternative_names: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)

    def principal(self) -> Principal:
        return Principal(self.object_id, self.app_id, self.tenant_id, self.display_name, self.resource_id)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Directory:
    """Applications and service principals of the sandbox tenant."""

    def __init__(self, store: Store, ids: IdGenerator, clock: Clock, tenant_id: str) -> None:
        self._store, self._ids, self._clock, self.tenant_id = store, ids, clock, tenant_id
        self.grants = Grants(store, ids, clock)

    # applications

    def create_application(self, display_name: str, owner: str | None = None) -> Application:
        """A new app registration; ``owner`` is the creating service principal's object id, if any."""
        owners = [owner] if owner else []
        app = Application(self._ids.guid(), self._ids.guid(), display_name, self._clock.isoformat(), owners=owners)
        self._save_app(app)
        return app

    def application(self, object_id: str) -> Application | None:
        doc = self._store.get(APP_KIND, object_id)
        return _app_from_doc(doc) if doc else None

    def application_by_app_id(self, app_id: str) -> Application | None:
        found = self._store.children(APP_KIND, app_id)
        return _app_from_doc(found[0]) if found else None

    def applications(self) -> list[Application]:
        return [_app_from_doc(doc) for doc in self._store.all(APP_KIND)]

    def add_password(self, app: Application, display_name: str, years: int = 1) -> tuple[str, PasswordCredential]:
        """Create a client secret; the text is returned once and only its hash is kept."""
        text = secrets.token_urlsafe(30)
        start = self._clock.utcnow()
        credential = PasswordCredential(
            key_id=self._ids.guid(),
            display_name=display_name,
            hint=text[:3],
            secret_hash=_hash(text),
            start_date_time=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            end_date_time=start.replace(year=start.year + years).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        app.password_credentials.append(credential)
        self._save_app(app)
        return text, credential

    def remove_password(self, app: Application, key_id: str) -> bool:
        """Drop one client secret by its key id; False when the application has no such secret."""
        kept = [item for item in app.password_credentials if item.key_id.lower() != key_id.lower()]
        if len(kept) == len(app.password_credentials):
            return False
        app.password_credentials = kept
        self._save_app(app)
        return True

    def rename_application(self, app: Application, display_name: str) -> None:
        """Rename an application and the service principal that represents it."""
        app.display_name = display_name
        with self._store.transaction():
            self._save_app(app)
            sp = self.service_principal_by_app_id(app.app_id)
            if sp is not None:
                sp.display_name = display_name
                self._save_sp(sp)

    def add_application_owner(self, app: Application, owner: str) -> None:
        app.owners.append(owner)
        self._save_app(app)

    def check_secret(self, app_id: str, secret: str) -> bool:
        app = self.application_by_app_id(app_id)
        offered = _hash(secret)
        return app is not None and any(
            hmac.compare_digest(offered, credential.secret_hash) for credential in app.password_credentials
        )

    def delete_application(self, object_id: str) -> None:
        app = self.application(object_id)
        if app is None:
            return
        with self._store.transaction():
            self._store.delete(APP_KIND, object_id)
            sp = self.service_principal_by_app_id(app.app_id)
            if sp is not None:
                self.delete_service_principal(sp.object_id)

    # service principals

    def create_service_principal(self, app: Application, owner: str | None = None) -> ServicePrincipal:
        existing = self.service_principal_by_app_id(app.app_id)
        if existing is not None:
            return existing
        sp = ServicePrincipal(
            self._ids.guid(),
            app.app_id,
            app.display_name,
            self.tenant_id,
            "Application",
            alternative_names=[],
            owners=[owner] if owner else [],
        )
        self._save_sp(sp)
        return sp

    def create_managed_identity_principal(self, resource_id: str, display_name: str) -> ServicePrincipal:
        """The service principal behind a managed identity: its app id is the identity's client id."""
        sp = ServicePrincipal(
            self._ids.guid(),
            self._ids.guid(),
            display_name,
            self.tenant_id,
            "ManagedIdentity",
            resource_id=resource_id,
            alternative_names=["isExplicit=True", resource_id],
        )
        self._save_sp(sp)
        return sp

    def service_principal(self, object_id: str) -> ServicePrincipal | None:
        doc = self._store.get(SP_KIND, object_id)
        return ServicePrincipal(**doc) if doc else None

    def service_principal_by_app_id(self, app_id: str) -> ServicePrincipal | None:
        found = self._store.children(SP_KIND, app_id)
        return ServicePrincipal(**found[0]) if found else None

    def service_principals(self) -> list[ServicePrincipal]:
        return [ServicePrincipal(**doc) for doc in self._store.all(SP_KIND)]

    def delete_service_principal(self, object_id: str) -> None:
        with self._store.transaction():
            self._store.delete(SP_KIND, object_id)
            self.grants.forget(object_id)

    def microsoft_graph(self) -> ServicePrincipal:
        """Microsoft Graph's service principal, as every tenant has it: what Graph app roles are assigned from."""
        sp = self.service_principal_by_app_id(GRAPH_APP_ID)
        if sp is None:
            sp = ServicePrincipal(self._ids.guid(), GRAPH_APP_ID, "Microsoft Graph", MICROSOFT_TENANT_ID, "Application")
            self._save_sp(sp)
        return sp

    def grant_graph_permissions(self, principal_id: str, values: tuple[str, ...]) -> None:
        """Make sure a service principal holds these Graph application permissions (e.g. at bootstrap)."""
        sp, graph = self.service_principal(principal_id), self.microsoft_graph()
        if sp is None:
            return
        missing = set(values) - self.grants.permissions(principal_id)
        for role in GRAPH_APP_ROLES:
            if role.value in missing:
                self.grants.assign_app_role(sp, graph, role.id)

    # persistence: filed under their app id (the store's parent key), since every token request looks them up by it

    def _save_app(self, app: Application) -> None:
        self._store.put(APP_KIND, app.object_id, asdict(app), parent=app.app_id)

    def _save_sp(self, sp: ServicePrincipal) -> None:
        self._store.put(SP_KIND, sp.object_id, asdict(sp), parent=sp.app_id)


def _app_from_doc(doc: dict[str, Any]) -> Application:
    credentials = [PasswordCredential(**item) for item in doc.pop("password_credentials")]
    return Application(**doc, password_credentials=credentials)
