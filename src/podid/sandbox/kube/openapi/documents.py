"""One API server's OpenAPI v3 documents: one per served group-version, and the discovery document naming them.

As kube-openapi's handler3 (pkg/handler3/handler.go) keeps them: each document is JSON, its ETag the upper-case
hex SHA-512 of its bytes, its time of last modification the moment it was built; the discovery document maps
``api/v1``, ``apis/apps/v1``, … to ``/openapi/v3/<group-version>?hash=<ETag>``. A document is rebuilt only when
what it describes changes (the cluster's release, a CRD of its group-version), so its hash stays put otherwise.

A group-version's document has the operations (``paths``) of the resources and subresources the API server serves
and the schemas they and the served kinds use. What differs from kube-apiserver: keys are sorted rather than in
kube-openapi's field order; the discovery document lists the group-versions only (not ``api``, ``apis``,
``apis/<group>``, ``version``, ``logs`` or the service account issuer's paths).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from podid.sandbox.kube.machinery.objects import Obj, as_str, dig
from podid.sandbox.kube.openapi import builtin, crd, crd_paths
from podid.sandbox.kube.openapi.served import Served

# kube-apiserver's securitySchemes (pkg/controlplane/apiserver/config.go: DefaultOpenAPIV3Config)
_SECURITY = (
    '"securitySchemes":{"BearerToken":{"description":"Bearer Token authentication","in":"header",'
    '"name":"authorization","type":"apiKey"}}'
)
# apiextensions-apiserver's title for a CRD's document (pkg/controller/openapi/builder: getOpenAPIV3Config)
_CRD_INFO = {"title": "Kubernetes CRD Swagger", "version": "v0.1.0"}


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str  # unquoted
    modified: float  # seconds since the epoch


class Documents:
    """The documents of one API server, built at the first request and rebuilt when what they describe changes."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[object, Document]] = {}
        self._discovery: tuple[object, Document] | None = None

    def discovery(self, served: Served) -> Document:
        documents = self._all(served)
        key = tuple((gv, d.etag) for gv, d in documents.items())
        if self._discovery is None or self._discovery[0] != key:
            paths = {gv: {"serverRelativeURL": f"/openapi/v3/{gv}?hash={d.etag}"} for gv, d in documents.items()}
            self._discovery = key, _document(json.dumps({"paths": paths}, sort_keys=True, separators=(",", ":")))
        return self._discovery[1]

    def group_version(self, path: str, served: Served) -> Document | None:
        """The document of ``api/v1``, ``apis/<group>/<version>``; None for one not served."""
        return self._all(served).get(path)

    def _all(self, served: Served) -> dict[str, Document]:
        release = builtin.release(served.kubernetes_version)
        info = {"title": "Kubernetes", "version": f"v{served.kubernetes_version}"}
        sources: dict[str, tuple[object, Callable[[], str]]] = {}
        for gv in sorted({gv for gv, _ in served.resources} & builtin.group_versions(release)):
            resources = frozenset(r for r in served.resources if r[0] == gv)
            sources[gv] = (release, info, resources), _builtin_builder(release, gv, served.serves(gv), info)
        for gv, crds in _by_group_version(served.crds).items():
            versions = tuple((dig(c, "metadata", "name"), dig(c, "metadata", "resourceVersion")) for c, _ in crds)
            sources.setdefault(gv, ((release, versions), _crd_builder(crds, release)))
        return {gv: self._cached(gv, key, build) for gv, (key, build) in sorted(sources.items())}

    def _cached(self, gv: str, key: object, build: Callable[[], str]) -> Document:
        built = self._built.get(gv)
        if built is None or built[0] != key:
            built = self._built[gv] = key, _document(build())
        return built[1]


def _by_group_version(crds: Iterable[Obj]) -> dict[str, list[tuple[Obj, str]]]:
    found: dict[str, list[tuple[Obj, str]]] = {}
    for definition in sorted(crds, key=lambda c: as_str(dig(c, "metadata", "name"))):
        for version in crd.served_versions(definition):
            found.setdefault(crd.group_version(definition, version), []).append((definition, version))
    return found


def _builtin_builder(release: str, gv: str, serves: Callable[[str, str], bool], info: Obj) -> Callable[[], str]:
    return lambda: _text(builtin.paths(release, gv, serves), builtin.schemas(release, gv), info, _SECURITY)


def _crd_builder(crds: list[tuple[Obj, str]], release: str) -> Callable[[], str]:
    """The CRDs of one group-version merged into one document, as the apiextensions OpenAPI controller does."""

    def build() -> str:
        table = builtin.parameter_table(release)
        parameters = lambda action, name: table.get((action, name)) or table.get(("", name))  # noqa: E731
        paths: dict[str, str] = {}
        schemas: dict[str, str] = {}
        for definition, version in crds:
            named, subresources = crd.names(definition, version), crd.subresources(definition, version)
            paths |= crd_paths.paths(named, crd.namespaced(definition), parameters, subresources)
            schemas |= crd.schemas(definition, version, release)
        return _text(paths, schemas, _CRD_INFO, "")

    return build


def _text(paths: dict[str, str], schemas: dict[str, str], info: Obj, security: str) -> str:
    """The document with the path items' and schemas' JSON text set in as it is (they are not parsed again)."""
    head = json.dumps({"openapi": "3.0.0", "info": info}, separators=(",", ":"))[:-1]
    components = f'"schemas":{_object(schemas)}' + (f",{security}" if security else "")
    return f'{head},"paths":{_object(paths)},"components":{{{components}}}}}'


def _object(members: dict[str, str]) -> str:
    return "{" + ",".join(f"{json.dumps(name)}:{members[name]}" for name in sorted(members)) + "}"


def _document(text: str) -> Document:
    body = text.encode()
    return Document(body, hashlib.sha512(body).hexdigest().upper(), time.time())
