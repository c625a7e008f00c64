"""What an API server's OpenAPI v3 documents describe: its Kubernetes version, the built-in resources and
subresources it serves, and its CRDs (its custom types are described from them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from podid.sandbox.kube.machinery.objects import Obj
from podid.sandbox.kube.machinery.resources import ResourceType


@dataclass(frozen=True)
class Served:
    """What the documents describe: the cluster's version, the built-in resources served and the CRDs."""

    kubernetes_version: str
    resources: frozenset[tuple[str, str]]  # ("api/v1", "pods"), ("api/v1", "pods/log"), ("apis/apps/v1", …), …
    crds: tuple[Obj, ...]

    @classmethod
    def of(
        cls,
        kubernetes_version: str,
        types: Iterable[ResourceType],
        subresources: Callable[[ResourceType], Iterable[str]],
        crds: Iterable[Obj],
    ) -> Served:
        """The built-in types of the catalogue with the subresources the API server serves of each, and the CRDs
        (the custom types of the catalogue are described from their CRDs)."""
        resources = {
            (group_version_path(t.group, t.version), resource)
            for t in types
            if not t.custom
            for resource in (t.plural, *(f"{t.plural}/{sub}" for sub in subresources(t)))
        }
        return cls(kubernetes_version, frozenset(resources), tuple(crds))

    def serves(self, group_version: str) -> Callable[[str, str], bool]:
        return lambda plural, sub: (group_version, f"{plural}/{sub}" if sub else plural) in self.resources


def group_version_path(group: str, version: str) -> str:
    """``api/v1`` or ``apis/<group>/<version>``: a group-version's name in the discovery document."""
    return f"apis/{group}/{version}" if group else f"api/{version}"
