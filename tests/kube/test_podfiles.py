"""What the kubelet gives a container: its environment and its mounted files (unit tests on a cluster object
store in memory, no server).

Covers: ``env`` values with ``$(VAR)`` expansion and ``$$`` escapes, downward API fields (name, namespace,
labels, status.podIP), Secret and ConfigMap keys (optional and missing), ``envFrom`` with prefixes; the command
line from ``command``/``args``; Secret, ConfigMap (items, modes), downward API, emptyDir and projected volumes
including the service-account token (audience, lifetime, kubelet extension) and ``subPath`` mounts; the files
are the pod user's only (directories 0700, tokens 0600 whatever the defaultMode, owned by the pod's user when
the sandbox is root, mount links relative so that they resolve from inside the pod root).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import jwt
import pytest

from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.store import Store
from podid.sandbox.kube.apiserver.admission import TOKEN_MOUNT, token_volume
from podid.sandbox.kube.identity.tokens import TokenSigner, new_signing_key
from podid.sandbox.kube.kubelet.podenv import ContainerConfigError, command_line, container_env, expand
from podid.sandbox.kube.kubelet.podfiles import Materializer, PodFiles
from podid.sandbox.kube.kubelet.runas import User
from podid.sandbox.kube.storage.cluster import Cluster


@pytest.fixture(scope="module")
def signing_key() -> str:
    return new_signing_key()


@pytest.fixture
def cluster() -> Cluster:
    cluster = Cluster(
        "/subscriptions/s/resourceGroups/g/providers/x/managedClusters/unit", Store(None), Clock(), IdGenerator(1)
    )
    cluster.create_object(cluster.resource_type("namespaces"), "", {"metadata": {"name": "app"}})
    for resource, body in (
        ("serviceaccounts", {"metadata": {"name": "default"}}),
        ("secrets", {"metadata": {"name": "creds"}, "stringData": {"user": "alice", "password": "s3cret"}}),
        ("configmaps", {"metadata": {"name": "settings"}, "data": {"mode": "fast", "level": "3"}}),
        ("configmaps", {"metadata": {"name": "kube-root-ca.crt"}, "data": {"ca.crt": "-----BEGIN CERTIFICATE-----"}}),
    ):
        cluster.create_object(cluster.resource_type(resource), "app", body)
    return cluster


def pod(containers: list[dict[str, Any]], volumes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "app", "uid": "uid-1", "labels": {"app": "web"}},
        "spec": {"containers": containers, "volumes": volumes or [], "serviceAccountName": "default"},
        "status": {"podIP": "127.244.0.9", "hostIP": "10.224.0.4"},
    }


def test_expansion() -> None:
    env = {"HOST": "db", "PORT": "5432"}
    assert expand("$(HOST):$(PORT)/$(MISSING)", env) == "db:5432/$(MISSING)"
    assert expand("$$(HOST) costs $$5", env) == "$(HOST) costs $5"


def test_container_env(cluster: Cluster) -> None:
    container = {
        "name": "c",
        "image": "x",
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "CFG_"}],
        "env": [
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            {"name": "USER", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "user"}}},
            {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}},
            {"name": "GONE", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k", "optional": True}}},
            {"name": "URL", "value": "http://$(IP):80/$(POD)"},
        ],
    }
    assert container_env(cluster, pod([container]), container) == {
        "CFG_mode": "fast",
        "CFG_level": "3",
        "POD": "web",
        "NS": "app",
        "IP": "127.244.0.9",
        "APP": "web",
        "USER": "alice",
        "MODE": "fast",
        "URL": "http://127.244.0.9:80/web",
    }


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"secretKeyRef": {"name": "nope", "key": "k"}}, 'secret "nope" not found'),
        ({"secretKeyRef": {"name": "creds", "key": "token"}}, "couldn't find key token in Secret app/creds"),
        ({"configMapKeyRef": {"name": "nope", "key": "k"}}, 'configmap "nope" not found'),
    ],
)
def test_missing_sources(cluster: Cluster, source: dict[str, Any], message: str) -> None:
    container = {"name": "c", "image": "x", "env": [{"name": "V", "valueFrom": source}]}
    with pytest.raises(ContainerConfigError) as raised:
        container_env(cluster, pod([container]), container)
    assert str(raised.value) == message and raised.value.reason == "CreateContainerConfigError"


def test_command_line() -> None:
    container = {"command": ["/bin/demo", "--verbose"], "args": ["--name=$(NAME)", "$$(literal)"]}
    assert command_line(container, {"NAME": "x"}) == ["--verbose", "--name=x", "$(literal)"]


def test_volumes_and_mounts(cluster: Cluster, signing_key: str, tmp_path: Path) -> None:
    signer = TokenSigner(signing_key, "https://issuer.example/", Clock())
    volumes = [
        {"name": "creds", "secret": {"secretName": "creds", "defaultMode": 0o400}},
        {"name": "settings", "configMap": {"name": "settings", "items": [{"key": "mode", "path": "conf/mode.txt"}]}},
        {"name": "info", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
        {"name": "scratch", "emptyDir": {}},
        {
            "name": "azure-identity-token",
            "projected": {
                "sources": [
                    {
                        "serviceAccountToken": {
                            "audience": "api://AzureADTokenExchange",
                            "path": "azure-identity-token",
                            "expirationSeconds": 3600,
                        }
                    }
                ]
            },
        },
        token_volume("kube-api-access-abcde"),
    ]
    mounts = [
        {"name": "creds", "mountPath": "/etc/creds"},
        {"name": "settings", "mountPath": "/etc/mode.txt", "subPath": "conf/mode.txt"},
        {"name": "info", "mountPath": "/etc/podinfo"},
        {"name": "scratch", "mountPath": "/tmp/scratch"},
        {"name": "azure-identity-token", "mountPath": "/var/run/secrets/azure/tokens"},
        {"name": "kube-api-access-abcde", "mountPath": TOKEN_MOUNT},
    ]
    spec = pod([{"name": "c", "image": "x", "volumeMounts": mounts}], volumes)
    files = PodFiles(tmp_path / "pod")
    Materializer(cluster, signer).materialize(spec, files)
    root = files.root
    assert (root / "etc/creds/password").read_text() == "s3cret"
    assert stat.S_IMODE(os.stat(root / "etc/creds/user").st_mode) == 0o400
    assert (root / "etc/mode.txt").read_text() == "fast"
    assert (root / "etc/podinfo/labels").read_text() == 'app="web"'
    assert (root / "tmp/scratch").is_dir()
    assert (root / "var/run/secrets/kubernetes.io/serviceaccount/namespace").read_text() == "app"
    assert (root / "var/run/secrets/kubernetes.io/serviceaccount/ca.crt").read_text().startswith("-----BEGIN")

    public = jwt.PyJWK(signer.jwks()["keys"][0]).key
    federated = (root / "var/run/secrets/azure/tokens/azure-identity-token").read_text()
    claims = jwt.decode(federated, public, algorithms=["RS256"], audience="api://AzureADTokenExchange")
    assert claims["iss"] == "https://issuer.example/" and claims["sub"] == "system:serviceaccount:app:default"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["kubernetes.io"]["pod"] == {"name": "web", "uid": "uid-1"}
    api_token = (root / "var/run/secrets/kubernetes.io/serviceaccount/token").read_text()
    api_claims = jwt.decode(api_token, public, algorithms=["RS256"], audience="https://issuer.example/")
    assert api_claims["exp"] - api_claims["iat"] == 365 * 24 * 3600  # extended, as AKS runs the apiserver
    assert api_claims["kubernetes.io"]["warnafter"] == api_claims["iat"] + 3607
    assert files.refresh_at is not None and files.refresh_at < claims["exp"]


def test_missing_volume_source_is_reported(cluster: Cluster, signing_key: str, tmp_path: Path) -> None:
    volumes = [{"name": "creds", "secret": {"secretName": "absent"}}]
    spec = pod([{"name": "c", "image": "x", "volumeMounts": [{"name": "creds", "mountPath": "/etc/creds"}]}], volumes)
    with pytest.raises(ContainerConfigError) as raised:
        Materializer(cluster, TokenSigner(signing_key, "https://i/", Clock())).materialize(spec, PodFiles(tmp_path))
    assert str(raised.value) == 'MountVolume.SetUp failed for volume "creds" : secret "absent" not found'
    assert raised.value.reason == "ContainerCreating"


@pytest.mark.parametrize(
    "owner",
    [
        None,
        pytest.param(
            User(4321, 5432),
            marks=pytest.mark.skipif(os.geteuid() != 0, reason="only root can give files to another user"),
        ),
    ],
)
def test_files_are_the_pods_users_only(cluster: Cluster, signing_key: str, tmp_path: Path, owner: User | None) -> None:
    volume = token_volume("kube-api-access-abcde")
    volume["projected"]["defaultMode"] = 0o644
    spec = pod([{"name": "c", "image": "x", "volumeMounts": [{"name": volume["name"], "mountPath": TOKEN_MOUNT}]}])
    spec["spec"]["volumes"] = [volume]
    files = PodFiles(tmp_path / "pod", owner)
    Materializer(cluster, TokenSigner(signing_key, "https://i/", Clock())).materialize(spec, files)
    mount = files.root / TOKEN_MOUNT.lstrip("/")
    assert not os.readlink(mount).startswith("/")
    token, ca = (mount / "token").stat(), (mount / "ca.crt").stat()
    assert stat.S_IMODE(token.st_mode) == 0o600 and stat.S_IMODE(ca.st_mode) == 0o644
    assert stat.S_IMODE(files.directory.stat().st_mode) == (0o700 if owner is None else 0o711)
    for directory in (files.volumes, files.root):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    uid, gid = (owner.uid, owner.gid) if owner is not None else (os.geteuid(), os.getegid())
    for found in (token, ca, files.volumes.stat(), files.root.stat(), (files.volumes / volume["name"]).stat()):
        assert (found.st_uid, found.st_gid) == (uid, gid)
