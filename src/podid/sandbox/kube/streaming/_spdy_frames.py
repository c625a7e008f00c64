"""SPDY/3.1 frames as kubectl's spdystream writes and reads them (moby/spdystream spdy/types.go, read.go,
write.go; the draft's section 2.2): 8-byte headers, control frames with a version of 3, and name/value header
blocks compressed with one zlib stream per direction, primed with the draft's dictionary and flushed with
Z_SYNC_FLUSH after every block.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
REFUSED_STREAM = 3
MAX_DATA = (1 << 24) - 1

# The SPDY/3 header dictionary (draft 3, section 2.6.10.1; spdystream spdy/dictionary.go): length-prefixed
# words, then a tail of status lines, dates and media types.
_WORDS = [
    "options",
    "head",
    "post",
    "put",
    "delete",
    "trace",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "connection",
    "content-base",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
    "via",
    "warning",
    "www-authenticate",
    "method",
    "get",
    "status",
    "200 OK",
    "version",
    "HTTP/1.1",
    "url",
    "public",
    "set-cookie",
    "keep-alive",
    "origin",
]
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
    "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)
DICTIONARY = b"".join(struct.pack(">I", len(w)) + w.encode() for w in _WORDS) + _TAIL.encode()

Headers = dict[str, str]


class ProtocolError(Exception):
    """The peer sent something that is not SPDY/3.1."""


@dataclass(frozen=True)
class Frame:
    """A frame read: ``kind`` 0 for DATA (then ``stream`` and ``payload``), else the control frame's type."""

    kind: int
    flags: int
    stream: int
    payload: bytes = b""
    headers: Headers | None = None
    value: int = 0  # PING's id, RST_STREAM's status, GOAWAY's last stream


class HeaderCodec:
    """The two zlib contexts of one connection: what we send and what we receive."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(zlib.Z_BEST_COMPRESSION, zdict=DICTIONARY)
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)

    def encode(self, headers: Headers) -> bytes:
        block = struct.pack(">I", len(headers))
        for name, value in headers.items():
            raw_name, raw_value = name.lower().encode(), value.encode()
            block += struct.pack(">I", len(raw_name)) + raw_name + struct.pack(">I", len(raw_value)) + raw_value
        return self._deflate.compress(block) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    def decode(self, compressed: bytes) -> Headers:
        try:
            block = self._inflate.decompress(compressed)
        except zlib.error as error:
            raise ProtocolError(f"header block: {error}") from None
        headers: Headers = {}
        count, offset = _u32(block, 0), 4
        for _ in range(count):
            name, offset = _string(block, offset)
            value, offset = _string(block, offset)
            headers[name.lower()] = value.split("\x00", 1)[0]  # several values are NUL-separated: the first
        return headers


def _u32(data: bytes, offset: int) -> int:
    if offset + 4 > len(data):
        raise ProtocolError("truncated header block")
    return int(struct.unpack_from(">I", data, offset)[0])


def _string(data: bytes, offset: int) -> tuple[str, int]:
    length = _u32(data, offset)
    end = offset + 4 + length
    if end > len(data):
        raise ProtocolError("truncated header block")
    return data[offset + 4 : end].decode(errors="replace"), end


def control(kind: int, flags: int, body: bytes) -> bytes:
    return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(body)) + body


def data(stream: int, payload: bytes, flags: int = 0) -> bytes:
    return struct.pack(">II", stream & 0x7FFFFFFF, (flags << 24) | len(payload)) + payload


def syn_reply(codec: HeaderCodec, stream: int, headers: Headers, flags: int = 0) -> bytes:
    return control(SYN_REPLY, flags, struct.pack(">I", stream) + codec.encode(headers))


def rst_stream(stream: int, status: int) -> bytes:
    return control(RST_STREAM, 0, struct.pack(">II", stream, status))


def ping(ping_id: int) -> bytes:
    return control(PING, 0, struct.pack(">I", ping_id))


def goaway(last_stream: int) -> bytes:
    return control(GOAWAY, 0, struct.pack(">II", last_stream, 0))


def parse_header(head: bytes) -> tuple[bool, int, int, int]:
    """(is control, type or stream id, flags, length) of an 8-byte frame header."""
    first, second = struct.unpack(">II", head)
    flags, length = second >> 24, second & 0xFFFFFF
    if first & 0x80000000:
        if (first >> 16) & 0x7FFF != VERSION:
            raise ProtocolError(f"unsupported SPDY version {(first >> 16) & 0x7FFF}")
        return True, first & 0xFFFF, flags, length
    return False, first & 0x7FFFFFFF, flags, length


def parse_control(codec: HeaderCodec, kind: int, flags: int, body: bytes) -> Frame:
    """A control frame's fields; header blocks go through the codec (in order, as the zlib stream needs)."""
    if kind == SYN_STREAM:
        if len(body) < 10:
            raise ProtocolError("short SYN_STREAM")
        return Frame(kind, flags, _u32(body, 0) & 0x7FFFFFFF, headers=codec.decode(body[10:]))
    if kind in (SYN_REPLY, HEADERS):
        return Frame(kind, flags, _u32(body, 0) & 0x7FFFFFFF, headers=codec.decode(body[4:]))
    if kind == RST_STREAM:
        return Frame(kind, flags, _u32(body, 0) & 0x7FFFFFFF, value=_u32(body, 4))
    if kind == PING:
        return Frame(kind, flags, 0, value=_u32(body, 0))
    if kind == GOAWAY:
        return Frame(kind, flags, 0, value=_u32(body, 0) & 0x7FFFFFFF)
    return Frame(kind, flags, 0, payload=body)  # SETTINGS, WINDOW_UPDATE: spdystream sends them, needs no answer
