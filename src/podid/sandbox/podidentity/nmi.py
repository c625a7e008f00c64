"""NMI's and IMDS's decisions and answers, without I/O (aad-pod-identity v1.8.17 pkg/nmi/server/server.go,
pkg/nmi/managed.go, pkg/nmi/standard.go; IMDS as azure-identity meets it).

* ``TokenRequest.parse`` reads the query as both services do (values may arrive unencoded).
* ``managed_identity`` is managed mode's ``GetIdentities``: the pod's bindings and identities, no waiting.
* ``lookup_attempt`` is one pass of standard mode's ``listPodIDsWithRetry`` over a pod's
  AzureAssignedIdentities, and ``pick_identity`` is what its ``GetIdentities`` does with the result; the caller
  loops and sleeps. ``no_identity`` is msiHandler's answer when either finds none.
* ``is_excepted`` is NMI's exception match; ``node_identity`` is IMDS choosing among a node's identities.
* ``Reply`` and its builders are the exact answers: NMI's Go ``http.Error`` texts, IMDS's JSON errors, and the
  two success bodies (NMI's msiResponse, IMDS's token document), every value a string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from podid.sandbox.core.tokens import TOKEN_LIFETIME, IssuedToken
from podid.sandbox.kube.api import KubeObject
from podid.sandbox.podidentity import _crd

MANAGED, STANDARD = "managed", "standard"  # NMI's --operation-mode
CREATED_ATTEMPTS = 16  # --retry-attempts-for-created
ASSIGNED_ATTEMPTS = 4  # --retry-attempts-for-assigned
RETRY_SECONDS = 5  # --find-identity-retry-interval
POD_LOOKUP_ATTEMPTS, POD_LOOKUP_INTERVAL = 5, 0.3

RETRY_AFTER_SECONDS = "20"  # with --set-retry-after-header: MIC's next cycle picks the pod up
POD_LIST_EMPTY = "pod list is empty"
_JSON = "application/json"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def go_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Reply:
    """Go's ``http.Error``: plain text, nosniff, the message and a newline."""
    return Reply(
        status,
        (message + "\n").encode(),
        {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", **(headers or {})},
    )


def imds_error(status: int, description: str) -> Reply:
    """IMDS's JSON error; NMI sends the same document (plus a newline) for a missing Metadata header."""
    body = json.dumps({"error": "invalid_request", "error_description": description}, separators=(",", ":"))
    return Reply(status, (body + "\n").encode(), {"Content-Type": _JSON + "; charset=utf-8"})


def no_identity(message: str, *, retry_after: bool) -> Reply:
    """msiHandler when GetIdentities fails: 404, or 503 with Retry-After under --set-retry-after-header."""
    if retry_after:
        return go_error(503, message, {"Retry-After": RETRY_AFTER_SECONDS})
    return go_error(404, message)


def metadata_header_missing() -> Reply:
    return imds_error(400, "Required metadata header not specified")


def nmi_token(token: IssuedToken, resource: str) -> Reply:
    """NMI's msiResponse: adal's token fields as strings, refresh_token empty."""
    return json_reply(
        200,
        {
            "access_token": token.access_token,
            "refresh_token": "",
            "expires_in": str(token.expires_in),
            "expires_on": str(token.expires_on),
            "not_before": str(token.expires_on - TOKEN_LIFETIME),
            "resource": resource,
            "token_type": "Bearer",
        },
        content_type=_JSON,
    )


def imds_token(token: IssuedToken, client_id: str, resource: str) -> Reply:
    """The token document real IMDS returns."""
    return json_reply(
        200,
        {
            "access_token": token.access_token,
            "client_id": client_id,
            "expires_in": str(token.expires_in),
            "expires_on": str(token.expires_on),
            "ext_expires_in": str(token.expires_in),
            "not_before": str(token.expires_on - TOKEN_LIFETIME),
            "resource": resource,
            "token_type": "Bearer",
        },
    )


def json_reply(status: int, document: Mapping[str, Any], content_type: str = _JSON + "; charset=utf-8") -> Reply:
    body = json.dumps(document, separators=(",", ":")).encode()
    return Reply(status, body, {"Content-Type": content_type, "Content-Length": str(len(body))})


@dataclass(frozen=True)
class TokenRequest:
    resource: str
    client_id: str = ""
    resource_id: str = ""  # msi_res_id, or the legacy mi_res_id
    object_id: str = ""  # IMDS only; NMI ignores it

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> TokenRequest:
        return cls(
            resource=query.get("resource", ""),
            client_id=query.get("client_id", ""),
            resource_id=query.get("msi_res_id") or query.get("mi_res_id", ""),
            object_id=query.get("object_id", ""),
        )

    @property
    def identity_specified(self) -> bool:
        return bool(self.client_id or self.resource_id)


def redact(client_id: str) -> str:
    """NMI's RedactClientID: the first and last four characters around a marker."""
    if len(client_id) < 8:
        return client_id
    return f"{client_id[:4]}##### REDACTED #####{client_id[-4:]}"


# NMI managed mode: the pod's AzureIdentityBindings and AzureIdentities


def managed_identity(
    pod: KubeObject, bindings: Iterable[KubeObject], identities: Iterable[KubeObject], request: TokenRequest
) -> KubeObject | Missing:
    """The identity for ``request``: crd.go GetPodIDsWithBinding (bindings of the pod's namespace whose selector
    is the pod's label, "" when it has none; identities of that namespace they name), then managed.go
    GetIdentities (the first with the requested clientID or resourceID, both compared exactly, or with none
    requested the first one)."""
    namespace = _crd.namespace_of(pod)
    selector = _crd.labels_of(pod).get(_crd.BINDING_LABEL, "")
    names = {
        _crd.text(binding, "spec", "azureIdentity")
        for binding in bindings
        if _crd.namespace_of(binding) == namespace and _crd.text(binding, "spec", "selector") == selector
    }
    for identity in identities:
        if _crd.namespace_of(identity) != namespace or _crd.name_of(identity) not in names:
            continue
        if not request.identity_specified or _exactly_requested(identity, request):
            return identity
    return Missing(f"no azure identity found for request clientID {redact(request.client_id)}")


def _exactly_requested(identity: KubeObject, request: TokenRequest) -> bool:
    client_id, resource_id = _crd.text(identity, "spec", "clientID"), _crd.text(identity, "spec", "resourceID")
    return bool(
        (request.client_id and client_id == request.client_id)
        or (request.resource_id and resource_id == request.resource_id)
    )


# NMI standard mode: a pod's AzureAssignedIdentities


@dataclass(frozen=True)
class Found:
    identities: list[KubeObject]  # AzureIdentity objects (the assignments' azureIdentityRef)


@dataclass(frozen=True)
class Missing:
    message: str


def _not_created(namespace: str, name: str, request: TokenRequest) -> Missing:
    """standard.go listPodIDsWithRetry's message; a requested identity puts the (redacted) client id first."""
    requested = f"clientID in request: {redact(request.client_id)}, " if request.identity_specified else ""
    return Missing(
        f"{requested}getting assigned identities for pod {namespace}/{name} in CREATED state failed after "
        f"{CREATED_ATTEMPTS} attempts, retry duration [{RETRY_SECONDS}]s, error: <nil>. "
        "Check MIC pod logs for identity assignment errors"
    )


def not_assigned(namespace: str, name: str) -> Missing:
    return Missing(
        f"getting assigned identities for pod {namespace}/{name} in ASSIGNED state failed after "
        f"{CREATED_ATTEMPTS + ASSIGNED_ATTEMPTS} attempts, retry duration [{RETRY_SECONDS}]s, error: <nil>. "
        "Check MIC pod logs for identity assignment errors"
    )


def lookup_attempt(
    assignments: list[KubeObject], request: TokenRequest, attempt: int, namespace: str, name: str
) -> Found | Missing | None:
    """One attempt: the identities to use, the final failure, or None to sleep and try again."""
    by_status: dict[str, list[KubeObject]] = {}
    for obj in assignments:
        identity = _crd.field(obj, "spec", "azureIdentityRef")
        by_status.setdefault(_crd.text(obj, "status", "status"), []).append(
            identity if isinstance(identity, dict) else {}
        )
    if not request.identity_specified:
        for status in ("", _crd.ASSIGNED):
            if by_status.get(status):
                return Found(by_status[status])
        if not by_status.get(_crd.CREATED) and attempt >= CREATED_ATTEMPTS:
            return _not_created(namespace, name, request)
        return None
    for status in ("", _crd.ASSIGNED):
        if any(_requested(identity, request) for identity in by_status.get(status, [])):
            return Found(by_status[status])
    created = any(_requested(identity, request) for identity in by_status.get(_crd.CREATED, []))
    if not created and attempt >= CREATED_ATTEMPTS:
        return _not_created(namespace, name, request)
    return None


def _requested(identity: KubeObject, request: TokenRequest) -> bool:
    """The wait loop compares case-insensitively (the final pick does not)."""
    client_id, resource_id = _crd.text(identity, "spec", "clientID"), _crd.text(identity, "spec", "resourceID")
    return bool(
        (request.client_id and request.client_id.lower() == client_id.lower())
        or (request.resource_id and request.resource_id.lower() == resource_id.lower())
    )


def pick_identity(found: Found, request: TokenRequest, namespace: str) -> KubeObject | Missing | Reply:
    """GetIdentities after the wait: namespaced filter, then the first identity or the exact requested one."""
    candidates = [identity for identity in found.identities if _crd.namespace_of(identity) == namespace]
    if not request.identity_specified:
        if not candidates:  # NMI indexes an empty slice here and recovers from the panic with a 500
            return go_error(500, "runtime error: index out of range [0] with length 0")
        return candidates[0]
    for identity in candidates:
        if _exactly_requested(identity, request):
            return identity
    return Missing(f"no azure identity found for request clientID {redact(request.client_id)}")


def is_excepted(pod_labels: Mapping[str, str], exceptions: Iterable[KubeObject]) -> bool:
    """Any one podLabels pair of any exception: key exact, value case-insensitive."""
    for exception in exceptions:
        labels = _crd.field(exception, "spec", "podLabels")
        if not isinstance(labels, dict):
            continue
        for key, value in labels.items():
            if key in pod_labels and isinstance(value, str) and pod_labels[key].lower() == value.lower():
                return True
    return False


# IMDS: the identities of the pod's node


@dataclass(frozen=True)
class NodeIdentity:
    resource_id: str
    client_id: str
    principal_id: str


def node_identity(request: TokenRequest, attached: list[NodeIdentity], default: str | None) -> NodeIdentity | Reply:
    """The node identity a request names (client_id, msi_res_id or object_id), else ``default``."""
    wanted: NodeIdentity | None
    if request.client_id:
        wanted = next((item for item in attached if item.client_id.lower() == request.client_id.lower()), None)
    elif request.resource_id:
        wanted = next((item for item in attached if item.resource_id.lower() == request.resource_id.lower()), None)
    elif request.object_id:
        wanted = next((item for item in attached if item.principal_id.lower() == request.object_id.lower()), None)
    elif default is not None:
        wanted = next((item for item in attached if item.resource_id.lower() == default.lower()), None)
    elif len(attached) > 1:
        return imds_error(
            400,
            "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity "
            "in the token request",
        )
    else:
        wanted = attached[0] if attached else None
    return wanted if wanted is not None else imds_error(400, "Identity not found")
