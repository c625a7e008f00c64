"""A container's environment as the kubelet builds it: ``envFrom``, ``env`` with ``$(VAR)`` expansion and
``valueFrom`` (downward API fields, Secret and ConfigMap keys), with the kubelet's error texts.

A missing Secret or ConfigMap (not ``optional``) or key is a ``ContainerConfigError``: the container waits
with reason ``CreateContainerConfigError`` and that message, and the kubelet retries, as on a node.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.storage.cluster import Cluster

_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_LABEL_OR_ANNOTATION = re.compile(r"metadata\.(labels|annotations)\['(.+)'\]")


class ContainerConfigError(Exception):
    """A container cannot be created from its spec yet (``reason`` is the waiting reason)."""

    def __init__(self, message: str, reason: str = "CreateContainerConfigError") -> None:
        super().__init__(message)
        self.reason = reason


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes ``$(VAR)`` expansion: defined variables are replaced, ``$$`` escapes, the rest stays."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return _REFERENCE.sub(replace, text)


def field_value(pod: Obj, path: str) -> str:
    """A downward API ``fieldRef.fieldPath`` of ``pod``."""
    labelled = _LABEL_OR_ANNOTATION.fullmatch(path)
    if labelled:
        return as_str(as_dict(dig(pod, "metadata", labelled.group(1))).get(labelled.group(2)))
    if path in ("metadata.labels", "metadata.annotations"):
        values = as_dict(dig(pod, *path.split(".")))
        return "\n".join(f'{k}="{v}"' for k, v in sorted(values.items()))
    if path in ("status.podIPs", "status.hostIPs"):
        return ",".join(as_str(dig(entry, "ip")) for entry in as_list(dig(pod, *path.split("."))))
    value = dig(pod, *path.split("."))
    return "" if value is None else str(value)


class Sources:
    """Secrets and ConfigMaps of the pod's namespace, read as the kubelet reads them."""

    def __init__(self, cluster: Cluster, namespace: str) -> None:
        self._cluster = cluster
        self._namespace = namespace

    def data(self, kind: str, name: str, optional: bool) -> dict[str, bytes] | None:
        """Decoded data of Secret/ConfigMap ``name``; None when it is missing and optional."""
        resource = "secrets" if kind == "Secret" else "configmaps"
        obj = self._cluster.find(self._cluster.resource_type(resource), self._namespace, name)
        if obj is None:
            if optional:
                return None
            raise ContainerConfigError(f'{kind.lower()} "{name}" not found')
        if kind == "Secret":
            return {k: base64.b64decode(v) for k, v in as_dict(obj.get("data")).items() if isinstance(v, str)}
        found = {k: str(v).encode() for k, v in as_dict(obj.get("data")).items()}
        found |= {k: base64.b64decode(v) for k, v in as_dict(obj.get("binaryData")).items() if isinstance(v, str)}
        return found

    def key(self, kind: str, selector: Obj) -> str | None:
        name, key, optional = (
            as_str(selector.get("name")),
            as_str(selector.get("key")),
            selector.get("optional") is True,
        )
        data = self.data(kind, name, optional)
        if data is None:
            return None
        if key not in data:
            if optional:
                return None
            raise ContainerConfigError(f"couldn't find key {key} in {kind} {self._namespace}/{name}")
        return data[key].decode(errors="replace")


def container_env(cluster: Cluster, pod: Obj, container: Obj) -> dict[str, str]:
    """The environment the container's spec asks for (without what the kubelet adds itself)."""
    sources = Sources(cluster, as_str(dig(pod, "metadata", "namespace")))
    env: dict[str, str] = {}
    for source in (as_dict(s) for s in as_list(container.get("envFrom"))):
        prefix = as_str(source.get("prefix"))
        for kind, field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            ref = as_dict(source.get(field))
            if ref:
                data = sources.data(kind, as_str(ref.get("name")), ref.get("optional") is True) or {}
                env.update({prefix + k: v.decode(errors="replace") for k, v in data.items()})
    for var in (as_dict(v) for v in as_list(container.get("env"))):
        value = _value(var, pod, sources, env)
        if value is not None:
            env[as_str(var.get("name"))] = value
    return env


def _value(var: Obj, pod: Obj, sources: Sources, env: dict[str, str]) -> str | None:
    source: Any = var.get("valueFrom")
    if not isinstance(source, dict):
        return expand(as_str(var.get("value")), env)
    if "fieldRef" in source:
        return field_value(pod, as_str(dig(source, "fieldRef", "fieldPath")))
    if "secretKeyRef" in source:
        return sources.key("Secret", as_dict(source["secretKeyRef"]))
    if "configMapKeyRef" in source:
        return sources.key("ConfigMap", as_dict(source["configMapKeyRef"]))
    return None  # resourceFieldRef: pods here have no resource accounting to report


def command_line(container: Obj, env: dict[str, str]) -> list[str]:
    """The workload's arguments: ``args``, after ``command`` minus its executable (the image's entrypoint)."""
    command = [str(part) for part in as_list(container.get("command"))[1:]]
    args = [str(part) for part in as_list(container.get("args"))]
    return [expand(part, env) for part in command + args]
