"""Protobuf request bodies decoded into the JSON objects a JSON body gives, messages encoded here by hand.

Covers: the ``k8s\\x00`` runtime.Unknown envelope; a Secret (maps, bytes as base64, a false pointer kept); a
Deployment (a zero pointer kept, omitted zero values, inline VolumeSource and ProbeHandler, IntOrString as int and
string, Quantity, an empty Time dropped, a negative int); Time and MicroTime in UTC; unknown fields of every wire
type skipped; packed repeated ints; a CRD schema (JSON values, doubles, the JSONSchemaPropsOr* forms);
DeleteOptions under any group version; a custom resource is a 415; malformed bodies are 400s with the decoder's
text, wrapped as the apiserver wraps it when the endpoint's kind is known, and so are non-finite doubles; mutated
bodies decode or are refused, never failing otherwise.
"""

from __future__ import annotations

import json
import random
import struct

import pytest

from podid.sandbox.kube.machinery.protobuf import decode_body
from podid.sandbox.kube.machinery.status import KubeApiError

Value = bytes | str | int | bool | float


def varint(number: int) -> bytes:
    number &= (1 << 64) - 1
    out = bytearray()
    while number >= 0x80:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    return bytes(out + bytes([number]))


def field(number: int, value: Value) -> bytes:
    """A field: ints and bools as varints, floats as fixed64, text and bytes (messages) length-delimited."""
    if isinstance(value, bool | int):
        return varint(number << 3) + varint(int(value))
    if isinstance(value, float):
        return varint(number << 3 | 1) + struct.pack("<d", value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def msg(*fields: bytes) -> bytes:
    return b"".join(fields)


def entry(number: int, key: str, value: Value) -> bytes:
    return field(number, msg(field(1, key), field(2, value)))


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    return b"k8s\x00" + msg(field(1, msg(field(1, api_version), field(2, kind))), field(2, raw), field(4, ""))


def refused(body: bytes) -> KubeApiError:
    with pytest.raises(KubeApiError) as raised:
        decode_body(body)
    return raised.value


def bad_request(body: bytes) -> str:
    error = refused(body)
    assert (error.code, error.reason) == (400, "BadRequest")
    return str(error.status["message"])


def test_secret_maps_bytes_and_a_false_pointer() -> None:
    metadata = msg(field(1, "creds"), field(3, "ns"), entry(11, "app", "web"), field(8, b""))
    secret = msg(
        field(1, metadata), entry(2, "pw", b"\x00s3cr=t"), field(3, "Opaque"), entry(4, "x", ""), field(5, False)
    )
    assert decode_body(envelope("v1", "Secret", secret)) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "ns", "labels": {"app": "web"}},
        "data": {"pw": "AHMzY3I9dA=="},
        "type": "Opaque",
        "stringData": {"x": ""},
        "immutable": False,
    }


def _pod_template() -> bytes:
    probe = msg(field(1, msg(field(2, msg(field(1, "/healthz"), field(2, msg(field(1, 1), field(3, "http"))))))))
    resources = msg(field(1, msg(field(1, "cpu"), field(2, msg(field(1, "500m"))))))
    container = msg(
        field(1, "web"),
        field(2, "nginx:1.25"),
        field(6, msg(field(3, 80), field(4, "TCP"), field(2, 0))),
        field(8, resources),
        field(11, probe),
        field(16, False),
    )
    volume = msg(field(1, "cache"), field(2, msg(field(2, b""))))
    spec = msg(field(1, volume), field(2, container), field(4, 30))
    return msg(field(1, msg(entry(11, "app", "web"), field(8, b""))), field(2, spec))


def test_deployment_pointers_zero_values_inline_structs() -> None:
    rolling = msg(field(1, msg(field(1, 0), field(2, 0))), field(2, msg(field(1, 1), field(3, "25%"))))
    spec = msg(
        field(1, 0),
        field(2, msg(entry(1, "app", "web"))),
        field(3, _pod_template()),
        field(4, msg(field(1, "RollingUpdate"), field(2, rolling))),
        field(5, 0),
        field(6, -1),
        field(7, False),
    )
    deployment = decode_body(envelope("apps/v1", "Deployment", msg(field(1, msg(field(1, "web"))), field(2, spec))))
    assert deployment["spec"] == {
        "replicas": 0,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "volumes": [{"name": "cache", "emptyDir": {}}],
                "containers": [
                    {
                        "name": "web",
                        "image": "nginx:1.25",
                        "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "resources": {"limits": {"cpu": "500m"}},
                        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                    }
                ],
                "terminationGracePeriodSeconds": 30,
            },
        },
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
        "revisionHistoryLimit": -1,
    }
    assert deployment["metadata"] == {"name": "web"}
    assert set(deployment) == {"apiVersion", "kind", "metadata", "spec"}


