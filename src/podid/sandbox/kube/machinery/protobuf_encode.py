"""API objects written as ``application/vnd.kubernetes.protobuf``, from the schema the request decoder reads.

A body is ``k8s\\x00`` and a runtime.Unknown: typeMeta {apiVersion, kind}, raw (the object's message), then an empty
contentEncoding and contentType, all four always written (k8s.io/apimachinery pkg/runtime/types_proto.go
``NestedMarshalTo``; pkg/runtime/serializer/protobuf/protobuf.go ``doEncode``). The object's message is written as
the gogo-generated marshallers of k8s.io/api write it (generated.pb.go): fields by number; a non-pointer field
always, its zero value included (an absent string is "", an absent struct its zero message); a pointer, a byte
slice, a slice or a map only when set; a map as one key/value entry message per key, keys sorted; a list element
per field, numbers unpacked. Own forms: metav1.Time as a Timestamp {seconds, nanos}, nothing for the zero time
(pkg/apis/meta/v1/time_proto.go); MicroTime likewise with its microseconds; a Quantity as its string;
IntOrString as {type, intVal, strVal}; FieldsV1, RawExtension and apiextensions.JSON as their JSON bytes.

A watch in protobuf is a stream of WatchEvents {type, object: RawExtension{raw: the object's whole envelope}},
each framed by its length as a 4-byte big-endian prefix (k8s.io/apiserver pkg/endpoints/handlers/watch.go with
the RawSerializer and ``LengthDelimitedFramer``; apimachinery pkg/util/framer ``NewLengthDelimitedFrameWriter``).
"""

from __future__ import annotations

import base64
import calendar
import struct
from collections.abc import Callable
from datetime import datetime
from typing import Any

from podid.sandbox.kube.machinery.encoding import dumps
from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.protobuf import MAGIC
from podid.sandbox.kube.machinery.protobuf_schema import INLINE, KINDS, LIST, MAP, MESSAGES, POINTER, Field

_VARINT, _FIXED64, _BYTES = 0, 1, 2
_UINT64 = (1 << 64) - 1
_STATUS = "meta.Status"


def message_of(obj: Obj) -> str | None:
    """The message of an object's (apiVersion, kind), or None when it has none (custom resources)."""
    kind = obj.get("kind")
    if kind == "Status":  # metav1.Status is registered in every group version (metav1.AddToGroupVersion)
        return _STATUS
    return KINDS.get((str(obj.get("apiVersion", "")), str(kind)))


def encode_object(obj: Obj) -> bytes:
    """``k8s\\x00`` + runtime.Unknown of a built-in object, list or Status (``message_of`` must know it)."""
    message = message_of(obj)
    if message is None:
        raise ValueError(f"no protobuf message for {obj.get('apiVersion')}/{obj.get('kind')}")
    type_meta = _string(1, str(obj.get("apiVersion", ""))) + _string(2, str(obj.get("kind", "")))
    unknown = _bytes_field(1, type_meta) + _bytes_field(2, encode_message(message, obj))
    return MAGIC + unknown + _string(3, "") + _string(4, "")


def watch_frame(event_type: str, obj: Obj) -> bytes:
    """One length-prefixed WatchEvent frame of a protobuf watch stream."""
    event = _string(1, event_type) + _bytes_field(2, _bytes_field(1, encode_object(obj)))
    return struct.pack(">I", len(event)) + event


def encode_message(message: str, obj: Obj) -> bytes:
    out = bytearray()
    for number, field in sorted(_schema(message).items()):
        out += _field(number, field, obj)
    return bytes(out)


def _schema(message: str) -> dict[int, Field]:
    if message.startswith("list:"):  # a named slice: protobuf wraps it in a message
        return {1: ("items", message.removeprefix("list:"), LIST)}
    return MESSAGES[message]


def _field(number: int, field: Field, obj: Obj) -> bytes:
    name, kind, flags = field
    if flags & INLINE:  # an embedded struct reads its fields from the parent's JSON
        return _bytes_field(number, encode_message(kind, obj))
    value = obj.get(name)
    if flags & MAP:
        entries = value if isinstance(value, dict) else {}
        return b"".join(_bytes_field(number, _entry(key, entries[key], kind)) for key in sorted(entries))
    if flags & LIST:
        return b"".join(_value(number, kind, item) for item in (value if isinstance(value, list) else []))
    if value is None and (flags & POINTER or kind in _UNLESS_SET):
        return b""
    return _value(number, kind, value)


