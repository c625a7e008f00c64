"""Azure Workload Identity on the sandbox's AKS: the mutating webhook and the clusters' OIDC issuers.

``webhook`` is the pure pod mutation, ``admission`` plugs it into the clusters' API servers, and ``issuer``
serves each cluster's discovery document and JWKS (over HTTPS, and in process for Entra's federation).
"""

from podid.sandbox.workloadidentity.admission import WebhookAdmission
from podid.sandbox.workloadidentity.issuer import OidcIssuers
from podid.sandbox.workloadidentity.webhook import WebhookDenied, mutate

__all__ = ["OidcIssuers", "WebhookAdmission", "WebhookDenied", "mutate"]
