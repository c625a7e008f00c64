"""The workload identity mode's Kubernetes objects, against the pod identity ones they replace (pure).

Covers: external-dns's ServiceAccount annotated with the client and tenant ids; azure.json with
``useWorkloadIdentityExtension`` in its own Secret; the Deployment's pods labelled for the webhook instead of
``aadpodidbinding``, rolling with maxUnavailable 0; the migration patch that deletes the binding label; the
demo's ServiceAccount and pod; federated credential names and subjects; a pod compared without what the
webhook added.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from podid.config import Settings
from podid.provision import manifests
from podid.provision import workloadidentity as wi
from podid.provision.design import Design
from podid.provision.steps.workloadidentity import without_webhook

DESIGN = Design(Settings(), "00000000-0000-4000-8000-000000000001")
TENANT, CLIENT = "tenant-guid", "client-guid"


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [found] = [obj for obj in objects if obj["kind"] == kind]
    return found


def test_external_dns_differs_from_pod_identity_only_where_it_must() -> None:
    before = manifests.external_dns(DESIGN, TENANT, CLIENT)
    after = wi.external_dns(DESIGN, TENANT, CLIENT)
    assert by_kind(after, "Namespace") == by_kind(before, "Namespace")
    assert by_kind(after, "ServiceAccount")["metadata"] == {
        "name": "external-dns",
        "namespace": "kube-addons",
        "annotations": {"azure.workload.identity/client-id": CLIENT, "azure.workload.identity/tenant-id": TENANT},
    }
    secret = by_kind(after, "Secret")
    assert secret["metadata"]["name"] == "azure-config-file-workload-identity"
    assert json.loads(base64.b64decode(secret["data"]["azure.json"])) == {
        "tenantId": TENANT,
        "subscriptionId": DESIGN.subscription_id,
        "resourceGroup": DESIGN.group,
        "useWorkloadIdentityExtension": True,
    }
    deployment, old = by_kind(after, "Deployment"), by_kind(before, "Deployment")
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
    }
    template = deployment["spec"]["template"]
    assert template["metadata"]["labels"] == {"app": "external-dns", "azure.workload.identity/use": "true"}
    assert template["spec"]["volumes"] == [
        {"name": "azure-config-file", "secret": {"secretName": "azure-config-file-workload-identity"}}
    ]
    assert template["spec"]["containers"] == old["spec"]["template"]["spec"]["containers"]
    assert template["spec"]["serviceAccountName"] == "external-dns"


def test_the_pod_identity_manifests_are_not_changed() -> None:
    pristine = manifests.external_dns(DESIGN, TENANT, CLIENT)
    wi.external_dns(DESIGN, TENANT, CLIENT)
    assert pristine == manifests.external_dns(DESIGN, TENANT, CLIENT)


def test_the_migration_patch_deletes_the_binding_label() -> None:
    patch = wi.external_dns_patch(DESIGN)
    assert patch["kind"] == "Deployment"
    assert patch["spec"]["template"]["metadata"]["labels"] == {
        "app": "external-dns",
        "azure.workload.identity/use": "true",
        "aadpodidbinding": None,
    }
    assert patch["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_the_demo_runs_as_its_own_annotated_account() -> None:
    namespace, account, pod = wi.demo(DESIGN, CLIENT, TENANT, "MC_node_group")
    assert namespace == manifests.namespace("my-app")
    assert account["metadata"] == {
        "name": "demo",
        "namespace": "my-app",
        "annotations": {"azure.workload.identity/client-id": CLIENT, "azure.workload.identity/tenant-id": TENANT},
    }
    assert pod["metadata"]["labels"] == {"azure.workload.identity/use": "true"}
    assert pod["spec"]["serviceAccountName"] == "demo"
    assert f"--clientid={CLIENT}" in pod["spec"]["containers"][0]["args"]


def test_each_identity_is_federated_with_its_account() -> None:
    pairs = [
        (identity.identity_name, wi.subject(identity.namespace, account)) for identity, account in wi.accounts(DESIGN)
    ]
    assert pairs == [
        ("example-internal-identity", "system:serviceaccount:kube-addons:external-dns"),
        ("application-identity", "system:serviceaccount:my-app:demo"),
    ]
    assert wi.credential_name("kube-addons", "external-dns") == "kube-addons-external-dns"


def test_a_pod_is_compared_without_the_webhooks_variables() -> None:
    declared = [{"name": "MY_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    injected = [{"name": name, "value": "x"} for name in sorted(wi.WEBHOOK_VARIABLES)]
    pod = {"spec": {"containers": [{"name": "a", "env": declared + injected}, {"name": "b", "env": injected}]}}
    assert without_webhook(pod) == {"spec": {"containers": [{"name": "a", "env": declared}, {"name": "b"}]}}
    assert len(pod["spec"]["containers"][0]["env"]) == 5
