"""An AKS cluster's OIDC issuer by its own URL (``https://<region>.oic.prod-aks.azure.com/<tenant>/<guid>/``)
through the proxy: discovery names the keys at the issuer's host, and they are served there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podid.sandbox import Endpoints
from tests.podidentity.conftest import Clients, create_cluster
from tests.proxy.conftest import run_program


def test_discovery_and_keys_by_the_issuers_own_url(
    endpoints: Endpoints, clients: Clients, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cluster = create_cluster(
        clients,
        f"proxy-oidc-{os.getpid()}",
        "oidc",
        Path(tmp_path_factory.mktemp("oidc")),
        oidcIssuerProfile={"enabled": True},
    )
    issuer = clients.aks.managed_clusters.get(cluster.group, cluster.name).oidc_issuer_profile.issuer_url
    assert issuer.startswith(f"https://westus2.oic.prod-aks.azure.com/{endpoints.tenant_id}/")
    env = {"HTTPS_PROXY": endpoints.proxy_url, "REQUESTS_CA_BUNDLE": endpoints.ca_bundle}
    result = run_program("oidc_discovery.py", env, issuer)
    assert result["configuration"]["issuer"] == issuer
    assert result["configuration"]["jwks_uri"] == issuer + "openid/v1/jwks"
    assert len(result["kids"]) == 1
