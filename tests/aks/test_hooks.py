"""The hooks other parts of the sandbox (pod identity) use on managed clusters, driven through the SDK.

Covers: a validator sees (None, new) on create and (old, new) on update and can refuse a PUT with its ARM
error before any operation starts, or amend the new properties; ``on_changed`` gets the cluster document
once the create or update completed; ``on_deleted`` gets the cluster id; ``set_property`` writes a
server-side property that GET returns.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerservice import ContainerServiceClient

from podid.sandbox import Sandbox
from podid.sandbox.arm.errors import BadRequest
from tests.aks.conftest import cluster_body

HOOKED = "hooked"


def test_hooks_see_the_cluster_lifecycle(sandbox: Sandbox, aks: ContainerServiceClient, group: str) -> None:
    assert sandbox.cloud is not None
    clusters = sandbox.cloud.clusters
    seen: list[tuple[str, Any]] = []

    def validate(old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        if new["name"] != HOOKED:
            return
        seen.append(("validate", old and old["properties"]["provisioningState"]))
        if new["tags"].get("refuse"):
            raise BadRequest("Refused by a validator.", code="Refused")
        new["properties"]["podIdentityProfile"] = {"enabled": False}

    def changed(doc: dict[str, Any]) -> None:
        if doc["name"] == HOOKED:
            seen.append(("changed", doc["properties"]["provisioningState"]))

    def deleted(cluster_id: str) -> None:
        if cluster_id.endswith(f"/{HOOKED}"):
            seen.append(("deleted", cluster_id))

    clusters.add_validator(validate)
    clusters.on_changed(changed)
    clusters.on_deleted(deleted)

    created = aks.managed_clusters.begin_create_or_update(group, HOOKED, cluster_body(HOOKED, count=1)).result()
    assert created.pod_identity_profile.enabled is False  # amended by the validator
    assert seen == [("validate", None), ("changed", "Succeeded")]

    refused = cluster_body(HOOKED, count=1)
    refused["tags"] = {"refuse": "yes"}
    with pytest.raises(HttpResponseError) as raised:
        aks.managed_clusters.begin_create_or_update(group, HOOKED, refused)
    assert (raised.value.status_code, raised.value.error.code) == (400, "Refused")
    assert aks.managed_clusters.get(group, HOOKED).tags == {}

    clusters.set_property(created.id, "podIdentityProfile", {"enabled": True, "userAssignedIdentities": None})
    assert aks.managed_clusters.get(group, HOOKED).pod_identity_profile.enabled is True
    assert clusters.get(created.id.upper())["properties"]["podIdentityProfile"]["enabled"] is True  # type: ignore[index]

    aks.managed_clusters.begin_delete(group, HOOKED).result()
    assert seen[-1] == ("deleted", created.id) and clusters.get(created.id) is None
