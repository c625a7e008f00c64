"""The HTTPS application for the Azure side: ARM, Entra ID, Microsoft Graph, cloud metadata, control surface.

They share one host, as a custom cloud may: Graph answers under ``/v1.0/``, Entra under
``/{tenant}/oauth2/…`` and ``/{tenant}/v2.0/…``, the sandbox's control surface under ``/_sandbox/``,
AKS clusters' OIDC issuers at their issuer URLs' paths, and everything else goes through the ARM front door.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from podid.sandbox import _control, _envelopes
from podid.sandbox.arm._frontdoor import MAX_REQUEST_BYTES, FrontDoor
from podid.sandbox.arm.providers import namespaces
from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.directory.tenant import Tenant
from podid.sandbox.entra import handlers as entra
from podid.sandbox.entra.errors import EntraError
from podid.sandbox.entra.federation import FederatedAssertions
from podid.sandbox.graph import GraphApi, resource_id
from podid.sandbox.workloadidentity import OidcIssuers

if TYPE_CHECKING:
    from podid.sandbox.cloud import Cloud

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def metadata_endpoints(settings: CloudSettings) -> dict[str, Any]:
    """The 2022-09-01 cloud metadata document that `az cloud register` reads."""
    arm = settings.arm_url
    authority = settings.authority.rstrip("/")
    return {
        "name": "PodidSandbox",
        "portal": arm,
        "resourceManager": arm,
        "authentication": {
            "loginEndpoint": authority,
            "audiences": ["https://management.core.windows.net/", arm],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "graph": arm,
        "graphAudience": arm,
        # Graph's own audience (never an ARM one, which pods' identities can get), and az's Graph address
        "microsoftGraphResourceId": resource_id(arm),
        "media": arm,
        "batch": arm,
        "sqlManagement": arm,
        "activeDirectoryDataLake": arm,
        "gallery": arm,
        "vmImageAliasDoc": arm + "aliases.json",
        "suffixes": {
            "acrLoginServer": "azurecr.sandbox.podid",
            "keyVaultDns": "vault.sandbox.podid",
            "storage": "core.sandbox.podid",
            "sqlServerHostname": "database.sandbox.podid",
        },
    }


def build(cloud: Cloud, control_token: str) -> web.Application:
    front_door = FrontDoor(
        cloud.shared,
        router=cloud.router,
        namespaces=namespaces(),
        tokens=cloud.tokens,
        authorization=cloud.authorization,
        operations=cloud.operations,
        metrics=cloud.metrics,
    )
    tenant = Tenant(cloud.settings, cloud.directory, cloud.tokens, cloud.ids, cloud.clock)
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[_envelopes.middleware(tenant, front_door)])
    oidc_issuers = OidcIssuers(cloud.settings.arm_url, cloud.clusters, cloud.kube)
    federated = FederatedAssertions(oidc_issuers, cloud.identities)

    def entra_json(produce: Callable[[Tenant, web.Request], dict[str, Any]]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            try:
                return web.json_response(produce(tenant, request))
            except EntraError as error:
                return entra.error_response(tenant, error)

        return handler

    async def token(request: web.Request) -> web.StreamResponse:
        try:
            return web.json_response(await entra.token(tenant, request, federated))
        except EntraError as error:
            return entra.error_response(tenant, error)

    async def metadata(request: web.Request) -> web.StreamResponse:
        return web.json_response(metadata_endpoints(cloud.settings))

    async def jwks(request: web.Request) -> web.StreamResponse:
        return web.json_response(cloud.tokens.jwks())

    app.router.add_get("/metadata/endpoints", metadata)
    app.router.add_get("//metadata/endpoints", metadata)
    app.router.add_get("/common/discovery/instance", entra_json(entra.instance_discovery))
    # {tenant:[^/]+}: any tenant text (aiohttp's default placeholder refuses braces) reaches Entra, which refuses it
    app.router.add_get("/{tenant:[^/]+}/v2.0/.well-known/openid-configuration", entra_json(entra.openid_configuration))
    app.router.add_get("/{tenant:[^/]+}/discovery/v2.0/keys", jwks)
    app.router.add_post("/{tenant:[^/]+}/oauth2/v2.0/token", token)
    app.router.add_post("/{tenant:[^/]+}/oauth2/token", token)
    _control.add_routes(app, cloud, control_token)  # the sandbox owner's alone
    oidc_issuers.add_routes(app)  # AKS clusters' OIDC issuers, at their issuer URLs' paths
    GraphApi(tenant).add_routes(app)
    # (?s): a path may hold any character once percent-decoded, a line feed too
    app.router.add_route("*", "/{tail:(?s:.*)}", front_door.handle)
    return app
