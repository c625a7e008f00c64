"""Kubernetes ``Status`` failures, built the way k8s.io/apimachinery's ``errors`` package builds them.

Every failure the API server returns is a ``KubeApiError`` carrying the Status dict and its HTTP code::

    KubeApiError
      400 BadRequest             bad_request()
      401 Unauthorized           unauthorized()
      403 Forbidden              forbidden(), forbidden_path(), forbidden_by_registry()
      404 NotFound               not_found(), path_not_found()
      405 MethodNotAllowed       method_not_allowed()
      409 AlreadyExists          already_exists()
      409 Conflict               conflict()
      410 Expired                expired()            (sent inside a watch ERROR event)
      415 UnsupportedMediaType   unsupported_media_type()
      422 Invalid                invalid() from FieldErrors; unprocessable() for a patch that does not apply
      500 InternalError          internal_error()
      5xx (no reason)            unknown_error()      (what Go returns for errors that are not a Status)

``details.kind`` holds the *resource* (``pods``) for resource errors and the *kind* (``Pod``) for Invalid,
exactly as the apiserver does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.resources import ResourceType

OBJECT_MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"


class KubeApiError(Exception):
    """A failure to be written as a ``Status`` body with ``code`` as the HTTP status."""

    def __init__(self, status: Obj) -> None:
        super().__init__(status["message"])
        self.status = status
        self.code: int = status["code"]

    @property
    def reason(self) -> str:
        return str(self.status.get("reason", ""))


class ErrorType(Enum):
    """field.ErrorType: the text used in messages and the StatusCause reason."""

    REQUIRED = ("Required value", "FieldValueRequired")
    INVALID = ("Invalid value", "FieldValueInvalid")
    NOT_SUPPORTED = ("Unsupported value", "FieldValueNotSupported")
    DUPLICATE = ("Duplicate value", "FieldValueDuplicate")
    FORBIDDEN = ("Forbidden", "FieldValueForbidden")


_VALUELESS = (ErrorType.REQUIRED, ErrorType.FORBIDDEN)


@dataclass(frozen=True)
class FieldError:
    """One field.Error: rendered as ``<field>: <type>[: <value>][: <detail>]``."""

    type: ErrorType
    field: str
    value: Any = None
    detail: str = ""

    def body(self) -> str:
        text = self.type.value[0]
        if self.type not in _VALUELESS:
            text += f": {go_value(self.value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    def cause(self) -> Obj:
        return {"reason": self.type.value[1], "message": self.body(), "field": self.field}


def required(field: str, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, field, detail=detail)


def invalid_value(field: str, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.INVALID, field, value, detail)


def not_supported(field: str, value: Any, supported: Iterable[str]) -> FieldError:
    quoted = ", ".join(json.dumps(v) for v in supported)
    return FieldError(ErrorType.NOT_SUPPORTED, field, value, f"supported values: {quoted}")


def duplicate(field: str, value: Any) -> FieldError:
    return FieldError(ErrorType.DUPLICATE, field, value)


def forbidden_field(field: str, detail: str) -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, field, detail=detail)


@dataclass(frozen=True)
class GoText:
    """A bad value already written the way Go prints it (e.g. a ``%#v`` struct)."""

    text: str


def go_value(value: Any) -> str:
    """Format a bad value the way field.Error does (``%q`` strings, ``%v`` numbers, ``%#v`` maps)."""
    if isinstance(value, GoText):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # JSON numbers are float64 in Go: 80.0 prints as 80
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        pairs = ", ".join(f"{json.dumps(k)}:{json.dumps(value[k])}" for k in sorted(value))
        return f"map[string]string{{{pairs}}}"
    return json.dumps(value, sort_keys=True)


def _status(code: int, reason: str, message: str, details: Obj | None = None) -> KubeApiError:
    status: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message}
    if reason:
        status["reason"] = reason
    if details is not None:
        status["details"] = details
    status["code"] = code
    return KubeApiError(status)


def _details(name: str, group: str, kind: str, causes: Sequence[Obj] = ()) -> Obj:
    details: Obj = {"name": name, "group": group, "kind": kind, "causes": list(causes)}
    return {k: v for k, v in details.items() if v}


def _resource_details(rt: ResourceType, name: str) -> Obj:
    return _details(name, rt.group, rt.plural)


def not_found(rt: ResourceType, name: str) -> KubeApiError:
    return _status(404, "NotFound", f"{rt.group_resource} {json.dumps(name)} not found", _resource_details(rt, name))


