"""What an ARM handler receives and returns; wire shapes stay here and in handlers, not in models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from podid.sandbox.arm.errors import BadRequest, InvalidRequestContent
from podid.sandbox.arm.operations import Operations
from podid.sandbox.core import nesting
from podid.sandbox.core.settings import CloudSettings

B = TypeVar("B")

DEFAULT_PAGE_SIZE = 100
# ARM reads bodies with Json.NET, whose JsonSerializerSettings.MaxDepth defaults to 64 since 13.0.1
# (https://github.com/JamesNK/Newtonsoft.Json/releases/tag/13.0.1).
MAX_JSON_DEPTH = 64


@dataclass(frozen=True)
class Caller:
    """The authenticated principal behind a request (from its bearer token)."""

    object_id: str
    app_id: str
    tenant_id: str


@dataclass
class ArmRequest(Generic[B]):
    """One request as its route's handler sees it: the wire, the caller, the provider's own backend, and what
    every handler shares (the sandbox's settings and its long-running operations)."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]  # keys lower-cased
    headers: dict[str, str]  # keys lower-cased
    body: bytes
    api_version: str
    caller: Caller
    base_url: str  # https://127.0.0.1:8443 (no trailing slash)
    backend: B  # the backend of the provider whose route matched
    settings: CloudSettings
    operations: Operations

    def json(self) -> dict[str, Any]:
        """The request body as a JSON object; ARM answers 400 InvalidRequestContent otherwise."""
        if not self.body.strip():
            return {}
        try:
            value = nesting.loads(self.body, MAX_JSON_DEPTH)
        except nesting.TooDeep:
            raise InvalidRequestContent(
                "The request content was invalid and could not be deserialized: "
                f"'The reader's MaxDepth of {MAX_JSON_DEPTH} has been exceeded.'."
            ) from None
        except ValueError as error:
            raise InvalidRequestContent(
                f"The request content was invalid and could not be deserialized: '{error}'."
            ) from error
        if not isinstance(value, dict):
            raise InvalidRequestContent(
                "The request content was invalid and could not be deserialized: 'expected a JSON object'."
            )
        return value

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def top(self) -> int | None:
        raw = self.query.get("$top")
        if raw is None:
            return None
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise BadRequest(
                f"The value '{raw}' of query parameter '$top' is not valid.", code="InvalidQueryParameterValue"
            )
        return int(raw)

    def url(self, path: str, **query: str) -> str:
        """An absolute URL on this host, as nextLink and LRO headers must be."""
        query.setdefault("api-version", self.api_version)
        return f"{self.base_url}{path}?{urlencode(query)}"


@dataclass
class ArmResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def ok(body: Any, **headers: str) -> ArmResponse:
    return ArmResponse(200, body, dict(headers))


def created(body: Any, **headers: str) -> ArmResponse:
    return ArmResponse(201, body, dict(headers))


def no_content() -> ArmResponse:
    return ArmResponse(204)


def page(request: ArmRequest[Any], items: list[dict[str, Any]], *, skip_token: str = "$skipToken") -> ArmResponse:
    """One page of a list with an absolute nextLink, honouring $top and the skip token."""
    raw_skip = request.query.get(skip_token.lower(), "0")
    start = int(raw_skip) if raw_skip.isascii() and raw_skip.isdigit() else 0
    size = request.top() or DEFAULT_PAGE_SIZE
    body: dict[str, Any] = {"value": items[start : start + size]}
    if start + size < len(items):
        extra = {key: value for key, value in request.query.items() if key not in {skip_token.lower(), "api-version"}}
        body["nextLink"] = request.url(request.path, **extra, **{skip_token: str(start + size)})
    return ok(body)
