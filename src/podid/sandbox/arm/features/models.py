"""Preview features: a catalogue of known features and each one's registration state in the subscription.

Registration is asynchronous in Azure: ``register`` answers ``Registering`` and the feature reads
``Registered`` later; the sandbox completes the transition on the next read (likewise ``Unregistering`` →
``Unregistered``), which is what `az feature register` followed by `az feature show` observes.
"""

from __future__ import annotations

from dataclasses import dataclass

from podid.sandbox.arm.features.errors import FeatureNotFound
from podid.sandbox.arm.provider import Shared
from podid.sandbox.arm.registration import SETTLES_TO

FEATURE_KIND = "feature"
NOT_REGISTERED = "NotRegistered"

# Features the tutorial and its successor (workload identity) ask for, with their canonical casing.
CATALOGUE: dict[str, tuple[str, ...]] = {
    "Microsoft.ContainerService": (
        "EnablePodIdentityPreview",
        "EnableWorkloadIdentityPreview",
        "EnableOIDCIssuerPreview",
        "PodSubnetPreview",
        "AKS-AzureKeyVaultSecretsProvider",
    ),
}


@dataclass(frozen=True)
class Feature:
    namespace: str
    name: str
    state: str


class FeaturesBackend:
    """Features_* operations over the catalogue; state lives in the store under "{namespace}/{feature}"."""

    def __init__(self, shared: Shared) -> None:
        self._store = shared.store

    def features_get(self, namespace: str, feature: str) -> Feature:
        namespace, feature = _canonical(namespace, feature)
        key = f"{namespace}/{feature}"
        doc = self._store.get(FEATURE_KIND, key)
        state = str(doc["state"]) if doc else NOT_REGISTERED
        if state in SETTLES_TO:
            state = SETTLES_TO[state]
            self._store.put(FEATURE_KIND, key, {"state": state})
        return Feature(namespace, feature, state)

    def features_register(self, namespace: str, feature: str) -> Feature:
        return self._move(namespace, feature, "Registering", done="Registered")

    def features_unregister(self, namespace: str, feature: str) -> Feature:
        return self._move(namespace, feature, "Unregistering", done="Unregistered")

    def features_list(self, namespace: str) -> list[Feature]:
        """The namespace's features; an unknown namespace simply has none."""
        canonical = next((known for known in CATALOGUE if known.lower() == namespace.lower()), "")
        return [self.features_get(canonical, feature) for feature in CATALOGUE.get(canonical, ())]

    def features_list_all(self) -> list[Feature]:
        return [feature for namespace in CATALOGUE for feature in self.features_list(namespace)]

    def _move(self, namespace: str, feature: str, state: str, *, done: str) -> Feature:
        current = self.features_get(namespace, feature)
        if current.state == done:
            return current
        self._store.put(FEATURE_KIND, f"{current.namespace}/{current.name}", {"state": state})
        return Feature(current.namespace, current.name, state)


def _canonical(namespace: str, feature: str) -> tuple[str, str]:
    canonical = next((known for known in CATALOGUE if known.lower() == namespace.lower()), None)
    name = next((known for known in CATALOGUE.get(canonical or "", ()) if known.lower() == feature.lower()), None)
    if canonical is None or name is None:
        raise FeatureNotFound(feature)
    return canonical, name
