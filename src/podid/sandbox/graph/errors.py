"""Microsoft Graph errors: each carries its HTTP status and Graph's error code.

Graph's envelope differs from ARM's: ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}``; ``GraphApi`` writes it and nothing else does.

GraphError
├── GraphBadRequest (400 Request_BadRequest): UnsupportedQuery (Request_UnsupportedQuery), UnknownSegment (BadRequest)
├── GraphUnauthorized (401 InvalidAuthenticationToken)
├── AccessDenied (403 Authorization_RequestDenied)
├── GraphNotFound (404 Request_ResourceNotFound)
└── MethodNotAllowed (405 Request_BadRequest)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class GraphError(Exception):
    status = 400
    code = "Request_BadRequest"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def body(self, request_id: str, client_request_id: str, now: datetime) -> dict[str, Any]:
        inner = {
            "date": now.strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id,
            "client-request-id": client_request_id,
        }
        return {"error": {"code": self.code, "message": self.message, "innerError": inner}}


class GraphBadRequest(GraphError):
    pass


class UnsupportedQuery(GraphBadRequest):
    code = "Request_UnsupportedQuery"

    def __init__(self, text: str) -> None:
        super().__init__(f"Invalid filter clause: the filter '{text}' is not supported.")


class UnknownSegment(GraphBadRequest):
    code = "BadRequest"

    def __init__(self, segment: str) -> None:
        super().__init__(f"Resource not found for the segment '{segment}'.")


class GraphUnauthorized(GraphError):
    status, code = 401, "InvalidAuthenticationToken"


class AccessDenied(GraphError):
    status, code = 403, "Authorization_RequestDenied"

    def __init__(self) -> None:
        super().__init__("Insufficient privileges to complete the operation.")


class GraphNotFound(GraphError):
    status, code = 404, "Request_ResourceNotFound"

    def __init__(self, object_id: str) -> None:
        super().__init__(
            f"Resource '{object_id}' does not exist or one of its queried reference-property objects are not present."
        )


class MethodNotAllowed(GraphError):
    status = 405

    def __init__(self) -> None:
        super().__init__("Specified HTTP method is not allowed for the request target.")
