"""Microsoft.Features through azure-mgmt-resource-features.

Covers: `az feature register`'s flow (NotRegistered → Registering on register → Registered on the next read),
Microsoft.ContainerService/EnablePodIdentityPreview's id, name and type, unregister, listing by namespace and for the
subscription, case-insensitive names with canonical casing returned, and 404 for an unknown feature; a resource
provider's (re-)registration through azure-mgmt-resource (Registering, then Registered on the next read).
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.features import FeatureClient
from azure.mgmt.resource.resources import ResourceManagementClient

from podid.sandbox import Endpoints
from tests.conftest import mgmt_client

NAMESPACE = "Microsoft.ContainerService"


@pytest.fixture(scope="module")
def features(endpoints: Endpoints, operator_credential: ClientSecretCredential) -> FeatureClient:
    return mgmt_client(FeatureClient, endpoints, operator_credential)


def test_register_then_registered(features: FeatureClient) -> None:
    """A feature no other test touches walks NotRegistered → Registering → Registered."""
    assert features.features.get(NAMESPACE, "PodSubnetPreview").properties.state == "NotRegistered"
    assert features.features.register(NAMESPACE, "PodSubnetPreview").properties.state == "Registering"
    assert features.features.get(NAMESPACE, "podsubnetpreview").properties.state == "Registered"
    assert features.features.register(NAMESPACE, "PodSubnetPreview").properties.state == "Registered"


def test_pod_identity_preview(features: FeatureClient, endpoints: Endpoints) -> None:
    """The tutorial's feature (other tests may have registered it already in this sandbox)."""
    registered = features.features.register(NAMESPACE, "enablepodidentitypreview")
    assert registered.properties.state in {"Registering", "Registered"}
    shown = features.features.get(NAMESPACE, "EnablePodIdentityPreview")
    assert shown.properties.state == "Registered"
    assert shown.id == (
        f"/subscriptions/{endpoints.subscription_id}/providers/Microsoft.Features/providers/{NAMESPACE}"
        "/features/EnablePodIdentityPreview"
    )
    assert (shown.name, shown.type) == (
        f"{NAMESPACE}/EnablePodIdentityPreview",
        "Microsoft.Features/providers/features",
    )


def test_unregister(features: FeatureClient) -> None:
    features.features.register(NAMESPACE, "EnableWorkloadIdentityPreview")
    assert features.features.unregister(NAMESPACE, "EnableWorkloadIdentityPreview").properties.state == "Unregistering"
    assert features.features.get(NAMESPACE, "EnableWorkloadIdentityPreview").properties.state == "Unregistered"


def test_lists(features: FeatureClient) -> None:
    in_namespace = [item.name for item in features.features.list(NAMESPACE.lower())]
    assert f"{NAMESPACE}/EnablePodIdentityPreview" in in_namespace
    assert all(name.startswith(f"{NAMESPACE}/") for name in in_namespace)
    assert set(in_namespace) <= {item.name for item in features.features.list_all()}
    assert list(features.features.list("Microsoft.Nothing")) == []


def test_unknown_feature_is_404(features: FeatureClient) -> None:
    with pytest.raises(ResourceNotFoundError) as raised:
        features.features.get(NAMESPACE, "NoSuchPreview")
    assert raised.value.error.code == "FeatureNotFound"
    with pytest.raises(ResourceNotFoundError):
        features.features.register("Microsoft.Nothing", "EnablePodIdentityPreview")


def test_provider_registration_passes_through_registering(
    endpoints: Endpoints, operator_credential: ClientSecretCredential
) -> None:
    """`az provider register` then `--wait`'s polling: Registering first, even for a registered provider."""
    providers = mgmt_client(ResourceManagementClient, endpoints, operator_credential).providers
    assert providers.unregister("Microsoft.Compute").registration_state == "Unregistering"
    assert providers.get("microsoft.compute").registration_state == "Unregistered"
    assert providers.register("Microsoft.Compute").registration_state == "Registering"
    assert providers.get("Microsoft.Compute").registration_state == "Registered"
    assert providers.register("Microsoft.Compute").registration_state == "Registering"
    assert providers.get("Microsoft.Compute").registration_state == "Registered"
