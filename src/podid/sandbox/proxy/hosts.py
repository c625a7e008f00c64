"""Azure's own hostnames the sandbox plays, and the address a response names when a request came by one.

Through the proxy a client talks to ``management.azure.com`` and ``login.microsoftonline.com`` as on Azure,
so the URLs the sandbox hands back (nextLink, Azure-AsyncOperation, Location, the token endpoint of OIDC
discovery, Graph's @odata.nextLink) must carry the name the request was sent to; a request to the sandbox's
own address gets its own address back, as before.
"""

from __future__ import annotations

AZURE_HOSTS = frozenset({"login.microsoftonline.com", "management.azure.com", "graph.microsoft.com"})
# AKS OIDC issuers: https://<region>.oic.prod-aks.azure.com/<tenant>/<guid>/
# (https://learn.microsoft.com/azure/aks/use-oidc-issuer)
OIDC_ISSUER_SUFFIX = ".oic.prod-aks.azure.com"
IMDS_HOST = "169.254.169.254"
HTTPS_PORT, HTTP_PORT = 443, 80


def is_azure_host(host: str) -> bool:
    """An Azure front end the sandbox's HTTPS app answers for (ARM, Entra ID, Graph, AKS OIDC issuers)."""
    name = host.lower()
    return name in AZURE_HOSTS or (name.endswith(OIDC_ISSUER_SUFFIX) and name.count(".") == 4)


def azure_name(host_header: str) -> str | None:
    """The played Azure host a request's Host header names (on port 443 or none), else None."""
    name, _, port = host_header.partition(":")
    return name.lower() if is_azure_host(name) and port in ("", str(HTTPS_PORT)) else None


def public_base(host_header: str, own_base: str) -> str:
    """``https://<Azure host>`` when the request's Host is one the sandbox plays, else ``own_base``
    (without a trailing slash either way)."""
    name = azure_name(host_header)
    return f"https://{name}" if name else own_base.rstrip("/")
