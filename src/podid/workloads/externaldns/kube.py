"""The pod's view of the Kubernetes API: in-cluster config and watch-backed caches of Services and Ingresses.

`in_cluster_client` is `load_incluster_config` with the service-account files found under the pod's root.

An `Informer` is a small client-go reflector: it lists one resource kind across all namespaces, then watches
from the list's resourceVersion, keeping a cache of wire objects (plain camelCase dicts, what the sources read)
and calling `on_change` after every change. A watch ends every few minutes and resumes from the last version
seen; a 410 Gone (version too old) means list again. Failures are logged client-go style and retried with
backoff, so an API server that comes back is picked up without a restart. (The client's own SharedInformer
deserialises every object into a model class and has no "first list done" signal; the sources want the wire
dicts, 10,000 Services of them in the benchmark.)
"""

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, cast

from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException
from kubernetes.config.incluster_config import (
    SERVICE_CERT_FILENAME,
    SERVICE_TOKEN_FILENAME,
    InClusterConfigLoader,
)

from podid.workloads._runtime import pod_path

from .source import Ingress, Service

log = logging.getLogger(__name__)

WATCH_SECONDS = 300  # the server ends each watch after this long; the informer resumes it
REQUEST_TIMEOUT = 30.0  # for lists; watches get WATCH_SECONDS on top
MAX_BACKOFF = 30.0
SYNC_POLL_SECONDS = 0.1  # how soon a SIGTERM ends the wait for the first lists
HTTP_GONE = 410

WireObject = dict[str, Any]
ListCall = Callable[..., Any]


def in_cluster_client() -> client.ApiClient:
    """An API client from KUBERNETES_SERVICE_HOST/PORT and the pod's service-account token and CA."""
    configuration = client.Configuration()
    loader = InClusterConfigLoader(  # type: ignore[no-untyped-call]
        token_filename=str(pod_path(SERVICE_TOKEN_FILENAME)),
        cert_filename=str(pod_path(SERVICE_CERT_FILENAME)),
    )
    loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
    return client.ApiClient(configuration)


# the typed API's keyword arguments the informer passes (Watch.stream adds watch=True)
QUERY_NAMES = {
    "resource_version": "resourceVersion",
    "timeout_seconds": "timeoutSeconds",
    "allow_watch_bookmarks": "allowWatchBookmarks",
    "watch": "watch",
}


def raw_list_call(api: client.ApiClient, path: str) -> ListCall:
    """A stand-in for a typed `list_*_for_all_namespaces(_preload_content=False)`: a raw GET of `path`.

    kubernetes 37 builds pydantic validators when a typed API (`CoreV1Api`, ...) is first used, about 0.6 s of
    CPU per pod; the informer reads the wire JSON anyway. Non-2xx answers raise ApiException, as the typed call.
    """

    def list_call(*, _preload_content: bool = False, _request_timeout: float | None = None, **params: Any) -> Any:
        query = [(QUERY_NAMES[name], value) for name, value in params.items() if value is not None]
        request = api.param_serialize(
            "GET", path, query_params=query, header_params={"Accept": "application/json"}, auth_settings=["BearerToken"]
        )
        response = api.call_api(*request, _request_timeout=_request_timeout)
        if not 200 <= response.status <= 299:
            response.read()  # type: ignore[no-untyped-call]
            raise ApiException.from_response(http_resp=response, body=None, data=None)
        return response.response

    return list_call


def _reason(err: Exception) -> str:
    """An ApiException's Status message (`services is forbidden: ...`), else the error itself."""
    if isinstance(err, ApiException) and err.body:
        try:
            return str(json.loads(err.body)["message"])
        except (ValueError, KeyError, TypeError):
            return f"{err.status} {err.reason}"
    return str(err)


def _key(obj: WireObject) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return (metadata.get("namespace", ""), metadata.get("name", ""))


