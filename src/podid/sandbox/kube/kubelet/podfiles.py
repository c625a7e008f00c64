"""A pod's files: its volumes materialised under the pod directory and mounted into the pod root.

Each volume is written once to ``<pod dir>/volumes/<name>/`` (Secret and ConfigMap keys, downward API fields,
projected sources including service-account tokens, or an empty directory) and every ``volumeMount`` becomes a
symlink ``<pod root>/<mountPath>`` → that directory (or the ``subPath`` inside it), relative, so that it
resolves without passing the directories above the pod's. The workload reads
``/var/run/secrets/kubernetes.io/serviceaccount/token`` as ``$PODID_POD_ROOT/var/run/secrets/...``.
Files are replaced atomically (write, then rename) so a refreshed token is never read half-written.

Only the pod's user can read them: ``volumes/`` and ``root/`` are 0700 and owned by it (``PodFiles.owner``,
the user its containers run as, see ``runas``), and so is every file; service-account tokens are 0600, as the
kubelet writes them for a pod whose user it knows (kubernetes/kubernetes pkg/volume/projected/projected.go:
``mode = 0600`` when ``FsUser`` or ``FsGroup`` is set). The pod directory itself is root's, 0711 when the pod
runs as another user (so that its symlinks resolve), with the container logs in a 0700 ``logs/``. The
sandbox CA is copied in as the image's trust store (``etc/ssl/certs/ca-certificates.crt``): nothing a
workload reads is outside its root.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from podid.sandbox.kube.identity.tokens import KUBELET_LIFETIME, Binding, TokenSigner
from podid.sandbox.kube.kubelet.podenv import ContainerConfigError, Sources, field_value
from podid.sandbox.kube.kubelet.runas import User
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig
from podid.sandbox.kube.storage.cluster import Cluster

DEFAULT_TOKEN_SECONDS = 3600
MIN_TOKEN_SECONDS = 600
_REFRESH_AT = 0.8  # the kubelet renews a projected token after 80% of its lifetime
TOKEN_MODE = 0o600
TRUST_STORE = "/etc/ssl/certs/ca-certificates.crt"  # the CA bundle of Debian-based images
SELF_ROOT = "/proc/self/cwd"  # the pod root as a process of another user reaches it: its cwd
_MISSING_KEY = {
    "Secret": "secret references non-existent secret key",
    "ConfigMap": "configmap references non-existent config key",
}


@dataclass
class PodFiles:
    """Where a pod's files live, who owns them (None: the sandbox's own user), and when its soonest projected
    token needs renewing (epoch seconds)."""

    directory: Path
    owner: User | None = None
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

    def prepare(self) -> None:
        """The pod directory (root's), and its ``volumes/`` and ``root/``, private to the pod's user."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory.chmod(0o700 if self.owner is None else 0o711)
        self.make_dir(self.volumes)
        self.make_dir(self.root)

    def make_dir(self, path: Path) -> None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)
        if self.owner is not None:
            os.chown(path, self.owner.uid, self.owner.gid)

    def write(self, path: Path, content: bytes, mode: int) -> None:
        """Replace ``path`` atomically with a file of the pod's user (never readable by another meanwhile)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            if self.owner is not None:
                os.fchown(file.fileno(), self.owner.uid, self.owner.gid)
            os.fchmod(file.fileno(), mode & 0o777)
            file.write(content)
        temporary.replace(path)

    def install_trust(self, bundle: Path) -> str:
        """Copy the CA bundle ``bundle`` into the pod root as its trust store; returns its container path."""
        self.write(self.root / TRUST_STORE.lstrip("/"), bundle.read_bytes(), 0o644)
        return TRUST_STORE

    def root_for(self, user: User | None) -> str:
        """The pod root as a process running as ``user`` names it (``PODID_POD_ROOT``): a user other than the
        sandbox's cannot pass the sandbox's private directories above it, so it goes through its cwd."""
        return str(self.root) if user is None or user.uid == os.geteuid() else SELF_ROOT


class Materializer:
    """Writes the volumes of pods of one cluster."""

    def __init__(self, cluster: Cluster, signer: TokenSigner) -> None:
        self._cluster = cluster
        self._signer = signer

    def materialize(self, pod: Obj, files: PodFiles) -> None:
        """Write every volume and mount; raises ContainerConfigError when a source is missing."""
        files.refresh_at = None
        files.prepare()
        sources = Sources(self._cluster, as_str(dig(pod, "metadata", "namespace")))
        for volume in (as_dict(v) for v in as_list(dig(pod, "spec", "volumes"))):
            name = as_str(volume.get("name"))
            try:
                self._volume(pod, volume, files.volumes / name, sources, files)
            except ContainerConfigError as error:  # the kubelet's FailedMount: the pod stays ContainerCreating
                why = f'MountVolume.SetUp failed for volume "{name}" : {error}'
                raise ContainerConfigError(why, "ContainerCreating") from None
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
        files.make_dir(target)
        if "secret" in volume:
            source = as_dict(volume["secret"])
            self._keys(files, target, sources, "Secret", as_str(source.get("secretName")), source, source)
        elif "configMap" in volume:
            source = as_dict(volume["configMap"])
            self._keys(files, target, sources, "ConfigMap", as_str(source.get("name")), source, source)
        elif "downwardAPI" in volume:
            self._downward(files, target, pod, as_dict(volume["downwardAPI"]), as_dict(volume["downwardAPI"]))
        elif "projected" in volume:
            projected = as_dict(volume["projected"])
            for source in (as_dict(s) for s in as_list(projected.get("sources"))):
                self._projection(target, pod, sources, source, projected, files)

    def _projection(self, target: Path, pod: Obj, sources: Sources, source: Obj, volume: Obj, files: PodFiles) -> None:
        if "serviceAccountToken" in source:
            self._token(target, pod, as_dict(source["serviceAccountToken"]), files)
        elif "secret" in source:
            secret = as_dict(source["secret"])
            self._keys(files, target, sources, "Secret", as_str(secret.get("name")), secret, volume)
        elif "configMap" in source:
            configmap = as_dict(source["configMap"])
            self._keys(files, target, sources, "ConfigMap", as_str(configmap.get("name")), configmap, volume)
        elif "downwardAPI" in source:
            self._downward(files, target, pod, as_dict(source["downwardAPI"]), volume)

    @staticmethod
    def _keys(files: PodFiles, target: Path, sources: Sources, kind: str, name: str, source: Obj, volume: Obj) -> None:
        data = sources.data(kind, name, source.get("optional") is True)
        if data is None:
            return
        mode = as_int(volume.get("defaultMode"), 0o644)
        items = [as_dict(i) for i in as_list(source.get("items"))]
        if not items:
            for key, content in data.items():
                files.write(target / key, content, mode)
            return
        for item in items:
            key = as_str(item.get("key"))
            if key not in data:
                if source.get("optional") is True:
                    continue
                what = _MISSING_KEY[kind]
                raise ContainerConfigError(f"{what}: {key}")
            files.write(target / as_str(item.get("path")), data[key], as_int(item.get("mode"), mode))

    @staticmethod
    def _downward(files: PodFiles, target: Path, pod: Obj, source: Obj, volume: Obj) -> None:
        mode = as_int(volume.get("defaultMode"), 0o644)
        for item in (as_dict(i) for i in as_list(source.get("items"))):
            path = as_str(dig(item, "fieldRef", "fieldPath"))
            if path:
                content = field_value(pod, path).encode()
                files.write(target / as_str(item.get("path")), content, as_int(item.get("mode"), mode))

    def _token(self, target: Path, pod: Obj, projection: Obj, files: PodFiles) -> None:
        namespace = as_str(dig(pod, "metadata", "namespace"))
        account_name = as_str(dig(pod, "spec", "serviceAccountName")) or "default"
        account = self._cluster.find(self._cluster.resource_type("serviceaccounts"), namespace, account_name)
        node_name = as_str(dig(pod, "spec", "nodeName"))
        node = self._cluster.find(self._cluster.resource_type("nodes"), "", node_name) if node_name else None
        binding = Binding(namespace, account_name, as_str(dig(account, "metadata", "uid")), pod, node)
        seconds = max(as_int(projection.get("expirationSeconds"), DEFAULT_TOKEN_SECONDS), MIN_TOKEN_SECONDS)
        audience = as_str(projection.get("audience")) or self._signer.issuer
        token, issued, expires = self._signer.mint(binding, [audience], seconds, extend=seconds == KUBELET_LIFETIME)
        files.write(target / as_str(projection.get("path")), token.encode(), TOKEN_MODE)
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
        relative = os.path.relpath(source, link.parent)
        if link.is_symlink() or link.exists():
            if link.is_symlink() and os.readlink(link) == relative:
                return
            if link.is_dir() and not link.is_symlink():
                shutil.rmtree(link)
            else:
                link.unlink()
        link.symlink_to(relative, target_is_directory=not sub_path)
