"""Kubernetes objects as plain dicts, through the kubernetes client's configuration, auth and transport.

The typed APIs of kubernetes 37 validate bodies into pydantic models; podid's manifests are wire dicts, so
this small wrapper sends them as they are (the way kubectl does): GET, POST, strategic-merge PATCH, DELETE.

No call waits forever: each has a connect and a read timeout, and a read that times out is not retried (an API
server that accepts connections and never answers fails the call at once, naming the server).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import config as kube_config
from kubernetes.client import ApiClient, Configuration
from kubernetes.client.exceptions import ApiException
from urllib3 import Retry
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from podid.provision.errors import NotFound, TimedOut, Transient, translated

KubeObject = dict[str, Any]
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0  # one API call; a watch gets its own server-side timeout plus this
# connection failures are retried a little (a server restarting); a read that timed out is not: it would wait again
RETRIES = Retry(3, read=False)  # urllib3's default, Retry(3), but for reads


@dataclass(frozen=True)
class Kind:
    prefix: str  # "/api/v1", "/apis/apps/v1"
    plural: str
    namespaced: bool = True


KINDS = {
    "Namespace": Kind("/api/v1", "namespaces", namespaced=False),
    "ServiceAccount": Kind("/api/v1", "serviceaccounts"),
    "Secret": Kind("/api/v1", "secrets"),
    "Service": Kind("/api/v1", "services"),
    "Pod": Kind("/api/v1", "pods"),
    "Deployment": Kind("/apis/apps/v1", "deployments"),
    "ClusterRole": Kind("/apis/rbac.authorization.k8s.io/v1", "clusterroles", namespaced=False),
    "ClusterRoleBinding": Kind("/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", namespaced=False),
    "AzureAssignedIdentity": Kind("/apis/aadpodidentity.k8s.io/v1", "azureassignedidentities"),
}


def describe(obj: KubeObject) -> str:
    meta = obj["metadata"]
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj['kind']} {where}{meta['name']}"


class Kube:
    """One cluster's API, as the user in a kubeconfig."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.server = str(client.configuration.host)

    @classmethod
    def from_file(cls, path: Path, context: str | None = None) -> Kube:
        with translated():
            client = kube_config.new_client_from_config(  # type: ignore[no-untyped-call]
                str(path), context=context, persist_config=False, client_configuration=_configuration()
            )
        return cls(client)

    @classmethod
    def from_dict(cls, kubeconfig: dict[str, Any]) -> Kube:
        with translated():
            client = kube_config.new_client_from_config_dict(  # type: ignore[no-untyped-call]
                kubeconfig, persist_config=False, client_configuration=_configuration()
            )
        return cls(client)

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Client failures as ProvisionErrors; a server that is silent or unreachable is named."""
        started = time.monotonic()
        try:
            with translated():
                yield
        except Transient as error:
            cause = error.__cause__.reason if isinstance(error.__cause__, MaxRetryError) else error.__cause__
            check = "check that the cluster is running and that the kubeconfig names its API server"
            if isinstance(cause, ReadTimeoutError):
                waited = time.monotonic() - started
                raise TimedOut(
                    f"the Kubernetes API server {self.server} accepted the connection but did not answer "
                    f"within {waited:.0f} s: {check}"
                ) from error
            if isinstance(cause, Urllib3Timeout | NewConnectionError):
                raise Transient(f"cannot reach the Kubernetes API server {self.server}: {check}") from error
            raise

    def _path(self, kind: str, namespace: str | None, name: str | None = None) -> str:
        spec = KINDS[kind]
        path = spec.prefix + (f"/namespaces/{namespace}" if spec.namespaced and namespace else "") + f"/{spec.plural}"
        return path + (f"/{name}" if name else "")

    def _send(
        self, method: str, path: str, headers: dict[str, str], body: Any, query: Any, timeout: float = READ_TIMEOUT
    ) -> Any:
        """The response, its body unread; an error status raises (translated by the caller's ``translated``)."""
        prepared = self.client.param_serialize(  # the client JSON-encodes the body for *json content types
            method, path, query_params=query or [], header_params=headers, body=body, auth_settings=["BearerToken"]
        )
        response = self.client.call_api(*prepared, _request_timeout=(CONNECT_TIMEOUT, timeout))
        if not 200 <= response.status < 300:
            body_text = response.read().decode()  # type: ignore[no-untyped-call]
            raise ApiException(status=response.status, reason=response.reason, body=body_text)
        return response

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        query: Any = None,
        parse: bool = True,
    ) -> Any:
        headers = {"Accept": "application/json", "Content-Type": content_type}
        with self._translated():
            data = self._send(method, path, headers, body, query).read()
        text = data.decode() if isinstance(data, bytes) else str(data)
        return json.loads(text) if parse and text else text

    def get(self, kind: str, namespace: str | None, name: str) -> KubeObject | None:
        try:
            return dict(self.request("GET", self._path(kind, namespace, name)))
        except NotFound:
            return None

    def list_at(
        self, kind: str, namespace: str | None = None, selector: str | None = None
    ) -> tuple[list[KubeObject], str]:
        """The objects and the list's resourceVersion, from which ``watch`` goes on."""
        query = [("labelSelector", selector)] if selector else []
        listed = self.request("GET", self._path(kind, namespace), query=query)
        return list(listed["items"]), str(listed["metadata"]["resourceVersion"])

    def list(self, kind: str, namespace: str | None = None, selector: str | None = None) -> list[KubeObject]:
        return self.list_at(kind, namespace, selector)[0]

    def watch(
        self, kind: str, namespace: str | None, selector: str, resource_version: str, timeout: float
    ) -> Iterator[tuple[str, KubeObject]]:
        """(type, object) of each change after ``resource_version``, until the server ends the watch at ``timeout``."""
        query = [
            ("watch", "true"), ("labelSelector", selector), ("resourceVersion", resource_version),
            ("timeoutSeconds", str(max(1, int(timeout)))),
        ]  # fmt: skip
        with self._translated():
            path, headers = self._path(kind, namespace), {"Accept": "application/json"}
            stream = self._send("GET", path, headers, None, query, timeout + READ_TIMEOUT).response  # JSON lines
            try:
                for line in stream:
                    if line.strip():
                        event = json.loads(line)
                        if event["type"] == "ERROR":
                            raise ApiException(
                                status=event["object"].get("code"), reason=event["object"].get("message")
                            )
                        yield event["type"], event["object"]
            finally:
                stream.close()  # a watch left early still streams: its connection cannot go back to the pool

    def create(self, obj: KubeObject) -> KubeObject:
        return dict(self.request("POST", self._path(obj["kind"], obj["metadata"].get("namespace")), obj))

    def patch(self, obj: KubeObject) -> KubeObject:
        meta = obj["metadata"]
        path = self._path(obj["kind"], meta.get("namespace"), meta["name"])
        return dict(self.request("PATCH", path, obj, "application/strategic-merge-patch+json"))

    def delete(self, kind: str, namespace: str | None, name: str) -> bool:
        try:
            self.request("DELETE", self._path(kind, namespace, name), {"propagationPolicy": "Background"})
        except NotFound:
            return False
        return True

    def log(self, namespace: str, pod: str) -> str:
        return str(self.request("GET", self._path("Pod", namespace, pod) + "/log", parse=False))

    def serves(self, group_version: str) -> bool:
        """Whether the API server serves this group/version (e.g. rbac.authorization.k8s.io/v1)."""
        groups = self.request("GET", "/apis").get("groups", [])
        return any(version.get("groupVersion") == group_version for group in groups for version in group["versions"])

    def reachable(self) -> bool:
        """Whether the server answers; one that accepts connections and stays silent is an error, not "no"."""
        try:
            self.request("GET", "/api")
        except TimedOut:
            raise
        except Exception:  # any other failure means "not usable as it is": the caller rewrites the kubeconfig
            return False
        return True


def _configuration() -> Configuration:
    """The client's settings before the kubeconfig fills them in: its connection pool is built with the retries."""
    configuration = Configuration()
    configuration.retries = RETRIES
    return configuration
