"""Object lifecycle controllers: namespaces, service accounts and garbage collection.

* Namespace controller: a new namespace gets the ``default`` ServiceAccount and the ``kube-root-ca.crt``
  ConfigMap; a deleted one (``Terminating``) has all its content deleted, then its ``kubernetes`` finalizer
  removed, which removes it.
* Token controller, for clusters older than 1.24 only (as upstream): every ServiceAccount gets a
  ``kubernetes.io/service-account-token`` Secret listed in its ``secrets``.
* Garbage collector: when an owner is deleted, its dependents (by ownerReference uid) are deleted in the
  background, as ``propagationPolicy: Background`` (the default) asks.
"""

from __future__ import annotations

import base64

from podid.sandbox.kube.identity.tokens import TokenSigner
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.machinery.workqueue import WorkQueue
from podid.sandbox.kube.storage.cluster import Cluster, DeleteOptions, resource_name

ROOT_CA_CONFIGMAP = "kube-root-ca.crt"  # published in every namespace, mounted by the token volume
TOKEN_SECRET_TYPE = "kubernetes.io/service-account-token"
_ACCOUNT_NAME = "kubernetes.io/service-account.name"
_ACCOUNT_UID = "kubernetes.io/service-account.uid"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class NamespaceController:
    def __init__(self, cluster: Cluster, queue: WorkQueue, ca_pem: str) -> None:
        self._cluster, self._queue, self._ca_pem = cluster, queue, ca_pem
        self._namespaces = cluster.resource_type("namespaces")
        self._accounts = cluster.resource_type("serviceaccounts")
        self._configmaps = cluster.resource_type("configmaps")

    def on_event(self, event_type: str, obj: Obj) -> None:
        meta = as_dict(obj.get("metadata"))
        if obj.get("kind") == "Namespace" and event_type != "DELETED":
            self._queue.add(self.sync, as_str(meta.get("name")))
        elif event_type == "DELETED" and meta.get("namespace"):
            namespace = self._cluster.find(self._namespaces, "", as_str(meta["namespace"]))
            if namespace is not None and dig(namespace, "metadata", "deletionTimestamp"):
                self._queue.add(self.sync, as_str(meta["namespace"]))
        elif event_type == "DELETED" and obj.get("kind") in ("ServiceAccount", "ConfigMap"):
            self._queue.add(self.sync, as_str(meta.get("namespace")))

    def sync(self, name: str) -> None:
        namespace = self._cluster.find(self._namespaces, "", name)
        if namespace is None:
            return
        if dig(namespace, "metadata", "deletionTimestamp"):
            self._terminate(namespace)
            return
        if self._cluster.find(self._accounts, name, "default") is None:
            account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
            self._cluster.create_object(self._accounts, name, account)
        if self._cluster.find(self._configmaps, name, ROOT_CA_CONFIGMAP) is None:
            annotations = {"kubernetes.io/description": _ROOT_CA_DESCRIPTION}
            configmap = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": ROOT_CA_CONFIGMAP, "annotations": annotations},
                "data": {"ca.crt": self._ca_pem},
            }
            self._cluster.create_object(self._configmaps, name, configmap)

    def _terminate(self, namespace: Obj) -> None:
        name = namespace["metadata"]["name"]
        for rt in self._cluster.catalog.types:
            if not rt.namespaced:
                continue
            for obj in self._cluster.objects.objects(resource_name(rt), name):
                if not dig(obj, "metadata", "deletionTimestamp"):
                    self._cluster.delete_object(rt, name, obj["metadata"]["name"], DeleteOptions())
        if any(
            self._cluster.objects.objects(resource_name(rt), name)
            for rt in self._cluster.catalog.types
            if rt.namespaced
        ):
            return  # what is left (graceful pods, finalizers) re-queues the namespace as it goes
        finalized = {**namespace, "spec": {**as_dict(namespace.get("spec")), "finalizers": []}}
        self._cluster.write(self._namespaces, finalized)


_ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as "
    "the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of "
    "Kubernetes clusters."
)


class TokenController:
    """Legacy service-account token Secrets (clusters before 1.24)."""

    def __init__(self, cluster: Cluster, queue: WorkQueue, signer: TokenSigner, ca_pem: str) -> None:
        self._cluster, self._queue, self._signer, self._ca_pem = cluster, queue, signer, ca_pem
        self._accounts = cluster.resource_type("serviceaccounts")
        self._secrets = cluster.resource_type("secrets")

    def on_event(self, event_type: str, obj: Obj) -> None:
        meta = as_dict(obj.get("metadata"))
        if obj.get("kind") == "ServiceAccount" and event_type != "DELETED":
            self._queue.add(self.sync, (as_str(meta.get("namespace")), as_str(meta.get("name"))))
        elif obj.get("kind") == "Secret" and event_type == "DELETED" and obj.get("type") == TOKEN_SECRET_TYPE:
            account = as_str(as_dict(meta.get("annotations")).get(_ACCOUNT_NAME))
            self._queue.add(self.sync, (as_str(meta.get("namespace")), account))

    def sync(self, key: tuple[str, str]) -> None:
        namespace, name = key
        account = self._cluster.find(self._accounts, namespace, name)
        if account is None or dig(account, "metadata", "deletionTimestamp"):
            return
        listed = [as_str(dig(ref, "name")) for ref in as_list(account.get("secrets"))]
        if any(self._is_token_for(self._cluster.find(self._secrets, namespace, s), account) for s in listed):
            return
        secret_name = f"{name}-token-{self._cluster.random_suffix()}"
        annotations = {_ACCOUNT_NAME: name, _ACCOUNT_UID: account["metadata"]["uid"]}
        token = self._signer.legacy(namespace, account, secret_name)
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": TOKEN_SECRET_TYPE,
            "metadata": {"name": secret_name, "annotations": annotations},
            "data": {"ca.crt": _b64(self._ca_pem), "namespace": _b64(namespace), "token": _b64(token)},
        }
        self._cluster.create_object(self._secrets, namespace, secret)
        updated = {**account, "secrets": [*as_list(account.get("secrets")), {"name": secret_name}]}
        self._cluster.write(self._accounts, updated)

    @staticmethod
    def _is_token_for(secret: Obj | None, account: Obj) -> bool:
        annotations = as_dict(dig(secret, "metadata", "annotations"))
        return (
            secret is not None
            and secret.get("type") == TOKEN_SECRET_TYPE
            and annotations.get(_ACCOUNT_UID) == account["metadata"]["uid"]
        )


class GarbageCollector:
    """Deletes the dependents of a deleted owner (background propagation)."""

    def __init__(self, cluster: Cluster, queue: WorkQueue) -> None:
        self._cluster, self._queue = cluster, queue

    def on_event(self, event_type: str, obj: Obj) -> None:
        uid = as_str(dig(obj, "metadata", "uid"))
        if event_type == "DELETED" and uid:
            self._queue.add(self.sync, uid)

    def sync(self, owner_uid: str) -> None:
        for resource, dependent in list(self._cluster.objects.dependents(owner_uid)):
            if dig(dependent, "metadata", "deletionTimestamp"):
                continue
            rt = self._cluster.resource_type(resource)
            namespace, name = as_str(dig(dependent, "metadata", "namespace")), dependent["metadata"]["name"]
            self._cluster.delete_object(rt, namespace, name, DeleteOptions())
