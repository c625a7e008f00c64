"""What podid created, and so may remove: tags on ARM resources, a marker in role descriptions, a label on
Kubernetes objects. Whatever ``up`` found and reused carries none of them and is kept by ``down``, unless it
was adopted (``podid up --adopt``), which gives it the same tags or marker.

Tags are how Azure itself records who manages a resource (e.g. ``aks-managed-*`` on node resources, and
https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources); role definitions and
assignments take no tags, so their ``description`` carries the marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from podid.provision.design import Design

MANAGED_BY = "managed-by"
PODID = "podid"
SETUP_TAG = "podid-setup"
# https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
KUBE_LABEL = "app.kubernetes.io/managed-by"


def tags(design: Design) -> dict[str, str]:
    return {MANAGED_BY: PODID, SETUP_TAG: design.setup}


def marker(design: Design) -> str:
    return f"[{MANAGED_BY}: {PODID}, {SETUP_TAG}: {design.setup}]"


def tagged(design: Design, found: Mapping[str, Any] | None) -> bool:
    """The resource's tags say this setup created (or adopted) it; tag names are case-insensitive in ARM."""
    lowered = {str(name).lower(): value for name, value in (found or {}).items()}
    return all(lowered.get(name.lower()) == value for name, value in tags(design).items())


def marked(design: Design, description: str | None) -> bool:
    return marker(design) in (description or "")


def described(design: Design, text: str) -> str:
    return f"{text} {marker(design)}"


@dataclass(frozen=True)
class Owner:
    """How a resource shows it is this setup's: ``owns(wire JSON)``, and the fields that claim it."""

    design: Design
    by_description: bool = False  # role definitions: no tags, the marker in properties.description
    description: str = ""

    def owns(self, body: Mapping[str, Any]) -> bool:
        if self.by_description:
            return marked(self.design, (body.get("properties") or {}).get("description"))
        return tagged(self.design, body.get("tags"))

    def claim(self) -> dict[str, Any]:
        if self.by_description:
            return {"properties": {"description": described(self.design, self.description)}}
        return {"tags": tags(self.design)}


def labelled(obj: dict[str, Any]) -> dict[str, Any]:
    """A Kubernetes object as podid creates it: labelled as managed by podid."""
    meta = obj["metadata"]
    return {**obj, "metadata": {**meta, "labels": {**(meta.get("labels") or {}), KUBE_LABEL: PODID}}}


def kube_owned(obj: Mapping[str, Any] | None) -> bool:
    return ((obj or {}).get("metadata", {}).get("labels") or {}).get(KUBE_LABEL) == PODID
