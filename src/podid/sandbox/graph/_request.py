"""What a Graph handler receives and returns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podid.sandbox.graph.errors import GraphBadRequest

if TYPE_CHECKING:
    from podid.sandbox.directory.tenant import Tenant
    from podid.sandbox.graph._authz import Caller

GraphResponse = tuple[int, dict[str, Any] | None]


@dataclass
class GraphRequest:
    method: str
    params: dict[str, str]
    query: dict[str, str]
    body: bytes
    base_url: str  # https://127.0.0.1:8443/v1.0
    tenant: Tenant
    caller: Caller

    def json(self) -> dict[str, Any]:
        """The body as a JSON object, or Graph's 400 for anything else: not UTF-8, not JSON, nested too deeply
        for the parser (RecursionError), or not an object."""
        try:
            value = json.loads(self.body.decode("utf-8-sig")) if self.body else {}
        except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            value = None
        if not isinstance(value, dict):
            raise GraphBadRequest(
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of "
                "valid JSON format.",
                code="BadRequest",
            )
        return value

    def context(self, fragment: str) -> str:
        """The ``@odata.context`` URL for a response."""
        return f"{self.base_url}/$metadata#{fragment}"