class Informer:
    def __init__(
        self, list_call: ListCall, kind: str, on_change: Callable[[], None], watch_seconds: int = WATCH_SECONDS
    ) -> None:
        self._list_call = list_call
        self.kind = kind  # "*v1.Service", as client-go names the type in its logs
        self._on_change = on_change
        self._watch_seconds = watch_seconds
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], WireObject] = {}
        self._synced = threading.Event()
        self._stop = threading.Event()
        self._watch = watch.Watch()  # type: ignore[no-untyped-call]

    def items(self) -> list[WireObject]:
        with self._lock:
            return list(self._cache.values())

    def wait_synced(self, timeout: float) -> bool:
        return self._synced.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._watch.stop()  # type: ignore[no-untyped-call]

    def run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                self._watch_from(self._relist())
                backoff = 1.0
            except Exception as err:  # like a client-go reflector, never give up: log, back off, list again
                if self._stop.is_set():
                    return
                log.error("Failed to watch %s: failed to list %s: %s", self.kind, self.kind, _reason(err))
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    def _relist(self) -> str:
        response = self._list_call(_preload_content=False, _request_timeout=REQUEST_TIMEOUT)
        body = json.loads(response.data)
        with self._lock:
            self._cache = {_key(item): item for item in body.get("items") or []}
        if self._synced.is_set():
            self._on_change()  # events may have been missed while the watch was down
        self._synced.set()
        return str(body["metadata"]["resourceVersion"])

    def _watch_from(self, resource_version: str) -> None:
        """Follow changes until stopped; return when the version is too old (the caller lists again)."""
        while not self._stop.is_set():
            try:
                events = self._watch.stream(  # type: ignore[no-untyped-call]
                    self._list_call,
                    resource_version=resource_version,
                    timeout_seconds=self._watch_seconds,
                    allow_watch_bookmarks=True,
                    deserialize=False,
                    _request_timeout=self._watch_seconds + REQUEST_TIMEOUT,
                )
                for event in events:
                    resource_version = self._apply(event) or resource_version
            except ApiException as err:
                if err.status == HTTP_GONE:
                    return
                raise

    def _apply(self, event: dict[str, Any]) -> str | None:
        """Apply one watch event to the cache; return the resourceVersion it carries."""
        obj: WireObject = event.get("object") or {}
        kind = event.get("type")
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            with self._lock:
                if kind == "DELETED":
                    self._cache.pop(_key(obj), None)
                else:
                    self._cache[_key(obj)] = obj
            self._on_change()
        version = (obj.get("metadata") or {}).get("resourceVersion")
        return str(version) if version else None


class InformerLister:
    """The sources' ObjectLister over informers for the kinds asked for (`service`, `ingress`).

    `changed` is set after every change any informer sees (the controller's trigger with `--events`).
    """

    def __init__(self, api: client.ApiClient, kinds: Iterable[str]) -> None:
        self.changed = threading.Event()
        calls: dict[str, tuple[ListCall, str]] = {
            "service": (raw_list_call(api, "/api/v1/services"), "*v1.Service"),
            "ingress": (raw_list_call(api, "/apis/networking.k8s.io/v1/ingresses"), "*v1.Ingress"),
        }
        self._informers = {kind: Informer(*calls[kind], self.changed.set) for kind in dict.fromkeys(kinds)}

    def start(self) -> None:
        for kind, informer in self._informers.items():
            threading.Thread(target=informer.run, name=f"informer-{kind}", daemon=True).start()

    def wait_synced(self, timeout: float, stop: threading.Event) -> str | None:
        """Wait up to `timeout` for every informer's first list, or until `stop` (SIGTERM cancels the wait, as it
        cancels external-dns' context); return the kind of one that did not finish."""
        deadline = time.monotonic() + timeout
        for informer in self._informers.values():
            while not informer.wait_synced(SYNC_POLL_SECONDS):
                if stop.is_set() or time.monotonic() >= deadline:
                    return informer.kind
        return None

    def stop(self) -> None:
        for informer in self._informers.values():
            informer.stop()

    def list_services(self) -> list[Service]:
        return cast(list[Service], self._items("service"))

    def list_ingresses(self) -> list[Ingress]:
        return cast(list[Ingress], self._items("ingress"))

    def _items(self, kind: str) -> list[WireObject]:
        informer = self._informers.get(kind)
        return informer.items() if informer else []
