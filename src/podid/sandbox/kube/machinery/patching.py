"""PATCH bodies: the patch format comes from the Content-Type, failures become the apiserver's Status errors.

=========================================  ===========================  ==========================================
Content-Type                               built-in kinds               custom resources (aadpodidentity CRDs)
=========================================  ===========================  ==========================================
application/json-patch+json                RFC 6902 (``jsonpatch``)     RFC 6902
application/merge-patch+json               RFC 7386                     RFC 7386 (what kubectl apply sends)
application/strategic-merge-patch+json     strategic merge (kubectl)    415 UnsupportedMediaType
application/apply-patch+yaml               server-side apply            server-side apply
=========================================  ===========================  ==========================================

Server-side apply (``kubectl apply --server-side``) is ``machinery.apply``, with field ownership
(``machinery.managedfields``); its body is read by ``applied_configuration``. ``apply_patch`` still merges an
applied configuration as a strategic merge (a merge patch for custom resources) where no ownership is kept (the
``scale`` subresource).
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import jsonpointer
import yaml

from podid.sandbox.kube.machinery.encoding import DecodeError, load_yaml, loads
from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.status import bad_request, unprocessable, unsupported_media_type
from podid.sandbox.kube.machinery.strategic import strategic_merge_patch

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

_INVALID_MERGE_PATCH = "Invalid JSON Patch"  # evanphx/json-patch's errBadJSONPatch
_GO_TYPES = {list: "array", str: "string", bool: "bool", int: "number", float: "number"}


def accepted_patch_types(rt: ResourceType) -> tuple[str, ...]:
    """The media types a PATCH on ``rt`` accepts, in the order the 415 message lists them."""
    if rt.custom:
        return (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)
    return (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)


def apply_patch(obj: Obj, body: bytes | str, content_type: str | None, rt: ResourceType) -> Obj:
    """Return ``obj`` (not modified) with the PATCH ``body`` applied; raises KubeApiError (400/415/422/500)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in accepted_patch_types(rt):
        raise unsupported_media_type(accepted_patch_types(rt))
    text = _text(body)
    if media_type == JSON_PATCH:
        return _json_patch(obj, _decode_json(text))
    if media_type == MERGE_PATCH:
        return _merge_patch_body(obj, text)
    if media_type == STRATEGIC_MERGE_PATCH:
        return strategic_merge_patch(obj, _json_object(text), rt.kind)
    applied = _decode_yaml(text)
    return merge_patch(obj, applied) if rt.custom else strategic_merge_patch(obj, applied, rt.kind)


def applied_configuration(body: bytes | str) -> Obj:
    """The object an ``application/apply-patch+yaml`` body holds (YAML or JSON); 400 when it is none. kubectl and
    the client libraries send JSON, read as such (much faster than the YAML parser, same result)."""
    text = _text(body)
    if text.lstrip().startswith("{"):
        try:
            value = loads(text, parse_constant=_reject_constant)
        except ValueError:
            return _decode_yaml(text)  # YAML's flow style, or malformed: YAML's verdict
        if isinstance(value, dict):
            return value
    return _decode_yaml(text)


def _text(body: bytes | str) -> str:
    try:
        return body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as err:
        raise bad_request(f"the request body is not UTF-8: {err}") from None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _decode_json(text: str) -> Any:
    try:
        return loads(text, parse_constant=_reject_constant)
    except ValueError as err:
        raise bad_request(str(err)) from None


def _json_object(text: str) -> Obj:
    """A strategic merge patch body: a JSON object (``null`` is an empty patch, as in Go)."""
    value = _decode_json(text)
    if value is None:
        return {}
    if not isinstance(value, dict):
        go_type = _GO_TYPES.get(type(value), "value")
        raise bad_request(f"json: cannot unmarshal {go_type} into Go value of type map[string]interface {{}}")
    return value


def _merge_patch_body(obj: Obj, text: str) -> Obj:
    try:
        patch = loads(text, parse_constant=_reject_constant)
    except ValueError:
        raise bad_request(_INVALID_MERGE_PATCH) from None
    if not isinstance(patch, dict):
        raise bad_request(_INVALID_MERGE_PATCH)
    result: Obj = merge_patch(obj, patch)
    return result


def _json_patch(obj: Obj, operations: Any) -> Obj:
    if not isinstance(operations, list):
        go_type = "object" if isinstance(operations, dict) else _GO_TYPES.get(type(operations), "value")
        raise bad_request(f"json: cannot unmarshal {go_type} into Go value of type jsonpatch.Patch")
    try:
        result = jsonpatch.JsonPatch(operations).apply(copy.deepcopy(obj), in_place=True)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, LookupError, TypeError, AttributeError):
        raise unprocessable() from None
    if not isinstance(result, dict):
        raise unprocessable()
    return result


def _decode_yaml(text: str) -> Obj:
    try:
        value = load_yaml(text)
    except (yaml.YAMLError, DecodeError) as err:
        raise bad_request(f"error decoding YAML: {err}") from None
    if not isinstance(value, dict):
        raise bad_request("error decoding YAML: the applied configuration must be an object")
    return value
