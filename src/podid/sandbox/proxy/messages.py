"""HTTP/1.1 messages as the proxy handles them: heads it reads, how long the body after each one is, and the
answers it gives itself (RFC 9112)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

_REALM = 'Basic realm="podid sandbox"'


class Refused(Exception):
    """A request the proxy answers itself; ``keeps_connection``: the client may send its next request on the same
    connection (the request had no body left unread), as after a 407 a client retries with its credential."""

    def __init__(
        self, status: int, reason: str, body: str, headers: tuple[str, ...] = (), keeps_connection: bool = False
    ) -> None:
        super().__init__(body)
        self.status, self.reason, self.body, self.headers = status, reason, body, headers
        self.keeps_connection = keeps_connection

    def response(self, keep_alive: bool) -> bytes:
        body = self.body.encode() + b"\n"
        lines = [f"HTTP/1.1 {self.status} {self.reason}", "Content-Type: text/plain; charset=utf-8"]
        lines += [*self.headers, f"Content-Length: {len(body)}"]
        lines += ([] if keep_alive else ["Connection: close"]) + ["", ""]
        return "\r\n".join(lines).encode() + body


def unauthenticated(why: str) -> Refused:
    text = f"podid sandbox proxy: {why}"
    return Refused(407, "Proxy Authentication Required", text, (f"Proxy-Authenticate: {_REALM}",), True)


def not_played(target: str) -> Refused:
    return Refused(403, "Forbidden", f"podid sandbox proxy: {target} is not a host the sandbox plays", (), True)


def bad_request(why: str) -> Refused:
    return Refused(400, "Bad Request", f"podid sandbox proxy: {why}")


class Body(Enum):
    NONE = "none"
    LENGTH = "length"  # Content-Length bytes
    CHUNKED = "chunked"
    UNTIL_CLOSE = "until close"  # a response without either: the connection ends it


@dataclass(frozen=True)
class Head:
    """A start line split in three (a request's method, target, version; a response's version, status, reason)
    and the header fields in order, names lower-cased."""

    start: tuple[str, str, str]
    fields: tuple[tuple[str, str], ...]

    @classmethod
    def request(cls, raw: bytes) -> Head:
        """Raises ValueError for anything that is not an HTTP/1.x request head."""
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise ValueError("malformed request line")
        return cls((parts[0], parts[1], parts[2]), _fields(lines[1:]))

    @classmethod
    def response(cls, raw: bytes) -> Head:
        """Raises ValueError for anything that is not an HTTP/1.x response head."""
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) != 3 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ValueError("malformed status line")
        return cls((parts[0], parts[1], parts[2]), _fields(lines[1:]))

    def get(self, name: str) -> str | None:
        """The field's values joined (RFC 9110 section 5.3), None without one."""
        values = [value for field, value in self.fields if field == name]
        return ", ".join(values) if values else None

    def tokens(self, name: str) -> list[str]:
        return [token.strip().lower() for token in (self.get(name) or "").split(",") if token.strip()]

    def keep_alive(self, version: str) -> bool:
        """Whether the sender keeps the connection open after this message (RFC 9112 section 9.3)."""
        connection = self.tokens("connection")
        return "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)

    def length(self) -> int | None:
        """Content-Length; ValueError when it is not one non-negative number."""
        values = {value.strip() for value in (self.get("content-length") or "").split(",") if value.strip()}
        if not values:
            return None
        if len(values) != 1 or not (value := values.pop()).isdigit():
            raise ValueError("invalid Content-Length")
        return int(value)


def _fields(lines: list[str]) -> tuple[tuple[str, str], ...]:
    fields = []
    for line in filter(None, lines):
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise ValueError("malformed header line")
        fields.append((name.lower(), value.strip()))
    return tuple(fields)


def request_body(head: Head) -> tuple[Body, int]:
    """How the request's body is framed (RFC 9112 section 6.3); Refused 400 where it cannot be told."""
    try:
        length = head.length()
    except ValueError:
        raise bad_request("invalid Content-Length") from None
    if head.get("transfer-encoding") is not None:
        if length is not None or head.tokens("transfer-encoding")[-1:] != ["chunked"]:
            raise bad_request("a request body must be chunked last, without Content-Length")
        return Body.CHUNKED, 0
    return (Body.LENGTH, length) if length else (Body.NONE, 0)


def response_body(head: Head, method: str) -> tuple[Body, int]:
    """How a response's body is framed (RFC 9112 section 6.3), ``head`` being a final response."""
    status = int(head.start[1])
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return Body.NONE, 0
    if head.get("transfer-encoding") is not None:
        chunked = head.tokens("transfer-encoding")[-1:] == ["chunked"]
        return (Body.CHUNKED, 0) if chunked else (Body.UNTIL_CLOSE, 0)
    length = head.length()
    return (Body.UNTIL_CLOSE, 0) if length is None else (Body.LENGTH, length)
