"""Hostile input shared by the fuzz tests: bodies, path segments, headers and query values no client should send.

Bodies mix the DNS fuzz's random JSON with what breaks parsers: deep nesting (past every service's limit, and
past Python's stack), bytes that are not UTF-8, truncated documents, numbers and constants JSON does not allow,
YAML alias bombs and deep YAML. Oversized bodies are a table of their own (``OVERSIZED``): generating megabytes
per example would make the run slow.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from hypothesis import strategies as st

from tests.dns.test_fuzz import header_text, json_values, text

DEPTHS = st.sampled_from([63, 64, 65, 99, 100, 101, 200, 999, 1000, 5000, 20000])


def _nested(depth: int, opener: bytes, closer: bytes, leaf: bytes = b"1") -> bytes:
    return opener * depth + leaf + closer * depth


deep_json = st.one_of(
    DEPTHS.map(lambda depth: _nested(depth, b"[", b"]")),
    DEPTHS.map(lambda depth: _nested(depth, b'{"a":', b"}")),
    DEPTHS.map(lambda depth: b'{"properties":' + _nested(depth, b'{"a":[', b"]}") + b"}"),
    DEPTHS.map(lambda depth: b"[" * depth),  # never closed
)


def yaml_bomb(levels: int, fanout: int) -> bytes:
    """The "billion laughs": each anchor is a list of ``fanout`` aliases of the one before."""
    lines = ["a0: &a0 [lol]"]
    for level in range(1, levels):
        aliases = ", ".join([f"*a{level - 1}"] * fanout)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  " + "\n  ".join(lines) + "\n").encode()


yaml_bodies = st.one_of(
    st.builds(yaml_bomb, st.integers(3, 9), st.integers(2, 10)),
    st.sampled_from([b"a: &x [*x]\n", b"- " * 3000, b"x: " + b"[" * 3000, b"a: *missing\n", b"--- 1\n--- 2\n"]),
)
not_utf8 = st.binary(max_size=32).map(lambda raw: b"\xff\xfe" + raw + b"\xc3\x28")
odd_json = st.sampled_from(
    [b"", b" ", b"null", b"[]", b'"x"', b"1e999999", b"NaN", b"-Infinity", b'{"a":1,"a":2}', b"\x00", b"{", b'{"a"']
)
hostile_bodies = st.one_of(
    st.none(),
    st.binary(max_size=64),
    not_utf8,
    odd_json,
    deep_json,
    yaml_bodies,
    json_values.map(lambda value: json.dumps(value).encode()),
)

# Path segments: known names in odd case, encoded control characters and separators, dot segments, long ones.
_raw_segments = st.one_of(
    text,
    st.sampled_from(["..", ".", "%", "a\nb", "a\rb", "\x00", "a/b", "a\\b", "a?b", "a#b", "ü", "\u202e", " ", "@"]),
    st.integers(250, 2000).map(lambda length: "x" * length),
)
# Dot segments are sent encoded: a client would resolve a bare ".." before sending, leaving the API's prefix.
hostile_segments = _raw_segments.map(lambda raw: quote(raw, safe="").replace(".", "%2E") or "x")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# Bearer tokens shaped like JWTs whose header or payload nest past Python's stack (and fit in an 8 KB header).
_HEADER, _DEEP_LIST, _DEEP_OBJECT = b'{"alg":"RS256"}', _nested(1500, b"[", b"]"), _nested(1200, b'{"":', b"}")
DEEP_JWTS = [".".join(map(_b64, parts)) for parts in ((_DEEP_LIST, b"{}", b"x"), (_HEADER, _DEEP_OBJECT, b"x"))]

content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "application/yaml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=zz",
        "multipart/form-data",
        "text/plain",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/json-patch+json",
        "application/apply-patch+yaml",
        "application/vnd.kubernetes.protobuf",
        "*/*",
        "",
    ]
)
query_values = header_text | text | st.sampled_from(["%", "%ZZ", "\u00ff", "0", "-1", "99999999999999999999"])
methods = st.sampled_from(["GET", "PUT", "PATCH", "POST", "DELETE", "HEAD", "OPTIONS"])
