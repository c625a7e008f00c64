"""Protobuf request bodies (``application/vnd.kubernetes.protobuf``) decoded into the object a JSON body gives.

A body is ``k8s\\x00`` and a runtime.Unknown (github.com/kubernetes/apimachinery pkg/runtime/generated.proto:
typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4); ``raw`` is the object's
message, decoded through ``protobuf_schema``. As protobuf does, fields the schema does not name are skipped and
a field sent twice keeps its last value (lists and maps add up); zero values that encoding/json omits (omitempty)
are left out, so the object is the one kubectl would have sent as JSON. Wire format:
https://protobuf.dev/programming-guides/encoding/.

Errors are the apiserver's: a malformed body is a 400 BadRequest with the decoder's text (``transformDecodeError``
in k8s.io/apiserver pkg/endpoints/handlers/rest.go), and a kind without protobuf (custom resources) a 415.
"""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from podid.sandbox.core import nesting
from podid.sandbox.kube.machinery.encoding import MAX_DEPTH, TOO_DEEP, loads
from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.protobuf_schema import INLINE, KEEP, KINDS, LIST, MAP, MESSAGES, Field
from podid.sandbox.kube.machinery.status import bad_request, unsupported_media_type

PROTOBUF = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
# What the apiserver accepts for custom resources (apiextensions-apiserver's unstructured serializers).
_CUSTOM_BODY_TYPES = ("application/json", "application/yaml")
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5
_WIRE_TYPES = {"int": _VARINT, "bool": _VARINT, "double": _FIXED64}
_UINT64 = (1 << 64) - 1
_GO_ZERO_TIME = -62135596800  # time.Time{}.Unix(): January 1, year 1


class _Malformed(ValueError):
    """A body the protobuf decoder refuses; the message is its Go error text."""


def decode_body(body: bytes, expected: tuple[str, str] = ("", "")) -> Obj:
    """The JSON object of a protobuf body; KubeApiError 400 when it is malformed, 415 for a kind without schema.

    ``expected`` is the (apiVersion, kind) the endpoint serves, when known: as the apiserver's default kind it fills
    in what the envelope leaves out and names the kind in errors.
    """
    if expected[1] and expected not in KINDS:  # a custom resource: apiextensions-apiserver has no protobuf
        raise unsupported_media_type(_CUSTOM_BODY_TYPES)
    try:
        api_version, kind, raw = _envelope(body)
    except _Malformed as error:
        raise bad_request(_unrecognized(error, expected[1], body)) from None
    api_version, kind = api_version or expected[0], kind or expected[1]
    # DeleteOptions is registered in every group version (metav1.AddToGroupVersion): clients send their own.
    message = KINDS.get((api_version, kind), "meta.DeleteOptions" if kind == "DeleteOptions" else None)
    if message is None:
        raise unsupported_media_type(_CUSTOM_BODY_TYPES)
    try:
        obj = _decode(raw, message, 0)
        if nesting.nests_deeper(obj, MAX_DEPTH):
            raise _Malformed(TOO_DEEP)
    except _Malformed as error:
        version, into = _quote(api_version.rsplit("/", 1)[-1]), expected[1] or kind
        raise bad_request(f"{kind} in version {version} cannot be handled as a {into}: {error}") from None
    return {"apiVersion": api_version, "kind": kind, **obj}


def _unrecognized(error: _Malformed, kind: str, body: bytes) -> str:
    """transformDecodeError's text for a body whose kind is unknown, with summarizeData's first 30 bytes."""
    if not kind:
        return str(error)
    summary = body[:30].decode(errors="replace") if body[:1] == b"{" else body[:30].hex()
    summary = summary + " ..." if len(body) > 30 else summary or "<empty>"
    return f"the object provided is unrecognized (must be of type {kind}): {error} ({summary})"


