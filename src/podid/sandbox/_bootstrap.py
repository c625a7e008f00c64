"""First-start bootstrap: the tenant, the subscription and the operator principal holding Owner.

The result is stored in the sandbox's own state, so a restarted sandbox keeps its ids. The operator's
secret is not: the directory keeps its hash (as for every client secret) and the text lives only in
endpoints.json (0600), from which a restarted sandbox takes it back; when that copy is lost, the operator
gets a new secret instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from podid.sandbox._config import Endpoints, Operator
from podid.sandbox.core.ids import IdGenerator
from podid.sandbox.core.store import Store

if TYPE_CHECKING:
    from pathlib import Path

    from podid.sandbox.cloud import Cloud

BOOTSTRAP_KIND = "sandbox"
BOOTSTRAP_KEY = "bootstrap"
SEEDING_KEY = "seeding"
OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
OPERATOR_SECRET_NAME = "podid sandbox operator"
# what `az ad sp create-for-rbac` needs from Graph, and the right to grant Graph permissions to others
OPERATOR_GRAPH_PERMISSIONS = ("Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All")


def seed(store: Store, ids: IdGenerator, value: int) -> None:
    """Seed the GUID generator so that ids never repeat those handed out before.

    Each seeding of a data directory draws from a stream of its own, numbered by how many seedings that
    directory saw: the same seed on a fresh directory gives the same ids every run, while seeding again
    (or restarting with the same seed) cannot hand out an existing object's id a second time.
    """
    with store.transaction():
        doc = store.get(BOOTSTRAP_KIND, SEEDING_KEY) or {"seedings": 0}
        ids.seed(value, doc["seedings"])
        store.put(BOOTSTRAP_KIND, SEEDING_KEY, {"seedings": doc["seedings"] + 1})


def identity(store: Store, ids: IdGenerator) -> dict[str, Any]:
    """The tenant and subscription ids, created once."""
    doc = store.get(BOOTSTRAP_KIND, BOOTSTRAP_KEY)
    if doc is None:
        doc = {"tenantId": ids.guid(), "subscriptionId": ids.guid(), "subscriptionName": "podid sandbox"}
        store.put(BOOTSTRAP_KIND, BOOTSTRAP_KEY, doc)
    return doc


def ensure_operator(cloud: Cloud, data_dir: Path) -> Operator:
    """The operator service principal with a secret and Owner on the subscription, created once."""
    doc = cloud.store.get(BOOTSTRAP_KIND, BOOTSTRAP_KEY) or {}
    if "operator" not in doc:
        return _create_operator(cloud, doc)
    known = dict(doc["operator"])
    cloud.directory.grant_graph_permissions(known["objectId"], OPERATOR_GRAPH_PERMISSIONS)  # older sandboxes
    secret = known.pop("clientSecret", None) or _published_secret(data_dir, known["clientId"])
    if secret is None or not cloud.directory.check_secret(known["clientId"], secret):
        secret = _renew_secret(cloud, known["clientId"])
    if "clientSecret" in doc["operator"]:  # stored in clear by an older sandbox
        cloud.store.put(BOOTSTRAP_KIND, BOOTSTRAP_KEY, {**doc, "operator": known})
    return Operator(known["clientId"], secret, known["objectId"])


def _create_operator(cloud: Cloud, doc: dict[str, Any]) -> Operator:
    with cloud.store.transaction():
        app = cloud.directory.create_application("podid-operator")
        sp = cloud.directory.create_service_principal(app)
        cloud.directory.grant_graph_permissions(sp.object_id, OPERATOR_GRAPH_PERMISSIONS)
        secret, _ = cloud.directory.add_password(app, OPERATOR_SECRET_NAME, years=10)
        subscription = f"/subscriptions/{cloud.settings.subscription_id}"
        cloud.authorization.role_assignments_create(
            subscription,
            cloud.ids.guid(),
            cloud.authorization.definition_id(OWNER_ROLE),
            sp.object_id,
            "ServicePrincipal",
            caller=sp.object_id,
        )
        doc["operator"] = {"clientId": app.app_id, "objectId": sp.object_id}
        cloud.store.put(BOOTSTRAP_KIND, BOOTSTRAP_KEY, doc)
    return Operator(app.app_id, secret, sp.object_id)


def _published_secret(data_dir: Path, client_id: str) -> str | None:
    """The operator's secret as the previous run published it in endpoints.json, if that file is there."""
    try:
        operator = Endpoints.load(data_dir).operator
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return operator.client_secret if operator.client_id == client_id else None


def _renew_secret(cloud: Cloud, client_id: str) -> str:
    """A new operator secret in place of the one nobody can read any more."""
    app = cloud.directory.application_by_app_id(client_id)
    assert app is not None, "the bootstrap operator's application is gone"
    with cloud.store.transaction():
        for old in [item for item in app.password_credentials if item.display_name == OPERATOR_SECRET_NAME]:
            cloud.directory.remove_password(app, old.key_id)
        secret, _ = cloud.directory.add_password(app, OPERATOR_SECRET_NAME, years=10)
    return secret
