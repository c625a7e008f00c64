"""Reading protobuf responses in tests: the fields of a message, length-delimited watch frames, and Status bodies
(decoded through the sandbox's own decoder, which knows Status under meta.k8s.io/v1)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.protobuf import decode_body
from tests.kube_unit.test_protobuf import envelope


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if byte < 0x80:
            return result, pos


def fields(data: bytes) -> Iterator[tuple[int, bytes | int]]:
    """(number, value) of each field: varints as ints, length-delimited fields as bytes."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        if key & 7 == 0:
            value, pos = _varint(data, pos)
            yield key >> 3, value
            continue
        assert key & 7 == 2, f"wire type {key & 7}"
        length, pos = _varint(data, pos)
        yield key >> 3, data[pos : pos + length]
        pos += length


def unwrap(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw) of a ``k8s\\x00`` body."""
    assert body[:4] == b"k8s\x00"
    unknown = dict(fields(body[4:]))
    type_meta = dict(fields(bytes(unknown[1])))  # type: ignore[arg-type]
    return bytes(type_meta[1]).decode(), bytes(type_meta[2]).decode(), bytes(unknown[2])  # type: ignore[arg-type]


def decode_status(body: bytes) -> Obj:
    api_version, kind, raw = unwrap(body)
    assert kind == "Status"
    return {**decode_body(envelope("meta.k8s.io/v1", "Status", raw)), "apiVersion": api_version}


def frames(stream: bytes) -> Iterator[tuple[str, bytes]]:
    """(type, object envelope) of each length-prefixed WatchEvent."""
    pos = 0
    while pos < len(stream):
        (length,) = struct.unpack(">I", stream[pos : pos + 4])
        event = dict(fields(stream[pos + 4 : pos + 4 + length]))
        pos += 4 + length
        yield bytes(event[1]).decode(), bytes(dict(fields(bytes(event[2])))[1])  # type: ignore[arg-type]
