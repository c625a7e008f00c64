"""Workload identity mode: what replaces pod identity in ``podid up --mode workload-identity`` (pure, no I/O).

Each identity is reached through a federated identity credential for a ServiceAccount instead of a pod identity
binding: the cluster's OIDC issuer signs the account's token, Entra ID exchanges it for the identity's token.

* The cluster: ``oidcIssuerProfile.enabled`` and ``securityProfile.workloadIdentity.enabled``; no pod identity.
* external-dns (kube-addons): the ServiceAccount ``external-dns`` annotated with the DNS identity's client id,
  pods labelled ``azure.workload.identity/use: "true"``, and an azure.json with ``useWorkloadIdentityExtension``
  (the webhook injects the rest) in its own Secret, so that pods of both modes can run side by side during a
  migration. The Deployment rolls with ``maxUnavailable: 0``: an old pod stops only once a new one runs.
* The demo (my-app): the ServiceAccount ``demo`` for the demo identity, and the demo pod running as it.

The manifests are the pod identity ones (``manifests``) with exactly these differences.
"""

from __future__ import annotations

import base64
import copy
import json

from podid.provision import manifests
from podid.provision.design import BINDING_LABEL, Design, PodIdentity
from podid.provision.manifests import Manifest

USE_LABEL = "azure.workload.identity/use"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id"
AUDIENCE = "api://AzureADTokenExchange"
WEBHOOK_VARIABLES = frozenset(
    {"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"}
)
SECRET_NAME = "azure-config-file-workload-identity"
DEMO_ACCOUNT = "demo"
CLUSTER_PROFILES = {
    "properties": {
        "oidcIssuerProfile": {"enabled": True},
        "securityProfile": {"workloadIdentity": {"enabled": True}},
    }
}
ROLLING = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}


def subject(namespace: str, account: str) -> str:
    """The ``sub`` of the account's tokens, which the federated credential names."""
    return f"system:serviceaccount:{namespace}:{account}"


def accounts(design: Design) -> list[tuple[PodIdentity, str]]:
    """(identity, the ServiceAccount that acts as it): external-dns for DNS, the demo for the demo identity."""
    return [(design.dns, manifests.EXTERNAL_DNS), (design.demo, DEMO_ACCOUNT)]


def credential_name(namespace: str, account: str) -> str:
    """The federated credential's name: ``kube-addons-external-dns`` (3-120 letters, digits, '-', '_')."""
    return f"{namespace}-{account}"


def azure_json(design: Design, tenant_id: str) -> str:
    """external-dns's azure.json for workload identity: the client id comes from the webhook's variables."""
    document = {
        "tenantId": tenant_id,
        "subscriptionId": design.subscription_id,
        "resourceGroup": design.group,
        "useWorkloadIdentityExtension": True,
    }
    return json.dumps(document, indent=2)


def _account_annotations(client_id: str, tenant_id: str) -> dict[str, str]:
    return {CLIENT_ID_ANNOTATION: client_id, TENANT_ID_ANNOTATION: tenant_id}


def external_dns(design: Design, tenant_id: str, client_id: str) -> list[Manifest]:
    """external-dns's namespace, annotated ServiceAccount, azure.json Secret and Deployment."""
    objects = copy.deepcopy(manifests.external_dns(design, tenant_id, client_id))
    for obj in objects:
        if obj["kind"] == "ServiceAccount":
            obj["metadata"]["annotations"] = _account_annotations(client_id, tenant_id)
        elif obj["kind"] == "Secret":
            obj["metadata"]["name"] = SECRET_NAME
            obj["data"] = {"azure.json": base64.b64encode(azure_json(design, tenant_id).encode()).decode()}
        elif obj["kind"] == "Deployment":
            spec = obj["spec"]
            spec["strategy"] = copy.deepcopy(ROLLING)
            template = spec["template"]
            labels = template["metadata"]["labels"]
            del labels[BINDING_LABEL]
            labels[USE_LABEL] = "true"
            for volume in template["spec"]["volumes"]:
                if volume.get("secret", {}).get("secretName") == manifests.SECRET_NAME:
                    volume["secret"]["secretName"] = SECRET_NAME
    return objects


def external_dns_patch(design: Design) -> Manifest:
    """The strategic-merge patch that turns the pod identity Deployment into the workload identity one.

    Besides the workload identity fields it removes the binding label (``null`` deletes a map key), which
    a patch with the desired Deployment alone would keep.
    """
    # the Deployment names neither the tenant nor the client id: the ServiceAccount and Secret do
    [deployment] = [obj for obj in external_dns(design, "", "") if obj["kind"] == "Deployment"]
    deployment["spec"]["template"]["metadata"]["labels"][BINDING_LABEL] = None
    return deployment


def demo(design: Design, client_id: str, tenant_id: str, node_group: str) -> list[Manifest]:
    """The demo's namespace, its annotated ServiceAccount and the demo pod running as it."""
    namespace, pod = copy.deepcopy(manifests.demo(design, client_id, node_group))
    pod["metadata"]["labels"] = {USE_LABEL: "true"}
    pod["spec"]["serviceAccountName"] = DEMO_ACCOUNT
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": DEMO_ACCOUNT,
            "namespace": design.demo.namespace,
            "annotations": _account_annotations(client_id, tenant_id),
        },
    }
    return [namespace, account, pod]