def _envelope(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw) of the runtime.Unknown after the magic (k8s.io/apimachinery protobuf.go Decode)."""
    if not body:
        raise _Malformed("empty data")
    if not body.startswith(MAGIC):
        raise _Malformed("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")
    if len(body) == len(MAGIC):
        raise _Malformed("empty body")
    unknown = _decode(body[len(MAGIC) :], "runtime.Unknown", 0)
    type_meta = unknown.get("typeMeta", {})
    return type_meta.get("apiVersion", ""), type_meta.get("kind", ""), unknown.get("raw", b"")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# wire format


def _fields(data: bytes, message: str) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value): an int for varints, bytes otherwise."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number <= 0:
            raise _Malformed(f"proto: {message.rsplit('.', 1)[-1]}: illegal tag {number} (wire type {wire})")
        value, pos = _field_value(data, pos, wire)
        yield number, wire, value


def _field_value(data: bytes, pos: int, wire: int) -> tuple[int | bytes, int]:
    if wire == _VARINT:
        return _varint(data, pos)
    if wire == _BYTES:
        length, pos = _varint(data, pos)
        return _take(data, pos, length)
    if wire in (_FIXED64, _FIXED32):
        return _take(data, pos, 8 if wire == _FIXED64 else 4)
    raise _Malformed(f"proto: illegal wireType {wire}")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if shift >= 64:
            raise _Malformed("proto: integer overflow")
        if pos >= len(data):
            raise _Malformed("unexpected EOF")
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return result & _UINT64, pos
        shift += 7


def _take(data: bytes, pos: int, length: int) -> tuple[bytes, int]:
    if length > len(data) - pos:
        raise _Malformed("unexpected EOF")
    return data[pos : pos + length], pos + length


# messages


def _decode(data: bytes, message: str, depth: int) -> Obj:
    if depth > MAX_DEPTH:
        raise _Malformed(TOO_DEEP)
    schema = _schema(message)
    obj: Obj = {}
    for number, wire, value in _fields(data, message):
        field = schema.get(number)
        if field is not None:  # unknown fields are skipped, as protobuf skips them
            _set(obj, field, wire, value, depth)
    return obj


def _schema(message: str) -> dict[int, Field]:
    if message.startswith("list:"):  # a named slice: protobuf wraps it in a message
        return {1: ("items", message.removeprefix("list:"), LIST)}
    if message.startswith("map:"):  # a map entry
        return {1: ("key", "string", KEEP), 2: ("value", message.removeprefix("map:"), KEEP)}
    special = _SPECIAL.get(message)
    return special[0] if special is not None else MESSAGES[message]


def _set(obj: Obj, field: Field, wire: int, value: Any, depth: int) -> None:
    name, kind, flags = field
    if flags & MAP:
        entry = _decode(_need(wire, _BYTES, value, name), f"map:{kind}", depth + 1)
        obj.setdefault(name, {})[entry.get("key", "")] = entry.get("value", _zero(kind))
    elif flags & LIST:
        obj.setdefault(name, []).extend(_items(wire, value, kind, name, depth))
    elif flags & INLINE:
        obj.update(_decode(_need(wire, _BYTES, value, name), kind, depth + 1))
    else:
        decoded = _value(wire, value, kind, name, depth)
        if decoded is None or (not flags & KEEP and decoded in ("", 0)):  # absent, as omitempty leaves it
            obj.pop(name, None)
        else:
            obj[name] = decoded


def _items(wire: int, value: Any, kind: str, name: str, depth: int) -> list[Any]:
    """One element, or a packed run of varints (valid encoding of repeated numbers, though Go writes them one by
    one)."""
    if wire != _BYTES or _WIRE_TYPES.get(kind) != _VARINT:
        return [_value(wire, value, kind, name, depth)]
    items, pos = [], 0
    while pos < len(value):
        number, pos = _varint(value, pos)
        items.append(_value(_VARINT, number, kind, name, depth))
    return items


def _value(wire: int, value: Any, kind: str, name: str, depth: int) -> Any:
    value = _need(wire, _WIRE_TYPES.get(kind, _BYTES), value, name)
    scalar = _SCALARS.get(kind)
    if scalar is not None:
        return scalar(value)
    decoded = _decode(value, kind, depth + 1)
    special = _SPECIAL.get(kind)
    if special is not None:
        return special[1](decoded)
    return decoded.get("items", []) if kind.startswith("list:") else decoded


def _need(wire: int, expected: int, value: Any, name: str) -> Any:
    if wire != expected:
        raise _Malformed(f"proto: wrong wireType = {wire} for field {name[:1].upper()}{name[1:]}")
    return value


def _zero(kind: str) -> Any:
    """A map entry without a value holds the value type's zero."""
    zeros: dict[str, Any] = {"string": "", "bytes": "", "int": 0, "bool": False, "quantity": "0"}
    return [] if kind.startswith("list:") else zeros.get(kind, {})


