"""The webhook where the sandbox's API servers call it: pod CREATE, in clusters that AKS runs it for.

On AKS the add-on (and so the webhook) exists while ``securityProfile.workloadIdentity.enabled`` is true;
``WebhookAdmission`` reads that from the cluster's ARM document at each call, so turning the feature on or
off takes effect for the next pod. It has the API server's mutating-admission signature
``(cluster, resource type, new object, old object or None)``, changes the pod in place, and raises whatever
``deny`` builds from the ``Status`` of a denial (the API server's own error type).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.kube.api import KubeCluster, KubeObject
from podid.sandbox.workloadidentity.webhook import WebhookDenied, mutate, selected


class ClusterDocuments(Protocol):
    """AKS's managed clusters as ARM documents (its backend's lookups)."""

    def get(self, cluster_id: str) -> dict[str, Any] | None: ...

    def all(self) -> list[dict[str, Any]]: ...


def workload_identity_enabled(cluster_doc: dict[str, Any] | None) -> bool:
    properties = (cluster_doc or {}).get("properties") or {}
    return ((properties.get("securityProfile") or {}).get("workloadIdentity") or {}).get("enabled") is True


class WebhookAdmission:
    """``mutation.azure-workload-identity.io`` as an in-process mutating admission hook for pods."""

    def __init__(
        self, settings: CloudSettings, clusters: ClusterDocuments, deny: Callable[[KubeObject], Exception]
    ) -> None:
        self._tenant_id, self._clusters, self._deny = settings.tenant_id, clusters, deny
        # The webhook's AZURE_ENVIRONMENT endpoint as on AKS: AzurePublicCloud's, with go-autorest's trailing
        # slash (pods reach it through the sandbox's proxy)
        self._authority_host = "https://login.microsoftonline.com/"

    def __call__(self, cluster: KubeCluster, _type: object, pod: KubeObject, old: KubeObject | None) -> None:
        if old is not None or not selected(pod):
            return
        if not workload_identity_enabled(self._clusters.get(cluster.cluster_id)):
            return
        metadata = pod.get("metadata") or {}
        name = (pod.get("spec") or {}).get("serviceAccountName") or "default"
        try:
            account = cluster.get("serviceaccounts", metadata.get("namespace"), name)
            if account is None:
                raise WebhookDenied(f'serviceaccounts "{name}" not found')
            mutated = mutate(pod, account, self._tenant_id, self._authority_host)
        except WebhookDenied as denied:
            raise self._deny(denied.status) from None
        pod.clear()
        pod.update(mutated)
