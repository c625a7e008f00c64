"""A pod's files: its volumes materialised under the pod directory and mounted into the pod root.

Each volume is written once to ``<pod dir>/volumes/<name>/`` (Secret and ConfigMap keys, downward API fields,
projected sources including service-account tokens, or an empty directory) and every ``volumeMount`` becomes a
symlink ``<pod root>/<mountPath>`` → that directory (or the ``subPath`` inside it). The workload reads
``/var/run/secrets/kubernetes.io/serviceaccount/token`` as ``$PODID_POD_ROOT/var/run/secrets/...``.
Files are replaced atomically (write, then rename) so a refreshed token is never read half-written.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from podid.sandbox.kube._cluster import Cluster
from podid.sandbox.kube._objects import Obj, as_dict, as_int, as_list, as_str, dig
from podid.sandbox.kube._podenv import ContainerConfigError, Sources, field_value
from podid.sandbox.kube._satokens import KUBELET_LIFETIME, Binding, TokenSigner

DEFAULT_TOKEN_SECONDS = 3600
MIN_TOKEN_SECONDS = 600
_REFRESH_AT = 0.8  # the kubelet renews a projected token after 80% of its lifetime
_MISSING_KEY = {
    "Secret": "secret references non-existent secret key",
    "ConfigMap": "configmap references non-existent config key",
}


@dataclass
class PodFiles:
    """Where a pod's files live, and when its soonest projected token needs renewing (epoch seconds)."""

    directory: Path
    refresh_at: float | None = None

    @property
    def root(self) -> Path:
        return self.directory / "root"

    @property
    def volumes(self) -> Path:
        return self.directory / "volumes"

    def log_path(self, container: str, restart_count: int) -> Path:
        return self.directory / "logs" / container / f"{restart_count}.log"

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def _write(path: Path, content: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    temporary.chmod(mode & 0o777)
    temporary.replace(path)


class Materializer:
    """Writes the volumes of pods of one cluster."""

    def __init__(self, cluster: Cluster, signer: TokenSigner) -> None:
        self._cluster = cluster
        self._signer = signer

    def materialize(self, pod: Obj, files: PodFiles) -> None:
        """Write every volume and mount; raises ContainerConfigError when a source is missing."""
        files.refresh_at = None
        sources = Sources(self._cluster, as_str(dig(pod, "metadata", "namespace")))
        for volume in (as_dict(v) for v in as_list(dig(pod, "spec", "volumes"))):
            name = as_str(volume.get("name"))
            try:
                self._volume(pod, volume, files.volumes / name, sources, files)
            except ContainerConfigError as error:  # the kubelet's FailedMount: the pod stays ContainerCreating
                why = f'MountVolume.SetUp failed for volume "{name}" : {error}'
                raise ContainerConfigError(why, "ContainerCreating") from None
        files.root.mkdir(parents=True, exist_ok=True)
        spec = as_dict(pod.get("spec"))
        for container in (as_dict(c) for c in as_list(spec.get("initContainers")) + as_list(spec.get("containers"))):
            for mount in (as_dict(m) for m in as_list(container.get("volumeMounts"))):
                self._mount(files, mount)

    def refresh_tokens(self, pod: Obj, files: PodFiles) -> None:
        """Re-write projected volumes holding tokens (the kubelet's token manager)."""
        sources = Sources(self._cluster, as_str(dig(pod, "metadata", "namespace")))
        files.refresh_at = None
        for volume in (as_dict(v) for v in as_list(dig(pod, "spec", "volumes"))):
            projected = as_list(dig(volume, "projected", "sources"))
            if any(as_dict(s).get("serviceAccountToken") for s in projected):
                self._volume(pod, volume, files.volumes / as_str(volume.get("name")), sources, files)

    def _volume(self, pod: Obj, volume: Obj, target: Path, sources: Sources, files: PodFiles) -> None:
        target.mkdir(parents=True, exist_ok=True)
        if "secret" in volume:
            source = as_dict(volume["secret"])
            self._keys(target, sources, "Secret", as_str(source.get("secretName")), source, source)
        elif "configMap" in volume:
            source = as_dict(volume["configMap"])
            self._keys(target, sources, "ConfigMap", as_str(source.get("name")), source, source)
        elif "downwardAPI" in volume:
            self._downward(target, pod, as_dict(volume["downwardAPI"]), as_dict(volume["downwardAPI"]))
        elif "projected" in volume:
            projected = as_dict(volume["projected"])
            for source in (as_dict(s) for s in as_list(projected.get("sources"))):
                self._projection(target, pod, sources, source, projected, files)

    def _projection(self, target: Path, pod: Obj, sources: Sources, source: Obj, volume: Obj, files: PodFiles) -> None:
        if "serviceAccountToken" in source:
            self._token(target, pod, as_dict(source["serviceAccountToken"]), volume, files)
        elif "secret" in source:
            secret = as_dict(source["secret"])
            self._keys(target, sources, "Secret", as_str(secret.get("name")), secret, volume)
        elif "configMap" in source:
            configmap = as_dict(source["configMap"])
            self._keys(target, sources, "ConfigMap", as_str(configmap.get("name")), configmap, volume)
        elif "downwardAPI" in source:
            self._downward(target, pod, as_dict(source["downwardAPI"]), volume)

    @staticmethod
    def _keys(target: Path, sources: Sources, kind: str, name: str, source: Obj, volume: Obj) -> None:
        data = sources.data(kind, name, source.get("optional") is True)
        if data is None:
            return
        mode = as_int(volume.get("defaultMode"), 0o644)
        items = [as_dict(i) for i in as_list(source.get("items"))]
        if not items:
            for key, content in data.items():
                _write(target / key, content, mode)
            return
        for item in items:
            key = as_str(item.get("key"))
            if key not in data:
                if source.get("optional") is True:
                    continue
                what = _MISSING_KEY[kind]
                raise ContainerConfigError(f"{what}: {key}")
            _write(target / as_str(item.get("path")), data[key], as_int(item.get("mode"), mode))

    @staticmethod
    def _downward(target: Path, pod: Obj, source: Obj, volume: Obj) -> None:
        mode = as_int(volume.get("defaultMode"), 0o644)
        for item in (as_dict(i) for i in as_list(source.get("items"))):
            path = as_str(dig(item, "fieldRef", "fieldPath"))
            if path:
                _write(
                    target / as_str(item.get("path")), field_value(pod, path).encode(), as_int(item.get("mode"), mode)
                )

    def _token(self, target: Path, pod: Obj, projection: Obj, volume: Obj, files: PodFiles) -> None:
        namespace = as_str(dig(pod, "metadata", "namespace"))
        account_name = as_str(dig(pod, "spec", "serviceAccountName")) or "default"
        account = self._cluster.find(self._cluster.resource_type("serviceaccounts"), namespace, account_name)
        node_name = as_str(dig(pod, "spec", "nodeName"))
        node = self._cluster.find(self._cluster.resource_type("nodes"), "", node_name) if node_name else None
        binding = Binding(namespace, account_name, as_str(dig(account, "metadata", "uid")), pod, node)
        seconds = max(as_int(projection.get("expirationSeconds"), DEFAULT_TOKEN_SECONDS), MIN_TOKEN_SECONDS)
        audience = as_str(projection.get("audience")) or self._signer.issuer
        token, issued, expires = self._signer.mint(binding, [audience], seconds, extend=seconds == KUBELET_LIFETIME)
        _write(target / as_str(projection.get("path")), token.encode(), as_int(volume.get("defaultMode"), 0o644))
        renew = issued + _REFRESH_AT * (expires - issued)
        files.refresh_at = renew if files.refresh_at is None else min(files.refresh_at, renew)

    @staticmethod
    def _mount(files: PodFiles, mount: Obj) -> None:
        mount_path = as_str(mount.get("mountPath")).lstrip("/")
        if not mount_path:
            return
        source = files.volumes / as_str(mount.get("name"))
        sub_path = as_str(mount.get("subPath"))
        if sub_path:
            source = source / sub_path
        link = files.root / mount_path
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            if link.is_symlink() and os.readlink(link) == str(source):
                return
            if link.is_dir() and not link.is_symlink():
                shutil.rmtree(link)
            else:
                link.unlink()
        link.symlink_to(source, target_is_directory=not sub_path)
