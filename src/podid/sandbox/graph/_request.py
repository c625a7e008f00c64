"""What a Graph handler receives and returns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podid.sandbox.graph.errors import GraphBadRequest

if TYPE_CHECKING:
    from podid.sandbox.cloud import Cloud

GraphResponse = tuple[int, dict[str, Any] | None]


@dataclass
class GraphRequest:
    method: str
    params: dict[str, str]
    query: dict[str, str]
    body: bytes
    base_url: str  # https://127.0.0.1:8443/v1.0
    cloud: Cloud

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or b"{}")
        except (ValueError, UnicodeDecodeError):
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
