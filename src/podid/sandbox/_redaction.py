"""What the control surface's state dump hides: every secret, token and key the sandbox stores.

Fields are recognised by name, whatever the kind of document, so a new kind that stores a ``...Token``
or ``...Key`` is hidden without being listed here; Kubernetes Secrets are recognised by their ``kind``,
since their ``data`` keys are free-form. Only values are replaced: the shape and the counts stay.
"""

from __future__ import annotations

from typing import Any

REDACTED = "***"
# a field is secret when its name (lower case, without "_" and "-") ends with one of these words, or their
# plurals: clientSecret, adminToken, signingKey, secret_hash, privateKey, password, ...
_SECRET_WORDS = ("secret", "token", "password", "hash", "key", "pem")
_SECRET_SUFFIXES = _SECRET_WORDS + tuple(word + "s" for word in _SECRET_WORDS) + ("hashes",)
# a Secret's values, and the copy of its manifest that `kubectl apply` keeps in an annotation
# (https://kubernetes.io/docs/concepts/configuration/secret/, kubectl.kubernetes.io/last-applied-configuration)
_SECRET_OBJECT_FIELDS = ("data", "stringData")
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def redact(value: Any) -> Any:
    """A copy of ``value`` (a stored document or part of it) with every secret replaced by ``***``."""
    if isinstance(value, list):
        return [redact(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("kind") == "Secret":
        return _redact_secret_object(value)
    return {name: REDACTED if _is_secret(name, item) else redact(item) for name, item in value.items()}


def _is_secret(name: str, value: Any) -> bool:
    normalized = name.lower().replace("_", "").replace("-", "")
    scalar = value is None or isinstance(value, bool | int | float)  # a flag or a lifetime, not a secret
    return not scalar and normalized.endswith(_SECRET_SUFFIXES)


def _redact_secret_object(obj: dict[str, Any]) -> dict[str, Any]:
    hidden = {name: _hide_values(obj[name]) for name in _SECRET_OBJECT_FIELDS if name in obj}
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and _LAST_APPLIED in (metadata.get("annotations") or {}):
        annotations = {**metadata["annotations"], _LAST_APPLIED: REDACTED}
        hidden["metadata"] = {**metadata, "annotations": annotations}
    return {**{name: redact(item) for name, item in obj.items()}, **hidden}


def _hide_values(data: Any) -> Any:
    """A Secret's ``data``: its keys stay (they say what the Secret holds), its values go."""
    return {key: REDACTED for key in data} if isinstance(data, dict) else REDACTED
