"""What steps learn and hand on to later steps during one run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from podid.provision.clients import Clients
from podid.provision.design import Design

if TYPE_CHECKING:  # the SDK's models and the Kubernetes client load when a step first needs them
    from azure.mgmt.containerservice.models import ManagedCluster
    from azure.mgmt.msi.models import Identity

    from podid.provision.kube import Kube


@dataclass
class State:
    design: Design
    clients: Clients
    kubeconfig: Path
    cluster: ManagedCluster | None = None  # once it exists
    identities: dict[str, Identity] = field(default_factory=dict)  # user-assigned identities by name
    kube: Kube | None = None  # once the cluster can be reached
    adopt: bool = False  # `up --adopt`: claim (tag) the existing resources it reuses
    overwrite_kubeconfig: bool = False  # `up --overwrite-existing`: replace another cluster's kubeconfig entries
    confirm: Callable[[str], bool] = lambda question: False  # a yes/no question to the user; False: cannot ask

    @property
    def node_group(self) -> str | None:
        return getattr(self.cluster, "node_resource_group", None)

    @property
    def kubelet(self) -> dict[str, str] | None:
        """The kubelet identity {resourceId, clientId, objectId} from identityProfile."""
        profile = getattr(self.cluster, "identity_profile", None) or {}
        kubelet = profile.get("kubeletidentity")
        if kubelet is None:
            return None
        return {"resourceId": kubelet.resource_id, "clientId": kubelet.client_id, "objectId": kubelet.object_id}
