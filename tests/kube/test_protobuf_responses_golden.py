"""Protobuf responses are written byte for byte as kube-apiserver writes them, from the schema the decoder reads.

Each upstream compatibility fixture (``protobuf_fixtures``: the same object as JSON and as Go's protobuf serializer
writes it) is encoded from its JSON to exactly its ``.pb`` bytes, and decoded back to its JSON, so
decode(encode(x)) == x for every built-in kind the sandbox serves that upstream has a fixture for. Lists of each
kind (their items without apiVersion/kind, which protobuf lists do not carry), a Status and a watch frame are
encoded and decoded back.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.protobuf import decode_body
from podid.sandbox.kube.machinery.protobuf_encode import encode_object, watch_frame
from podid.sandbox.kube.machinery.protobuf_schema import KINDS
from tests.kube.protobuf_wire import decode_status, fields

FIXTURES = Path(__file__).parent / "protobuf_fixtures"
NAMES = sorted(path.stem for path in FIXTURES.glob("*.pb"))


def _fixture(name: str) -> tuple[Obj, bytes]:
    return json.loads((FIXTURES / f"{name}.json").read_text()), (FIXTURES / f"{name}.pb").read_bytes()


def _fixture_name(api_version: str, kind: str) -> str:
    group, _, version = api_version.rpartition("/")
    return f"{group or 'core'}.{version}.{kind}"


def test_every_served_kind_with_an_upstream_fixture_is_covered() -> None:
    served = {_fixture_name(*key) for key in KINDS}
    assert set(NAMES) <= served
    assert len(NAMES) >= 20


@pytest.mark.parametrize("name", NAMES)
def test_encoded_as_upstream_writes_it(name: str) -> None:
    obj, written = _fixture(name)
    assert encode_object(obj) == written


@pytest.mark.parametrize("name", NAMES)
def test_decode_of_encode_is_the_object(name: str) -> None:
    obj, _ = _fixture(name)
    assert decode_body(encode_object(obj)) == obj


LISTS = [(api_version, kind) for api_version, kind in KINDS if kind.endswith("List")]


@pytest.mark.parametrize(("api_version", "kind"), LISTS, ids=[kind for _, kind in LISTS])
def test_lists_round_trip(api_version: str, kind: str) -> None:
    path = FIXTURES / f"{_fixture_name(api_version, kind.removesuffix('List'))}.json"
    item: Obj = json.loads(path.read_text()) if path.exists() else _canonical(api_version, kind.removesuffix("List"))
    bare = {key: value for key, value in item.items() if key not in ("apiVersion", "kind")}
    metadata = {"resourceVersion": "42", "continue": "token", "remainingItemCount": 3}
    listed = {"apiVersion": api_version, "kind": kind, "metadata": metadata, "items": [item, item]}
    assert decode_body(encode_object(listed)) == {**listed, "items": [bare, bare]}


def _canonical(api_version: str, kind: str) -> Obj:
    """A small object of a kind without a fixture, with the zero values Go's JSON writes (empty structs)."""
    return decode_body(encode_object({"apiVersion": api_version, "kind": kind, "metadata": {"name": "a"}}))


def test_a_status_and_its_envelope() -> None:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "web" not found',
        "reason": "NotFound",
        "details": {"name": "web", "kind": "pods"},
        "code": 404,
    }
    body = encode_object(status)
    # runtime.Unknown: typeMeta, raw, then an empty contentEncoding and contentType (types_proto.go NestedMarshalTo)
    assert [(number, value) for number, value in fields(body[4:]) if number != 2] == [
        (1, b"\n\x02v1\x12\x06Status"),
        (3, b""),
        (4, b""),
    ]
    assert body.startswith(b"k8s\x00")
    assert decode_status(body) == status


def test_a_watch_frame() -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}, "spec": {}, "status": {}}
    frame = watch_frame("ADDED", namespace)
    (length,) = struct.unpack(">I", frame[:4])
    assert length == len(frame) - 4
    event: dict[int, Any] = dict(fields(frame[4:]))
    assert event[1] == b"ADDED"
    assert dict(fields(event[2])) == {1: encode_object(namespace)}
    assert decode_body(dict(fields(event[2]))[1]) == namespace
