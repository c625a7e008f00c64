"""First-start bootstrap: the tenant, the subscription and the operator principal holding Owner.

The result is stored in the sandbox's own state, so a restarted sandbox keeps its ids and the operator's
secret stays valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from podid.sandbox._ids import IdGenerator
from podid.sandbox.store import Store

if TYPE_CHECKING:
    from podid.sandbox.cloud import Cloud

BOOTSTRAP_KIND = "sandbox"
BOOTSTRAP_KEY = "bootstrap"
OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def identity(store: Store, ids: IdGenerator) -> dict[str, Any]:
    """The tenant and subscription ids, created once."""
    doc = store.get(BOOTSTRAP_KIND, BOOTSTRAP_KEY)
    if doc is None:
        doc = {"tenantId": ids.guid(), "subscriptionId": ids.guid(), "subscriptionName": "podid sandbox"}
        store.put(BOOTSTRAP_KIND, BOOTSTRAP_KEY, doc)
    return doc


def ensure_operator(cloud: Cloud) -> dict[str, str]:
    """The operator service principal with a secret and Owner on the subscription, created once."""
    doc = cloud.store.get(BOOTSTRAP_KIND, BOOTSTRAP_KEY) or {}
    if "operator" in doc:
        return dict(doc["operator"])
    with cloud.store.transaction():
        app = cloud.directory.create_application("podid-operator")
        sp = cloud.directory.create_service_principal(app)
        secret, _ = cloud.directory.add_password(app, "podid sandbox operator", years=10)
        subscription = f"/subscriptions/{cloud.settings.subscription_id}"
        cloud.authorization.role_assignments_create(
            subscription,
            cloud.ids.guid(),
            cloud.authorization.definition_id(OWNER_ROLE),
            sp.object_id,
            "ServicePrincipal",
            caller=sp.object_id,
        )
        doc["operator"] = {"clientId": app.app_id, "clientSecret": secret, "objectId": sp.object_id}
        cloud.store.put(BOOTSTRAP_KIND, BOOTSTRAP_KEY, doc)
    return dict(doc["operator"])
