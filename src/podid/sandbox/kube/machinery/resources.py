"""The catalogue of kinds the sandbox API server serves, and the discovery documents built from it.

kubectl 1.20 resolves every resource name (``po``, ``azureidentity``, ``deploy``) from discovery alone:
``/api``, ``/apis`` and one APIResourceList per group-version (kubernetes/client-go restmapper/discovery.go and
restmapper/shortcut.go). Without ``shortNames`` ``kubectl get po`` fails, so every built-in carries the short
names a real cluster advertises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from podid.sandbox.kube.machinery.objects import Obj

RBAC_GROUP = "rbac.authorization.k8s.io"
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
NAMESPACE_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class PrinterColumn:
    """A CRD ``additionalPrinterColumns`` entry (simple JSONPath like ``.spec.clientID``)."""

    name: str
    type: str
    json_path: str
    description: str = ""
    format: str = ""
    priority: int = 0


@dataclass(frozen=True)
class Subresource:
    """A subresource such as ``pods/log``; discovery lists it with the parent's kind."""

    name: str
    verbs: tuple[str, ...] = ("get",)
    kind: str = ""  # when not the parent's: a custom kind's ``scale`` is autoscaling/v1 Scale
    group: str = ""
    version: str = ""


@dataclass(frozen=True)
class ResourceType:
    """One served resource: its REST coordinates plus what discovery and printing need."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    singular: str = ""
    verbs: tuple[str, ...] = ALL_VERBS
    list_kind: str = ""
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    custom: bool = False  # served from a CustomResourceDefinition: merge/JSON patch only, pruned
    printer_columns: tuple[PrinterColumn, ...] = ()

    def __post_init__(self) -> None:
        if not self.singular:
            object.__setattr__(self, "singular", self.kind.lower())
        if not self.list_kind:
            object.__setattr__(self, "list_kind", self.kind + "List")

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``<group>/<version>`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource_name(self) -> str:
        """``pods`` or ``apps/deployments``: how the in-process API (``kube.api``) names resources."""
        return f"{self.group}/{self.plural}" if self.group else self.plural

    @property
    def group_resource(self) -> str:
        """``pods`` or ``deployments.apps``: how Status messages name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def group_kind(self) -> str:
        """``Pod`` or ``Deployment.apps``: how Invalid messages name the kind."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def discovery_entries(self) -> list[Obj]:
        """The APIResource entries for this type and its subresources."""
        entry: Obj = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        subs: list[Obj] = [
            {
                "name": f"{self.plural}/{sub.name}",
                "singularName": "",
                "namespaced": self.namespaced,
                **({"group": sub.group, "version": sub.version} if sub.version else {}),
                "kind": sub.kind or self.kind,
                "verbs": list(sub.verbs),
            }
            for sub in self.subresources
        ]
        return [entry, *subs]


def _core(
    plural: str,
    kind: str,
    *short: str,
    namespaced: bool = True,
    singular: str = "",
    verbs: tuple[str, ...] = ALL_VERBS,
    categories: tuple[str, ...] = (),
    subresources: tuple[Subresource, ...] = (),
) -> ResourceType:
    return ResourceType(
        "", "v1", plural, kind, namespaced, short, singular, verbs, categories=categories, subresources=subresources
    )


def _aad(plural: str, kind: str, *columns: PrinterColumn) -> ResourceType:
    return ResourceType("aadpodidentity.k8s.io", "v1", plural, kind, True, custom=True, printer_columns=columns)


_ALL = ("all",)
_AGE_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
    "It is represented in RFC3339 form and is in UTC."
)
_AGE = PrinterColumn("Age", "date", ".metadata.creationTimestamp", _AGE_DESCRIPTION)
# kubectl autoscale finds a kind's scale subresource in discovery (autoscale.go: "could not find scale subresource")
_SCALED = (Subresource("scale", ("get", "patch", "update"), "Scale", "autoscaling", "v1"),)

BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _core("namespaces", "Namespace", "ns", namespaced=False, verbs=NAMESPACE_VERBS),
    _core("nodes", "Node", "no", namespaced=False),
    _core(
        "pods",
        "Pod",
        "po",
        categories=_ALL,
        subresources=(Subresource("eviction", ("create",), "Eviction", "policy", "v1"), Subresource("log")),
    ),
    _core("services", "Service", "svc", categories=_ALL),
    _core("endpoints", "Endpoints", "ep", singular="endpoints"),
    _core("serviceaccounts", "ServiceAccount", "sa"),
    _core("secrets", "Secret"),
    _core("configmaps", "ConfigMap", "cm"),
    _core("events", "Event", "ev"),
    _core("replicationcontrollers", "ReplicationController", "rc", categories=_ALL, subresources=_SCALED),
    ResourceType("apps", "v1", "deployments", "Deployment", True, ("deploy",), categories=_ALL, subresources=_SCALED),
    ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), categories=_ALL, subresources=_SCALED),
    ResourceType("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), categories=_ALL),
    ResourceType("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), categories=_ALL, subresources=_SCALED),
    ResourceType("batch", "v1", "jobs", "Job", True, categories=_ALL),
    ResourceType("batch", "v1", "cronjobs", "CronJob", True, ("cj",), categories=_ALL),
    ResourceType("coordination.k8s.io", "v1", "leases", "Lease", True),  # node heartbeats, leader election
    ResourceType("events.k8s.io", "v1", "events", "Event", True, ("ev",)),  # the core events, another version
    ResourceType(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
        categories=("api-extensions",),
    ),
    # stored only: nothing serves an APIService's group (kube-aggregator's registry, its "api-extensions" category)
    ResourceType(
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        "APIService",
        False,
        categories=("api-extensions",),
        subresources=(Subresource("status", ("get", "patch", "update")),),
    ),
    ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",)),
    ResourceType(RBAC_GROUP, "v1", "clusterroles", "ClusterRole", False),
    ResourceType(RBAC_GROUP, "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    ResourceType(RBAC_GROUP, "v1", "roles", "Role", True),
    ResourceType(RBAC_GROUP, "v1", "rolebindings", "RoleBinding", True),
    ResourceType(
        "authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False, verbs=("create",)
    ),
    ResourceType(
        "authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False, verbs=("create",)
    ),
    # kubectl auth whoami: v1 from kubectl 1.28, v1beta1 before
    ResourceType("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=("create",)),
    ResourceType(
        "authentication.k8s.io", "v1beta1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=("create",)
    ),
    ResourceType("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    ResourceType("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ("pdb",)),
    # one storage (v2, the preferred version, first) served in two versions (apiserver.hpa_v1)
    ResourceType(
        "autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ("hpa",), categories=_ALL
    ),
    ResourceType(
        "autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ("hpa",), categories=_ALL
    ),
)

# The printer columns are those of the aad-pod-identity Helm chart CRDs (Azure/aad-pod-identity
# charts/aad-pod-identity/crds/crd.yaml, additionalPrinterColumns).
AAD_POD_IDENTITY_TYPES: tuple[ResourceType, ...] = (
    _aad(
        "azureidentities",
        "AzureIdentity",
        PrinterColumn("Type", "string", ".spec.type"),
        PrinterColumn("ClientID", "string", ".spec.clientID"),
        _AGE,
    ),
    _aad(
        "azureidentitybindings",
        "AzureIdentityBinding",
        PrinterColumn("AzureIdentity", "string", ".spec.azureIdentity"),
        PrinterColumn("Selector", "string", ".spec.selector"),
        _AGE,
    ),
    _aad("azureassignedidentities", "AzureAssignedIdentity"),
    _aad("azurepodidentityexceptions", "AzurePodIdentityException"),
)

# Served by metrics-server through the aggregator on every AKS cluster, not by kube-apiserver (so not in its
# OpenAPI documents): read and listed, never stored (kubernetes-sigs/metrics-server pkg/api/install.go).
METRICS_TYPES: tuple[ResourceType, ...] = (
    ResourceType("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", False, verbs=("get", "list")),
    ResourceType("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", True, verbs=("get", "list")),
)


class Catalog:
    """An immutable set of served types with lookups and the discovery documents kubectl needs."""

    def __init__(self, types: Iterable[ResourceType]) -> None:
        self._types = tuple(types)
        self._by_path = {(t.group, t.version, t.plural): t for t in self._types}
        self._by_kind = {(t.api_version, t.kind): t for t in self._types}
        self._by_name = {t.resource_name: t for t in reversed(self._types)}  # a kind in two versions: the first

    @property
    def types(self) -> tuple[ResourceType, ...]:
        return self._types

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        """The type served at ``/api[s]/<group>/<version>/.../<plural>``."""
        return self._by_path.get((group, version, plural))

    def named(self, resource: str) -> ResourceType | None:
        """The type called ``pods`` / ``apps/deployments`` in the in-process API."""
        return self._by_name.get(resource)

    def for_kind(self, api_version: str, kind: str) -> ResourceType | None:
        """The type whose objects carry this ``apiVersion`` and ``kind``."""
        return self._by_kind.get((api_version, kind))

    def api_versions(self, server_address: str | None = None) -> Obj:
        """``GET /api``: the core group's APIVersions."""
        doc: Obj = {"kind": "APIVersions", "versions": ["v1"]}
        if server_address:
            doc["serverAddressByClientCIDRs"] = [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
        return doc

    def api_group_list(self) -> Obj:
        """``GET /apis``: every named group, in catalogue order."""
        groups = [self._group_doc(g) for g in self._groups()]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def api_group(self, group: str) -> Obj | None:
        """``GET /apis/<group>``, or None when the group is not served."""
        if group not in self._groups():
            return None
        return {"kind": "APIGroup", "apiVersion": "v1", **self._group_doc(group)}

    def api_resource_list(self, group: str, version: str) -> Obj | None:
        """``GET /api/v1`` or ``GET /apis/<group>/<version>``, or None when not served."""
        served = [t for t in self._types if t.group == group and t.version == version]
        if not served:
            return None
        resources = [entry for t in served for entry in t.discovery_entries()]
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": served[0].api_version,
            "resources": resources,
        }

    def _groups(self) -> list[str]:
        return list(dict.fromkeys(t.group for t in self._types if t.group))

    def _group_doc(self, group: str) -> Obj:
        versions = list(dict.fromkeys(t.version for t in self._types if t.group == group))
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": entries, "preferredVersion": entries[0]}
