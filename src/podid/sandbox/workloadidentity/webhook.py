"""The Azure Workload Identity mutating webhook of the AKS add-on era (v1.5.x), as a pure function.

AKS registers ``mutation.azure-workload-identity.io`` for pod CREATE with the objectSelector
``azure.workload.identity/use: "true"`` on the pod. For such a pod the handler reads the pod's ServiceAccount
(``default`` when unnamed) and, in every init container and container not listed in the pod's
``skip-containers`` annotation, adds ``AZURE_CLIENT_ID``, ``AZURE_TENANT_ID``, ``AZURE_FEDERATED_TOKEN_FILE`` and
``AZURE_AUTHORITY_HOST`` (each only when its value is not empty and the container has no variable of that
name, even with an empty value) and a read-only mount of the ``azure-identity-token`` projected volume at
``/var/run/secrets/azure/tokens``. The volume, a service-account token for ``api://AzureADTokenExchange``, is
added unless some projected volume already holds a token at path ``azure-identity-token``. A token lifetime
outside 3600..86400 seconds (pod annotation first, then the ServiceAccount's) denies the pod with 400, as does
an unparsable one.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

KubeObject = dict[str, Any]

WEBHOOK_NAME = "mutation.azure-workload-identity.io"
USE_LABEL = "azure.workload.identity/use"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id"
EXPIRATION_ANNOTATION = "azure.workload.identity/service-account-token-expiration"
SKIP_CONTAINERS_ANNOTATION = "azure.workload.identity/skip-containers"

DEFAULT_AUDIENCE = "api://AzureADTokenExchange"
TOKEN_VOLUME = "azure-identity-token"  # the volume's name and the token's path inside it
TOKEN_MOUNT_PATH = "/var/run/secrets/azure/tokens"
TOKEN_FILE = f"{TOKEN_MOUNT_PATH}/{TOKEN_VOLUME}"
DEFAULT_EXPIRATION, MIN_EXPIRATION, MAX_EXPIRATION = 3600, 3600, 86400

_GO_INT = re.compile(r"[+-]?[0-9]+")
_INT64 = 2**63


class WebhookDenied(Exception):
    """The webhook refused the pod (``admission.Errored(400, err)``); ``status`` is what the API server returns."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def status(self) -> KubeObject:
        """The ``Status`` the API server builds from a webhook denial (apiserver ``webhookerrors.ToStatusErr``)."""
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": f'admission webhook "{WEBHOOK_NAME}" denied the request: {self.message}',
            "code": self.code,
        }


def _metadata_map(obj: KubeObject, key: str) -> dict[str, str]:
    value = (obj.get("metadata") or {}).get(key)
    return value if isinstance(value, dict) else {}


def selected(pod: KubeObject) -> bool:
    """The webhook configuration's objectSelector: the pod's own label, exactly ``"true"``."""
    return _metadata_map(pod, "labels").get(USE_LABEL) == "true"


def _parse_int64(text: str) -> int:
    """Go's ``strconv.ParseInt(text, 10, 64)``, with its error texts."""
    if not _GO_INT.fullmatch(text):
        raise WebhookDenied(f"strconv.ParseInt: parsing {json.dumps(text)}: invalid syntax")
    value = int(text)
    if not -_INT64 <= value < _INT64:
        raise WebhookDenied(f"strconv.ParseInt: parsing {json.dumps(text)}: value out of range")
    return value


def token_expiration(pod: KubeObject, service_account: KubeObject) -> int:
    """The projected token's lifetime: the pod's annotation, else the ServiceAccount's, else 3600."""
    text = _metadata_map(pod, "annotations").get(EXPIRATION_ANNOTATION) or _metadata_map(
        service_account, "annotations"
    ).get(EXPIRATION_ANNOTATION)
    seconds = _parse_int64(text) if text else DEFAULT_EXPIRATION
    if not MIN_EXPIRATION <= seconds <= MAX_EXPIRATION:
        raise WebhookDenied(
            f"token expiration {seconds} not valid. Expected value to be between {MIN_EXPIRATION} and {MAX_EXPIRATION}"
        )
    return seconds


def _skipped(pod: KubeObject) -> set[str]:
    text = _metadata_map(pod, "annotations").get(SKIP_CONTAINERS_ANNOTATION, "")
    return {name.strip() for name in text.split(";")} if text else set()


def _list(obj: KubeObject, key: str) -> list[KubeObject]:
    """``obj[key]`` as a list stored in ``obj`` (absent or null fields become one)."""
    items = obj.get(key)
    if not isinstance(items, list):
        items = obj[key] = []
    return items


def _mutate_container(container: KubeObject, wanted: list[KubeObject]) -> None:
    env = _list(container, "env")
    present = {item.get("name") for item in env}
    env.extend(item for item in wanted if item["name"] not in present)
    mounts = _list(container, "volumeMounts")
    if not any(mount.get("name") == TOKEN_VOLUME for mount in mounts):
        mounts.append({"name": TOKEN_VOLUME, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH})


def _has_token_volume(volumes: list[KubeObject]) -> bool:
    return any(
        (source.get("serviceAccountToken") or {}).get("path") == TOKEN_VOLUME
        for volume in volumes
        for source in (volume.get("projected") or {}).get("sources") or []
    )


def _token_volume(seconds: int, audience: str) -> KubeObject:
    token = {"path": TOKEN_VOLUME, "expirationSeconds": seconds, "audience": audience}
    return {"name": TOKEN_VOLUME, "projected": {"sources": [{"serviceAccountToken": token}]}}


def mutate(
    pod: KubeObject,
    service_account: KubeObject,
    tenant_id: str,
    authority_host: str,
    audience: str = DEFAULT_AUDIENCE,
) -> KubeObject:
    """The pod as the webhook admits it (a new object); unchanged when the pod is not labelled for it.

    ``tenant_id`` is the webhook's default (the cluster's tenant) and ``authority_host`` its cloud's Entra
    endpoint (``https://login.microsoftonline.com/`` on public Azure). Raises ``WebhookDenied``.
    """
    if not selected(pod):
        return pod
    mutated = copy.deepcopy(pod)
    seconds = token_expiration(mutated, service_account)
    sa_annotations = _metadata_map(service_account, "annotations")
    values = {
        "AZURE_CLIENT_ID": sa_annotations.get(CLIENT_ID_ANNOTATION, ""),
        "AZURE_TENANT_ID": sa_annotations.get(TENANT_ID_ANNOTATION, tenant_id),
        "AZURE_FEDERATED_TOKEN_FILE": TOKEN_FILE,
        "AZURE_AUTHORITY_HOST": authority_host,
    }
    # Since v1.5.1 a variable whose value is empty is not added at all ("only if desired env contains a non-empty
    # value", Azure/azure-workload-identity pkg/webhook/webhook.go, addEnvironmentVariables).
    wanted = [{"name": name, "value": value} for name, value in values.items() if value]
    spec = mutated.setdefault("spec", {})
    skipped = _skipped(mutated)
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or []:
            if container.get("name") not in skipped:
                _mutate_container(container, wanted)
    volumes = _list(spec, "volumes")
    if not _has_token_volume(volumes):
        volumes.append(_token_volume(seconds, audience))
    return mutated
