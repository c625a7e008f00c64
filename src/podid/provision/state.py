"""What steps learn and hand on to later steps during one run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podid.provision.clients import Clients
from podid.provision.design import Design


@dataclass
class State:
    design: Design
    clients: Clients
    kubeconfig: Path
    cluster: Any = None  # ManagedCluster once it exists
    identities: dict[str, Any] = field(default_factory=dict)  # user-assigned Identity by name
    kube: Any = None  # a provision.kube.Kube once the cluster can be reached
    adopt: bool = False  # `up --adopt`: claim (tag) the existing resources it reuses
    overwrite_kubeconfig: bool = False  # `up --overwrite-existing`: replace another cluster's kubeconfig entries
    confirm: Callable[[str], bool] = lambda question: False  # a yes/no question to the user; False: cannot ask

    @property
    def cluster_principal(self) -> str | None:
        """The cluster (control-plane) identity: what aks-preview grants Managed Identity Operator to."""
        identity = getattr(self.cluster, "identity", None)
        if identity is None:
            return None
        if identity.principal_id:
            return str(identity.principal_id)
        assigned = identity.user_assigned_identities or {}
        return next((str(item.principal_id) for item in assigned.values() if item.principal_id), None)

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