def test_times_are_utc_rfc3339() -> None:
    event = msg(
        field(1, msg(field(1, "e"), field(8, msg(field(1, 1_700_000_000))))),
        field(6, msg(field(1, 1_700_000_000), field(2, 999_999_999))),
        field(7, msg(field(1, 0))),
        field(10, msg(field(1, 1_700_000_000), field(2, 123_456_789))),
    )
    decoded = decode_body(envelope("v1", "Event", event))
    assert decoded["metadata"] == {"name": "e", "creationTimestamp": "2023-11-14T22:13:20Z"}
    assert decoded["firstTimestamp"] == "2023-11-14T22:13:20Z"  # metav1.Time keeps seconds only
    assert decoded["lastTimestamp"] == "1970-01-01T00:00:00Z"  # set, unlike an empty message
    assert decoded["eventTime"] == "2023-11-14T22:13:20.123456Z"


def test_unknown_fields_skipped_and_packed_ints() -> None:
    unknown = msg(field(99, 7), field(98, 1.5), field(97, b"x"), varint(96 << 3 | 5) + b"\x01\x02\x03\x04")
    context = msg(unknown, field(4, varint(1000) + varint(2000)), field(4, 3000))
    pod = msg(field(1, msg(field(1, "p"), unknown)), field(2, msg(field(14, context))), unknown)
    decoded = decode_body(envelope("v1", "Pod", pod))
    assert decoded == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"securityContext": {"supplementalGroups": [1000, 2000, 3000]}},
    }


def test_custom_resource_definition_schema() -> None:
    replicas = msg(field(5, "integer"), field(8, msg(field(1, "3"))), field(9, 10.0), field(11, 0.5))
    labels = msg(field(5, "object"), field(30, msg(field(2, msg(field(5, "string"))))))
    tags = msg(field(5, "array"), field(24, msg(field(1, msg(field(5, "string"))))), field(20, msg(field(1, '"a"'))))
    schema = msg(
        field(5, "object"),
        entry(29, "replicas", replicas),
        entry(29, "labels", labels),
        entry(29, "tags", tags),
        field(30, msg(field(1, False))),
        field(38, True),
    )
    version = msg(field(1, "v1"), field(2, True), field(3, True), field(4, msg(field(1, schema))))
    names = msg(field(1, "widgets"), field(2, "widget"), field(4, "Widget"))
    spec = msg(field(1, "example.com"), field(3, names), field(4, "Namespaced"), field(7, version))
    crd = decode_body(envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", msg(field(2, spec))))
    assert crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] == {
        "type": "object",
        "properties": {
            "replicas": {"type": "integer", "default": 3, "maximum": 10, "minimum": 0.5},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "tags": {"type": "array", "items": {"type": "string"}, "enum": ["a"]},
        },
        "additionalProperties": False,
        "x-kubernetes-preserve-unknown-fields": True,
    }
    assert crd["spec"]["names"] == {"plural": "widgets", "singular": "widget", "kind": "Widget"}


def test_delete_options_under_any_group_version() -> None:
    options = msg(field(1, 0), field(2, msg(field(1, "uid-1"))), field(4, "Foreground"))
    assert decode_body(envelope("apps/v1", "DeleteOptions", options)) == {
        "apiVersion": "apps/v1",
        "kind": "DeleteOptions",
        "gracePeriodSeconds": 0,
        "preconditions": {"uid": "uid-1"},
        "propagationPolicy": "Foreground",
    }


def test_custom_resource_is_415() -> None:
    error = refused(envelope("aadpodidentity.k8s.io/v1", "AzureIdentity", msg(field(1, msg(field(1, "id"))))))
    assert (error.code, error.reason) == (415, "UnsupportedMediaType")
    assert error.status["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml"
    )


def _nested_not(depth: int) -> bytes:
    schema = msg(field(5, "object"))
    for _ in range(depth):
        schema = msg(field(28, schema))
    return schema