def path_not_found() -> KubeApiError:
    """An URL that names no served resource."""
    return _status(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(rt: ResourceType, name: str) -> KubeApiError:
    message = f"{rt.group_resource} {json.dumps(name)} already exists"
    return _status(409, "AlreadyExists", message, _resource_details(rt, name))


def conflict(rt: ResourceType, name: str, why: str = OBJECT_MODIFIED) -> KubeApiError:
    """409 Conflict; the default ``why`` is the stale-resourceVersion text of optimistic concurrency."""
    message = f"Operation cannot be fulfilled on {rt.group_resource} {json.dumps(name)}: {why}"
    return _status(409, "Conflict", message, _resource_details(rt, name))


def invalid(rt: ResourceType, name: str, errors: Sequence[FieldError]) -> KubeApiError:
    """422 Invalid, the message aggregating distinct field errors like utilerrors.Aggregate."""
    texts = list(dict.fromkeys(str(e) for e in errors))
    summary = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    message = f"{rt.group_kind} {json.dumps(name)} is invalid" + (f": {summary}" if texts else "")
    causes = [e.cause() for e in errors]
    return _status(422, "Invalid", message, _details(name, rt.group, rt.kind, causes))


def bad_request(message: str) -> KubeApiError:
    return _status(400, "BadRequest", message)


def unauthorized(message: str = "Unauthorized") -> KubeApiError:
    return _status(401, "Unauthorized", message)


def forbidden(group: str, resource: str, *, user: str, verb: str, name: str = "", namespace: str = "",
              subresource: str = "") -> KubeApiError:  # fmt: skip
    """403 as written by the authorization filter (``forbiddenMessage``) for a resource request."""
    combined = f"{resource}/{subresource}" if subresource else resource
    scope = f"in the namespace {json.dumps(namespace)}" if namespace else "at the cluster scope"
    text = f"User {json.dumps(user)} cannot {verb} resource {json.dumps(combined)} in API group {json.dumps(group)}"
    group_resource = f"{resource}.{group}" if group else resource
    subject = f"{group_resource} {json.dumps(name)}" if name else group_resource
    return _status(403, "Forbidden", f"{subject} is forbidden: {text} {scope}", _details(name, group, resource))


def forbidden_by_registry(rt: ResourceType, name: str, reason: str) -> KubeApiError:
    """403 from a registry, not the authorizer (``errors.NewForbidden``): ``<resource> "<name>" is forbidden: ...``."""
    subject = f"{rt.group_resource} {json.dumps(name)}" if name else rt.group_resource
    return _status(403, "Forbidden", f"{subject} is forbidden: {reason}", _resource_details(rt, name))


def forbidden_path(*, user: str, verb: str, path: str) -> KubeApiError:
    """403 for a non-resource request (``/apis``, ``/version``)."""
    return _status(403, "Forbidden", f"forbidden: User {json.dumps(user)} cannot {verb} path {json.dumps(path)}", {})


def method_not_allowed(rt: ResourceType | None = None, action: str = "") -> KubeApiError:
    """405: ``<action> is not supported on resources of kind "<resource>"``, or the generic text."""
    if rt is None:
        return _status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
    message = f"{action} is not supported on resources of kind {json.dumps(rt.group_resource)}"
    return _status(405, "MethodNotAllowed", message, _resource_details(rt, ""))


def unprocessable() -> KubeApiError:
    """The 422 of a patch that cannot be applied: NewGenericServerResponse drops the underlying error text."""
    return _status(422, "Invalid", "the server rejected our request due to an error in our request", {})


def unsupported_media_type(accepted: Sequence[str]) -> KubeApiError:
    message = "the body of the request was in an unknown format - accepted media types include: " + ", ".join(accepted)
    return _status(415, "UnsupportedMediaType", message)


def request_entity_too_large(limit: int) -> KubeApiError:
    """413 for a body over the apiserver's limit (k8s.io/apiserver endpoints/handlers/rest.go limitedReadBody)."""
    return _status(413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")


def expired(message: str) -> KubeApiError:
    """410 Expired, e.g. ``too old resource version: 5 (20)`` for a watch resumed from a compacted version."""
    return _status(410, "Expired", message)


def internal_error(cause: str) -> KubeApiError:
    return _status(500, "InternalError", f"Internal error occurred: {cause}", {"causes": [{"message": cause}]})


def unknown_error(message: str, code: int = 500) -> KubeApiError:
    """What the apiserver sends for a Go error that is not a Status: no reason, the raw message."""
    return _status(code, "", message)