# JSON forms


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _double(value: bytes) -> float | int:
    number: float = struct.unpack("<d", value)[0]
    if not math.isfinite(number):  # encoding/json cannot write it either
        raise _Malformed(f"json: unsupported value: {'NaN' if math.isnan(number) else f'{number:+}'.title()}")
    return int(number) if number.is_integer() else number  # encoding/json writes 1, not 1.0


def _json(value: bytes) -> Any:
    if not value:
        return None
    try:
        return loads(value)
    except ValueError as error:
        raise _Malformed(str(error)) from None


def _time(fraction: bool) -> Callable[[Obj], str | None]:
    """metav1.Time (RFC 3339, seconds) or MicroTime (microseconds), always UTC; the zero time is null."""

    def finish(fields: Obj) -> str | None:
        seconds, nanos = fields.get("seconds", 0), fields.get("nanos", 0)
        if not fields or seconds == _GO_ZERO_TIME:  # metav1 writes the zero time as an empty message
            return None
        try:
            moment = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, ValueError, OSError):
            raise _Malformed(f"parsing time: seconds {seconds} out of range") from None
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        return f"{text}.{nanos // 1000:06d}Z" if fraction else f"{text}Z"

    return finish


def _either(first: str, second: str, default: Any) -> Callable[[Obj], Any]:
    """apiextensions' JSONSchemaPropsOr*: the schema when set, else the other form (marshal.go)."""
    return lambda fields: fields[first] if first in fields else fields.get(second, default)


_SCALARS: dict[str, Callable[[Any], Any]] = {
    "int": _signed,
    "bool": bool,
    "double": _double,
    "string": _text,
    "bytes": lambda value: base64.b64encode(value).decode(),
    "json": _json,
    "rawbytes": lambda value: value,
}
_SCHEMA_PROPS = "apiextensions.JSONSchemaProps"
# Messages outside the generated table, with their own JSON form: (schema, JSON of the decoded fields).
_SPECIAL: dict[str, tuple[dict[int, Field], Callable[[Obj], Any]]] = {
    "runtime.Unknown": (
        {1: ("typeMeta", "runtime.TypeMeta", 0), 2: ("raw", "rawbytes", 0)},
        lambda fields: fields,
    ),
    "runtime.TypeMeta": ({1: ("apiVersion", "string", 0), 2: ("kind", "string", 0)}, lambda fields: fields),
    "time": ({1: ("seconds", "int", KEEP), 2: ("nanos", "int", KEEP)}, _time(fraction=False)),
    "microtime": ({1: ("seconds", "int", KEEP), 2: ("nanos", "int", KEEP)}, _time(fraction=True)),
    "quantity": ({1: ("string", "string", 0)}, lambda fields: fields.get("string", "0")),
    "intorstring": (
        {1: ("type", "int", 0), 2: ("intVal", "int", 0), 3: ("strVal", "string", 0)},
        lambda fields: fields.get("strVal", "") if fields.get("type") == 1 else fields.get("intVal", 0),
    ),
    "raw": ({1: ("raw", "json", KEEP)}, lambda fields: fields.get("raw")),
    "schemaorarray": (
        {1: ("schema", _SCHEMA_PROPS, 0), 2: ("items", _SCHEMA_PROPS, LIST)},
        _either("schema", "items", []),
    ),
    "schemaorbool": ({1: ("allows", "bool", 0), 2: ("schema", _SCHEMA_PROPS, 0)}, _either("schema", "allows", False)),
    "schemaorstrings": (
        {1: ("schema", _SCHEMA_PROPS, 0), 2: ("property", "string", LIST)},
        _either("schema", "property", []),
    ),
}
