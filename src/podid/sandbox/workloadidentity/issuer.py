"""The OIDC issuer of every AKS cluster with ``oidcIssuerProfile.enabled``, served by the sandbox over HTTPS.

AKS publishes, under the cluster's ``issuerURL``, ``.well-known/openid-configuration`` and
``openid/v1/jwks`` (the public key that signs the cluster's service-account tokens). The sandbox serves them
on its own HTTPS host at the issuer URL's path: the issuer's host stands for the sandbox as
``management.azure.com`` does, so ``https://westus2.oic.prod-aks.azure.com/<tenant>/<guid>/`` is served at
``{arm_url}<tenant>/<guid>/.well-known/openid-configuration``, and ``jwks_uri`` points at the sandbox.

Entra's token exchange reads the same documents in process (``discover``), never over the network. The
signing key is the one the cluster's API server signs service-account tokens with (the Kubernetes fleet); a cluster
whose API server is not served, or not yet signing as this issuer, has no reachable issuer.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web

from podid.sandbox.proxy.hosts import azure_name
from podid.sandbox.workloadidentity.admission import ClusterDocuments

Document = dict[str, Any]
CONFIGURATION_PATH = ".well-known/openid-configuration"
JWKS_PATH = "openid/v1/jwks"


def _enabled_issuer(cluster_doc: Document | None) -> str | None:
    profile = ((cluster_doc or {}).get("properties") or {}).get("oidcIssuerProfile") or {}
    issuer = profile.get("issuerURL")
    return issuer if profile.get("enabled") is True and isinstance(issuer, str) else None


class Signer(Protocol):
    @property
    def issuer(self) -> str: ...

    def jwks(self) -> Document: ...


class Served(Protocol):
    @property
    def signer(self) -> Signer: ...


class ApiServers(Protocol):
    """The Kubernetes fleet's served clusters: each API server's service-account token signer."""

    def server(self, cluster_id: str) -> Served | None: ...


class OidcIssuers:
    """The clusters' OIDC issuers: in-process discovery for Entra, and the HTTPS routes."""

    def __init__(self, arm_url: str, clusters: ClusterDocuments, kube: ApiServers) -> None:
        self._arm_url, self._clusters, self._kube = arm_url, clusters, kube
        self._cluster_of: dict[str, str] = {}  # issuer URL -> cluster id

    def discover(self, issuer: str) -> tuple[Document, Document] | None:
        """(openid configuration, JWKS) of the issuer with exactly this URL; None when none can be fetched."""
        cluster_id = self._cluster_id(issuer)
        server = self._kube.server(cluster_id) if cluster_id is not None else None
        if server is None or server.signer.issuer != issuer:
            self._cluster_of.pop(issuer, None)
            return None
        return self.configuration(issuer), server.signer.jwks()

    def configuration(self, issuer: str) -> Document:
        return {
            "issuer": issuer,
            "jwks_uri": self._sandbox_url(issuer) + JWKS_PATH,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def _sandbox_url(self, issuer: str) -> str:
        return self._arm_url.rstrip("/") + urlsplit(issuer).path

    def _cluster_id(self, issuer: str) -> str | None:
        # An issuer URL names one cluster for good (AKS never changes or disables it), so a found cluster is
        # remembered; whether it still signs as that issuer is asked of its API server on every use.
        known = self._cluster_of.get(issuer)
        if known is not None:
            return known
        for doc in self._clusters.all():
            if _enabled_issuer(doc) == issuer:
                self._cluster_of[issuer] = str(doc["id"])
                return str(doc["id"])
        return None

    def _issuer_at(self, path: str) -> str | None:
        wanted = f"/{path}/"
        for doc in self._clusters.all():
            issuer = _enabled_issuer(doc)
            if issuer is not None and urlsplit(issuer).path == wanted:
                return issuer
        return None

    # HTTPS

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/{issuer_path:.+}/" + CONFIGURATION_PATH, self._serve_configuration)
        app.router.add_get("/{issuer_path:.+}/" + JWKS_PATH, self._serve_jwks)

    def _served(self, request: web.Request) -> tuple[Document, Document]:
        issuer = self._issuer_at(request.match_info["issuer_path"])
        found = self.discover(issuer) if issuer is not None else None
        if found is None:
            raise web.HTTPNotFound()
        return found

    async def _serve_configuration(self, request: web.Request) -> web.StreamResponse:
        document = self._served(request)[0]
        if azure_name(request.host):  # asked by an Azure name (through the proxy): the keys at the issuer's
            document["jwks_uri"] = document["issuer"] + JWKS_PATH
        return web.json_response(document)

    async def _serve_jwks(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self._served(request)[1])
