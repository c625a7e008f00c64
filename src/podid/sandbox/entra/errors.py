"""Entra ID OAuth2 errors: each carries its HTTP status, OAuth2 error and AADSTS code.

EntraError
├── InvalidRequest (400 invalid_request)
├── InvalidClient (401 invalid_client; 400 unauthorized_client for an unknown app)
├── UnsupportedGrant (400 unsupported_grant_type)
└── TenantNotFound (400 invalid_tenant, AADSTS90002)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class EntraError(Exception):
    status = 400
    error = "invalid_request"

    def __init__(self, code: int, message: str, *, status: int | None = None, error: str | None = None) -> None:
        super().__init__(message)
        self.aadsts, self.message = code, message
        if status is not None:
            self.status = status
        if error is not None:
            self.error = error

    def body(self, trace_id: str, now: datetime) -> dict[str, Any]:
        stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": f"AADSTS{self.aadsts}: {self.message} Trace ID: {trace_id} "
            f"Correlation ID: {trace_id} Timestamp: {stamp}",
            "error_codes": [self.aadsts],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": trace_id,
        }


class InvalidRequest(EntraError):
    pass


class InvalidClient(EntraError):
    status, error = 401, "invalid_client"


class UnknownApplication(InvalidClient):
    def __init__(self, client_id: str, tenant_id: str) -> None:
        super().__init__(
            700016,
            f"Application with identifier '{client_id}' was not found in the directory '{tenant_id}'. This can "
            "happen if the application has not been installed by the administrator of the tenant or consented "
            "to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
            status=400,
            error="unauthorized_client",
        )


class UnsupportedGrant(EntraError):
    error = "unsupported_grant_type"

    def __init__(self, grant: str) -> None:
        super().__init__(70003, f"The app requested an unsupported grant type '{grant}'.")


class TenantNotFound(EntraError):
    error = "invalid_tenant"

    def __init__(self, tenant: str) -> None:
        super().__init__(
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
            "and are signing into the correct cloud.",
        )