def _entry(key: str, value: Any, kind: str) -> bytes:
    return _string(1, key) + _value(2, kind, value)


def _value(number: int, kind: str, value: Any) -> bytes:
    """A field holding ``value`` (None: the Go zero value of ``kind``)."""
    if kind in ("int", "bool"):
        return _varint(number << 3 | _VARINT) + _varint(int(value or 0))
    if kind == "double":
        return _varint(number << 3 | _FIXED64) + struct.pack("<d", float(value or 0))
    if kind == "string":
        return _string(number, "" if value is None else str(value))
    own = _OWN_FORMS.get(kind)
    if own is not None:
        return _bytes_field(number, own(value))
    if kind.startswith("list:"):
        return _bytes_field(number, encode_message(kind, {"items": value}))
    return _bytes_field(number, encode_message(kind, value if isinstance(value, dict) else {}))


# own forms


def _time(fraction: bool) -> Callable[[Any], bytes]:
    """metav1.Time: seconds, nanos 0 (its JSON holds seconds); MicroTime: nanos from its microseconds."""

    def encode(value: Any) -> bytes:
        if not value:  # the zero time marshals to nothing
            return b""
        moment = datetime.fromisoformat(str(value))
        return _int(1, calendar.timegm(moment.utctimetuple())) + _int(2, moment.microsecond * 1000 if fraction else 0)

    return encode


def _int_or_string(value: Any) -> bytes:
    if isinstance(value, str):
        return _int(1, 1) + _int(2, 0) + _string(3, value)
    return _int(1, 0) + _int(2, int(value or 0)) + _string(3, "")


def _raw(value: Any) -> bytes:
    """FieldsV1, RawExtension, apiextensions.JSON: their JSON text, nothing when unset."""
    return b"" if value is None else _bytes_field(1, dumps(value))


def _schema_or_array(value: Any) -> bytes:
    if isinstance(value, list):
        return b"".join(_bytes_field(2, encode_message(_SCHEMA_PROPS, item)) for item in value)
    return _bytes_field(1, encode_message(_SCHEMA_PROPS, value or {}))


def _schema_or_bool(value: Any) -> bytes:
    """{allows, schema}: a schema allows (apiextensions v1 marshal.go)."""
    if isinstance(value, dict):
        return _int(1, 1) + _bytes_field(2, encode_message(_SCHEMA_PROPS, value))
    return _int(1, bool(value))


def _schema_or_strings(value: Any) -> bytes:
    if isinstance(value, list):
        return b"".join(_string(2, str(item)) for item in value)
    return _bytes_field(1, encode_message(_SCHEMA_PROPS, value or {}))


_SCHEMA_PROPS = "apiextensions.JSONSchemaProps"
_OWN_FORMS: dict[str, Callable[[Any], bytes]] = {
    "time": _time(fraction=False),
    "microtime": _time(fraction=True),
    "quantity": lambda value: _string(1, "0" if value is None else str(value)),
    "intorstring": _int_or_string,
    "raw": _raw,
    "schemaorarray": _schema_or_array,
    "schemaorbool": _schema_or_bool,
    "schemaorstrings": _schema_or_strings,
    "bytes": lambda value: base64.b64decode(str(value or "")),
}
# []byte fields are written when non-nil, as pointers are; JSON's null or absence is nil
_UNLESS_SET = frozenset({"bytes"})


# wire format


def _varint(number: int) -> bytes:
    number &= _UINT64  # a negative int64 or int32 is written as its 64-bit two's complement
    out = bytearray()
    while number >= 0x80:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def _int(number: int, value: int) -> bytes:
    return _varint(number << 3 | _VARINT) + _varint(value)


def _bytes_field(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | _BYTES) + _varint(len(data)) + data


def _string(number: int, text: str) -> bytes:
    return _bytes_field(number, text.encode())
