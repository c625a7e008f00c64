"""The subscription-level and resource-group steps: preview feature + provider registration, resource group.

The feature and the provider are subscription-wide: other clusters may depend on them, so ``podid down`` never
unregisters them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from azure.mgmt.resource.resources.models import ResourceGroup

from podid.provision.design import FEATURE_NAME, FEATURE_NAMESPACE
from podid.provision.errors import translated
from podid.provision.state import State
from podid.provision.step import Change, model
from podid.provision.steps._owner import Owner
from podid.provision.steps._resource import LOCATION, ArmResource, plan
from podid.provision.wait import wait_for

if TYPE_CHECKING:
    from azure.mgmt.resource.features.operations import FeaturesOperations

REGISTERED = "Registered"
REGISTRATION_TIMEOUT = 30 * 60.0  # a preview feature can take many minutes on Azure


def _feature_state(features: FeaturesOperations) -> str | None:
    properties = features.get(FEATURE_NAMESPACE, FEATURE_NAME).properties
    return None if properties is None else properties.state


class FeatureStep:
    """`az feature register --namespace Microsoft.ContainerService --name EnablePodIdentityPreview` + provider."""

    name = "preview feature"

    def plan(self, state: State) -> list[Change]:
        features, providers = state.clients.features.features, state.clients.resources.providers
        changes = []
        with translated():
            feature_state = _feature_state(features)
            provider_state = providers.get(FEATURE_NAMESPACE).registration_state
        if feature_state != REGISTERED:

            def register_feature() -> None:
                with translated():
                    features.register(FEATURE_NAMESPACE, FEATURE_NAME)
                    wait_for(
                        lambda: _feature_state(features) == REGISTERED or None,
                        f"feature {FEATURE_NAMESPACE}/{FEATURE_NAME} to be registered",
                        REGISTRATION_TIMEOUT,
                    )

            what = f"feature {FEATURE_NAMESPACE}/{FEATURE_NAME}"
            changes.append(Change("update", what, (f"state: {feature_state} → {REGISTERED}",), register_feature))
        if provider_state != REGISTERED or changes:
            # a feature takes effect once its provider is registered (again) after it

            def register_provider() -> None:
                with translated():
                    providers.register(FEATURE_NAMESPACE)
                    wait_for(
                        lambda: providers.get(FEATURE_NAMESPACE).registration_state == REGISTERED or None,
                        f"provider {FEATURE_NAMESPACE} to be registered",
                        REGISTRATION_TIMEOUT,
                    )

            details: tuple[str, ...] = ()
            if provider_state != REGISTERED:
                details = (f"registrationState: {provider_state} → {REGISTERED}",)
            changes.append(Change("update", f"provider {FEATURE_NAMESPACE}", details, register_provider))
        return changes


class GroupStep:
    name = "resource group"
    guards = True  # its location cannot change

    def plan(self, state: State) -> list[Change]:
        design, groups = state.design, state.clients.resources.resource_groups
        return plan(
            ArmResource(
                f"resource group {design.group}",
                {"location": design.settings.location},
                lambda: groups.get(design.group),
                lambda body: groups.create_or_update(design.group, model(ResourceGroup, body)),
                whole=True,  # a PUT replaces the tags: keep the ones podid does not own
                owner=Owner(design),
                adopt=state.adopt,
                fixed=(LOCATION,),
            )
        )
