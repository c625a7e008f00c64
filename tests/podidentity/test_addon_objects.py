"""The add-on's managed objects (pure): what a podIdentityProfile becomes in the cluster, and the diff.

Covers: AzureIdentity `<name>` (type 0, resourceID, clientID) and AzureIdentityBinding `<name>-binding`
(selector = bindingSelector or name) in the identity's namespace; exceptions; `kube-system/aks-addon-exception`;
the managed-by label; nothing when disabled; create/replace/delete diff keeping stored metadata; detach rules.
"""

from __future__ import annotations

from typing import Any

from podid.sandbox.podidentity import addon
from podid.sandbox.podidentity.addon import desired_objects, diff_objects, identities_to_detach

IDENTITIES = "aadpodidentity.k8s.io/azureidentities"
BINDINGS = "aadpodidentity.k8s.io/azureidentitybindings"
EXCEPTIONS = "aadpodidentity.k8s.io/azurepodidentityexceptions"
RID = "/subscriptions/s/resourcegroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app"


def profile(**extra: Any) -> dict[str, Any]:
    entry = {
        "name": "my-pod-identity",
        "namespace": "my-app",
        "bindingSelector": None,
        "identity": {"resourceId": RID, "clientId": "c1", "objectId": "o1"},
        "provisioningState": "Assigned",
    }
    return {"enabled": True, "userAssignedIdentities": [{**entry, **extra}], "userAssignedIdentityExceptions": None}


def test_an_identity_becomes_an_azure_identity_and_a_binding() -> None:
    wanted = desired_objects(profile())
    identity = wanted[(IDENTITIES, "my-app", "my-pod-identity")]
    assert identity["kind"] == "AzureIdentity" and identity["apiVersion"] == "aadpodidentity.k8s.io/v1"
    assert identity["spec"] == {"type": 0, "resourceID": RID, "clientID": "c1"}
    assert identity["metadata"]["labels"] == {"kubernetes.azure.com/managedby": "aks"}
    binding = wanted[(BINDINGS, "my-app", "my-pod-identity-binding")]
    assert binding["spec"] == {"azureIdentity": "my-pod-identity", "selector": "my-pod-identity"}


def test_binding_selector_overrides_the_default() -> None:
    binding = desired_objects(profile(bindingSelector="web"))[(BINDINGS, "my-app", "my-pod-identity-binding")]
    assert binding["spec"]["selector"] == "web"


def test_exceptions_and_the_addon_exception() -> None:
    wanted = desired_objects(
        {
            "enabled": True,
            "userAssignedIdentityExceptions": [{"name": "probe", "namespace": "ops", "podLabels": {"app": "p"}}],
        }
    )
    assert wanted[(EXCEPTIONS, "ops", "probe")]["spec"] == {"podLabels": {"app": "p"}}
    aks = wanted[(EXCEPTIONS, "kube-system", "aks-addon-exception")]
    assert aks["spec"] == {"podLabels": {"kubernetes.azure.com/managedby": "aks"}}
    assert len(wanted) == 2


def test_disabled_or_missing_profiles_own_nothing() -> None:
    assert desired_objects(None) == {}
    assert desired_objects({"enabled": False}) == {}


def stored(obj: dict[str, Any], rv: str = "5") -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], "resourceVersion": rv, "uid": "u"}}


def test_diff_creates_replaces_and_deletes() -> None:
    wanted = desired_objects(profile(bindingSelector="new"))
    old = desired_objects(profile())
    owned = [(key[0], stored(obj)) for key, obj in old.items()]
    owned.append((IDENTITIES, stored(desired_objects(profile(name="gone"))[(IDENTITIES, "my-app", "gone")])))
    changes = diff_objects(wanted, owned)
    assert changes.create == []
    assert changes.delete == [(IDENTITIES, "my-app", "gone")]
    ((resource, replaced),) = changes.replace
    assert resource == BINDINGS and replaced["spec"]["selector"] == "new"
    assert replaced["metadata"]["resourceVersion"] == "5" and replaced["metadata"]["uid"] == "u"


def test_diff_of_a_reconciled_cluster_is_empty() -> None:
    wanted = desired_objects(profile())
    assert not diff_objects(wanted, [(key[0], stored(obj)) for key, obj in wanted.items()])


def test_diff_creates_everything_on_a_fresh_cluster() -> None:
    changes = diff_objects(desired_objects(profile()), [])
    assert sorted(resource for resource, _ in changes.create) == sorted([IDENTITIES, BINDINGS, EXCEPTIONS])


def test_profile_identity_ids_and_detach() -> None:
    assert addon.profile_identity_ids(profile()) == [RID]
    assert addon.profile_identity_ids({"enabled": False}) == []
    kubelet = (
        "/subscriptions/s/resourcegroups/MC/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-agentpool"
    )
    assert identities_to_detach([RID, "/x/old", kubelet], [RID.upper()], kubelet) == ["/x/old"]