NAMESPACE = 'Namespace in version "v1" cannot be handled as a Namespace: '
MALFORMED: list[tuple[bytes, str]] = [
    (b"", "empty data"),
    (b'{"kind":"Namespace"}', "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"),
    (b"k8s\x00", "empty body"),
    (b"k8s\x00\x0a\x05ab", "unexpected EOF"),
    (b"k8s\x00\x08" + b"\xff" * 10 + b"\x01", "proto: integer overflow"),
    (envelope("v1", "Namespace", field(1, 5)), NAMESPACE + "proto: wrong wireType = 0 for field Metadata"),
    (envelope("v1", "Namespace", b"\x00\x01"), NAMESPACE + "proto: Namespace: illegal tag 0 (wire type 0)"),
    (envelope("v1", "Namespace", b"\x4e"), NAMESPACE + "proto: illegal wireType 6"),
    (envelope("v1", "Namespace", field(1, msg(field(1, "a"))) + b"\x12\x10"), NAMESPACE + "unexpected EOF"),
]


@pytest.mark.parametrize(("body", "message"), MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_bodies_are_400(body: bytes, message: str) -> None:
    assert bad_request(body) == message


UNRECOGNIZED = "the object provided is unrecognized (must be of type Namespace): "


def test_errors_name_the_endpoints_kind() -> None:
    """transformDecodeError: an envelope that does not decode names the endpoint's kind and the body's first 30
    bytes (hex, or text for a JSON-looking body); a malformed object names the kind it was decoded into."""

    def bad(body: bytes) -> str:
        with pytest.raises(KubeApiError) as raised:
            decode_body(body, ("v1", "Namespace"))
        assert raised.value.code == 400
        return str(raised.value)

    assert bad(b"") == UNRECOGNIZED + "empty data (<empty>)"
    assert bad(b"k8s\x00\x0a\x05ab") == UNRECOGNIZED + "unexpected EOF (6b3873000a056162)"
    json_body = b'{"kind":"Namespace","apiVersion":"v1"}'
    assert bad(json_body) == (
        UNRECOGNIZED + "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] "
        '({"kind":"Namespace","apiVersio ...)'
    )
    pod = envelope("v1", "Pod", field(1, 5))
    assert (
        bad(pod) == 'Pod in version "v1" cannot be handled as a Namespace: proto: wrong wireType = 0 for field Metadata'
    )


def test_envelope_without_type_meta_takes_the_endpoints_kind() -> None:
    body = b"k8s\x00" + field(2, msg(field(1, msg(field(1, "ns")))))
    assert decode_body(body, ("v1", "Namespace")) == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "ns"},
    }
    with pytest.raises(KubeApiError) as raised:
        decode_body(envelope("v1", "Namespace", b""), ("aadpodidentity.k8s.io/v1", "AzureIdentity"))
    assert raised.value.code == 415


def test_too_deep_and_bad_json_are_400() -> None:
    version = msg(field(1, "v1"), field(4, msg(field(1, _nested_not(150)))))
    crd = envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", msg(field(2, msg(field(7, version)))))
    prefix = 'CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: '
    assert bad_request(crd) == prefix + "exceeded max depth"
    bad_default = msg(field(8, msg(field(1, "{nope"))))
    version = msg(field(1, "v1"), field(4, msg(field(1, bad_default))))
    crd = envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", msg(field(2, msg(field(7, version)))))
    assert bad_request(crd).startswith(prefix + "Expecting property name enclosed in double quotes")


def test_non_finite_double_is_400() -> None:
    schema = msg(field(9, float("inf")))
    version = msg(field(1, "v1"), field(4, msg(field(1, schema))))
    crd = envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", msg(field(2, msg(field(7, version)))))
    assert bad_request(crd).endswith(": json: unsupported value: +Inf")


def test_mutated_bodies_decode_or_are_refused() -> None:
    """3,000 derandomized mutations (bytes changed, dropped, inserted) of valid bodies: each decodes into a
    JSON-encodable object or is a 400/415, never another exception."""
    seeds = [
        envelope("v1", "Secret", msg(field(1, msg(field(1, "a"), entry(11, "k", "v"))), entry(2, "pw", b"x"))),
        envelope("apps/v1", "Deployment", msg(field(2, msg(field(1, 0), field(3, _pod_template()))))),
    ]
    rng, outcomes = random.Random(13), set()
    for _ in range(3000):
        body = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            at, byte, change = rng.randrange(len(body)), rng.randrange(256), rng.randrange(3)
            if change == 0:
                body[at] = byte
            elif change == 1:
                del body[at]
            else:
                body.insert(at, byte)
        try:
            json.dumps(decode_body(bytes(body), ("v1", "Secret")), allow_nan=False)
            outcomes.add(200)
        except KubeApiError as error:
            outcomes.add(error.code)
    assert outcomes == {200, 400, 415}
