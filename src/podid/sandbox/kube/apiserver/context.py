"""What the HTTP handlers of one API server reach: the cluster, its kubelet, authentication and identity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from podid.sandbox.kube.apiserver.authentication import Authenticator
from podid.sandbox.kube.identity.tokens import TokenSigner
from podid.sandbox.kube.kubelet.kubelet import Kubelet
from podid.sandbox.kube.machinery.encoding import EncodingCache
from podid.sandbox.kube.openapi import OpenApi
from podid.sandbox.kube.rbac.authorizer import Authorizer
from podid.sandbox.kube.storage.cluster import Cluster


@dataclass
class ApiContext:
    cluster: Cluster
    kubelet: Kubelet
    authenticator: Authenticator
    authorizer: Authorizer
    signer: TokenSigner
    kubernetes_version: str  # "1.29.4"
    server_url: str  # https://127.0.0.1:<port>
    count_write: Callable[[str], None]
    encoding: EncodingCache = field(default_factory=EncodingCache)
    openapi: OpenApi = field(default_factory=OpenApi)

    def version_info(self) -> dict[str, str]:
        """``GET /version``: what kubectl version and the discovery client read."""
        major, minor, *_ = [*self.kubernetes_version.split("."), "0", "0"]
        return {
            "major": major,
            "minor": minor,
            "gitVersion": f"v{self.kubernetes_version}",
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2024-01-01T00:00:00Z",
            "goVersion": "go1.22.5",
            "compiler": "gc",
            "platform": "linux/amd64",
        }
