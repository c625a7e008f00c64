"""One cluster's API semantics over its object store: create, update, patch, delete, list, and the watch hub.

The HTTP layer and the in-process clients (controllers, the kubelet, the pod identity add-on) share these
methods, so both get the same validation, defaulting, optimistic concurrency and watch events::

    create: decode → prune (custom kinds) → default → validate → namespace lifecycle → admission → store
    update: same, plus resourceVersion precondition, status-subresource split, generation bump, no-op detection
    delete: preconditions → graceful (pods on a node) / pending (finalizers, namespaces) / immediate removal

Objects handed out by ``read``/``list_objects`` are the stored dicts: callers copy before changing them.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.store import Store
from podid.sandbox.kube.machinery.fieldtypes import custom_shape, shape_of
from podid.sandbox.kube.machinery.managedfields import UPDATE, FieldManager, Scope, record_update
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig, labels_of
from podid.sandbox.kube.machinery.resources import (
    AAD_POD_IDENTITY_TYPES,
    BUILTIN_TYPES,
    METRICS_TYPES,
    Catalog,
    ResourceType,
)
from podid.sandbox.kube.machinery.selectors import SelectorError, parse_field_selector, parse_label_selector
from podid.sandbox.kube.machinery.status import (
    KubeApiError,
    already_exists,
    bad_request,
    conflict,
    forbidden,
    not_found,
)
from podid.sandbox.kube.storage.objectstore import ObjectStore
from podid.sandbox.kube.validation.defaults import apply_defaults
from podid.sandbox.kube.validation.kinds import validate
from podid.sandbox.kube.validation.pruning import prune

# Kinds whose status is written only through the /status subresource (and whose spec only through the object).
STATUS_KINDS = frozenset(
    {
        "Pod",
        "Service",
        "Deployment",
        "ReplicaSet",
        "ReplicationController",
        "DaemonSet",
        "Job",
        "CronJob",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "StatefulSet",
        "Node",
        "Namespace",
        "CustomResourceDefinition",
    }
)


def has_status(rt: ResourceType) -> bool:
    """Whether ``rt``'s status is written only through ``/status``: a built-in with one, or a custom kind whose CRD
    version enables ``subresources.status`` (customresource strategy.go PrepareForCreate/PrepareForUpdate)."""
    return rt.kind in STATUS_KINDS or any(sub.name == "status" for sub in rt.subresources)


_GENERATION_KINDS = frozenset(
    {
        *("Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "Job", "CronJob", "PodDisruptionBudget"),
        *("HorizontalPodAutoscaler", "StatefulSet", "CustomResourceDefinition", "Ingress"),
    }
)
_SYSTEM_METADATA = ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds")
_CRDS = "apiextensions.k8s.io/customresourcedefinitions"  # where a custom kind's schema is
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # utilrand.String: no vowels, no confusable characters

J = TypeVar("J")
# (cluster, type, new object, old object or None on create); mutates the new object or raises KubeApiError
Admission = Callable[["Cluster", ResourceType, Obj, Obj | None], None]


def resource_name(rt: ResourceType) -> str:
    """``pods``, ``apps/deployments``: how kube.api names resources."""
    return f"{rt.group}/{rt.plural}" if rt.group else rt.plural


@dataclass
class DeleteOptions:
    propagation: str = "Background"
    grace_seconds: int | None = None
    preconditions: Obj = field(default_factory=dict)
    dry_run: bool = False

    @classmethod
    def from_body(cls, body: Obj, query_grace: str | None = None, query_policy: str | None = None) -> DeleteOptions:
        policy = query_policy or as_str(body.get("propagationPolicy"))
        if not policy and body.get("orphanDependents") is True:
            policy = "Orphan"
        grace = body.get("gracePeriodSeconds")
        if query_grace is not None:
            grace = int(query_grace) if query_grace.lstrip("-").isdigit() else None
        preconditions, dry_run = as_dict(body.get("preconditions")), bool(as_list(body.get("dryRun")))
        return cls(policy or "Background", grace if isinstance(grace, int) else None, preconditions, dry_run)


class Cluster:
    """The objects of one cluster with the API server's rules (implements ``kube.api.KubeCluster``)."""

    def __init__(self, cluster_id: str, store: Store, clock: Clock, ids: IdGenerator) -> None:
        self.cluster_id = cluster_id
        self.objects = ObjectStore(store, cluster_id.lower())
        self.hub = self.objects.hub
        self.serve_custom(())
        self.clock = clock
        self._ids = ids
        self._random = random.Random(ids.guid())  # generated names follow the sandbox's seed
        self._now = (0, "")
        self._admission: dict[str, list[Admission]] = {}

    # resource types and helpers

    def serve_custom(self, types: Iterable[ResourceType]) -> None:
        """Serve the built-in kinds plus ``types`` (the established CRDs' kinds, ``apiserver.crds``) from now on."""
        self.catalog = Catalog(BUILTIN_TYPES + AAD_POD_IDENTITY_TYPES + METRICS_TYPES + tuple(types))
        self._by_name = {resource_name(t): t for t in reversed(self.catalog.types)}  # two versions: the first

    def resource_type(self, resource: str) -> ResourceType:
        rt = self._by_name.get(resource)
        if rt is None:
            raise KeyError(f"unknown resource {resource!r}")
        return rt

    def type_of(self, obj: Obj) -> ResourceType | None:
        return self.catalog.for_kind(as_str(obj.get("apiVersion")), as_str(obj.get("kind")))

    def field_scope(self, rt: ResourceType) -> Scope:
        """What server-side apply and managedFields know of ``rt``'s objects (a CRD's kinds: its schema's)."""
        shape = shape_of(rt.kind, rt.custom)
        crd = self.objects.get(_CRDS, "", f"{rt.plural}.{rt.group}") if rt.custom else None
        if crd is not None:
            shape = custom_shape(crd, rt.version)
        return Scope(shape, rt.api_version, rt.kind, has_status(rt))

    def add_admission(self, kind: str, hook: Admission) -> None:
        self._admission.setdefault(kind, []).append(hook)

    def now(self) -> str:
        """An RFC 3339 timestamp with seconds precision (metav1.Time)."""
        second = int(self.clock.now())
        if second != self._now[0]:
            self._now = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
        return self._now[1]

    def random_suffix(self, length: int = 5) -> str:
        return "".join(self._random.choices(_NAME_ALPHABET, k=length))

    # reads

    def read(self, rt: ResourceType, namespace: str, name: str) -> Obj:
        obj = self.objects.get(resource_name(rt), namespace if rt.namespaced else "", name)
        if obj is None:
            raise not_found(rt, name)
        return obj

    def find(self, rt: ResourceType, namespace: str, name: str) -> Obj | None:
        return self.objects.get(resource_name(rt), namespace if rt.namespaced else "", name)

    def list_objects(
        self, rt: ResourceType, namespace: str | None, label_selector: str = "", field_selector: str = ""
    ) -> list[Obj]:
        """Matching objects sorted by namespace and name (etcd key order); bad selectors are 400s."""
        try:
            labels = parse_label_selector(label_selector) if label_selector else None
            fields = parse_field_selector(field_selector, rt.kind) if field_selector else None
        except SelectorError as err:
            raise bad_request(str(err)) from None
        found = self.objects.objects(resource_name(rt), namespace if rt.namespaced else None)
        selected = [
            obj
            for obj in found
            if (labels is None or labels.matches(labels_of(obj))) and (fields is None or fields.matches(obj))
        ]
        selected.sort(key=lambda o: (as_str(dig(o, "metadata", "namespace")), as_str(dig(o, "metadata", "name"))))
        return selected

    # create

    def create_object(
        self, rt: ResourceType, namespace: str, body: Obj, *, dry_run: bool = False, manager: FieldManager | None = None
    ) -> Obj:
        obj = self._decode(rt, body)
        meta = obj["metadata"]
        self._place(rt, meta, namespace)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = as_str(meta["generateName"]) + self.random_suffix()
        if rt.custom:
            obj = prune(obj, rt.kind)
            meta = obj["metadata"]
        if has_status(rt) and rt.kind != "Node":
            obj.pop("status", None)  # PrepareForCreate: status is the system's (a kubelet registers its node's)
        apply_defaults(obj, rt.kind, creating=True)
        validate(obj, rt)
        if rt.namespaced:
            self._check_namespace(rt, obj)
        if self.find(rt, as_str(meta.get("namespace")), meta["name"]) is not None:
            raise already_exists(rt, meta["name"])
        for key in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            meta.pop(key, None)
        meta["uid"] = self._ids.guid()
        meta["creationTimestamp"] = self.now()
        if rt.custom or rt.kind in _GENERATION_KINDS:
            meta["generation"] = 1
        self._admit(rt, obj, None)
        self._own(rt, None, obj, manager)
        if dry_run:
            return obj
        return self.objects.save(resource_name(rt), obj, None)

    # update

    def update_object(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        body: Obj,
        *,
        subresource: str = "",
        dry_run: bool = False,
        manager: FieldManager | None = None,
    ) -> Obj:
        """PUT: replace the object (or its status), with the resourceVersion precondition when one is sent."""
        old = self.read(rt, namespace, name)
        new = self._decode(rt, body)
        meta = new["metadata"]
        if meta.get("name") not in (None, name):
            raise bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
        self._place(rt, meta, namespace)
        meta["name"] = name
        sent_version = meta.get("resourceVersion")
        if sent_version not in (None, "") and sent_version != dig(old, "metadata", "resourceVersion"):
            raise conflict(rt, name)
        return self._replace(rt, old, new, subresource=subresource, dry_run=dry_run, manager=manager)

    def _replace(
        self,
        rt: ResourceType,
        old: Obj,
        new: Obj,
        *,
        subresource: str = "",
        dry_run: bool = False,
        manager: FieldManager | None = None,
    ) -> Obj:
        if rt.custom:
            new = prune(new, rt.kind)
        if subresource == "status":
            new = {**clone(old), "status": new.get("status")}
        elif has_status(rt):
            new["status"] = clone(old.get("status"))
        if new.get("status") is None:
            new.pop("status", None)
        apply_defaults(new, rt.kind, creating=False)
        meta, old_meta = new["metadata"], old["metadata"]
        for key in _SYSTEM_METADATA:
            if key in old_meta:
                meta[key] = old_meta[key]
            else:
                meta.pop(key, None)
        meta["resourceVersion"] = old_meta["resourceVersion"]
        validate(new, rt)
        if "generation" in meta and _spec_of(new) != _spec_of(old):
            meta["generation"] = int(meta["generation"]) + 1
        self._admit(rt, new, old)
        self._own(rt, old, new, manager)
        if new == old or dry_run:
            return old if new == old else new
        if meta.get("deletionTimestamp") and self._deletable(rt, new):
            return self.objects.remove(resource_name(rt), new)
        return self.objects.save(resource_name(rt), new, old)

    def write_status(self, rt: ResourceType, obj: Obj, status: Obj) -> Obj:
        """Controllers' status write (no resourceVersion precondition); a no-op when nothing changed."""
        current = self.read(rt, as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name")))
        if current.get("status") == status:
            return current
        return self._replace(rt, current, {**current, "status": status}, subresource="status")

    def commit(self, rt: ResourceType, old: Obj, new: Obj) -> Obj:
        """Store a system component's next state of ``old`` as is (a binding, a kubelet status); no-op if equal."""
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old:
            return old
        return self.objects.save(resource_name(rt), new, old)

    def write(self, rt: ResourceType, obj: Obj, manager: FieldManager | None = None) -> Obj:
        """Controllers' object write without precondition (``obj`` is a changed copy of the stored object)."""
        current = self.read(rt, as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name")))
        return self._replace(rt, current, clone(obj), manager=manager)

    # delete

    def delete_object(self, rt: ResourceType, namespace: str, name: str, options: DeleteOptions) -> Obj:
        obj = self.read(rt, namespace, name)
        self._check_preconditions(rt, obj, options.preconditions)
        if options.dry_run:
            return obj
        if options.propagation == "Orphan":
            self.orphan_dependents(obj)
        pending = self._pending_deletion(rt, obj, options.grace_seconds)
        if pending is not None:
            return pending
        return self.objects.remove(resource_name(rt), obj)

    def _pending_deletion(self, rt: ResourceType, obj: Obj, grace: int | None) -> Obj | None:
        """Mark ``obj`` as being deleted when it cannot go at once; None when it can be removed now."""
        meta = obj["metadata"]
        graceful = rt.kind == "Pod" and _runs_on_node(obj)
        wait = _grace_period(obj, grace) if graceful else 0
        if not meta.get("finalizers") and rt.kind != "Namespace" and wait == 0:
            return None
        if meta.get("deletionTimestamp") and meta.get("deletionGracePeriodSeconds", 0) <= wait:
            return obj
        marked = clone(obj)
        marked["metadata"]["deletionTimestamp"] = meta.get("deletionTimestamp") or self.now()
        marked["metadata"]["deletionGracePeriodSeconds"] = wait
        if rt.kind == "Namespace":
            marked["status"] = {**as_dict(obj.get("status")), "phase": "Terminating"}
        if self._deletable(rt, marked):
            self.objects.remove(resource_name(rt), marked)
            return marked
        return self.objects.save(resource_name(rt), marked, obj)

    def _deletable(self, rt: ResourceType, marked: Obj) -> bool:
        """A marked object goes once no finalizer and no grace period (a pod's kubelet) holds it."""
        meta = marked["metadata"]
        if meta.get("finalizers") or (rt.kind == "Namespace" and as_list(dig(marked, "spec", "finalizers"))):
            return False
        return rt.kind != "Pod" or not _runs_on_node(marked) or meta.get("deletionGracePeriodSeconds") == 0

    def orphan_dependents(self, owner: Obj) -> None:
        uid = as_str(dig(owner, "metadata", "uid"))
        for resource, dependent in list(self.objects.dependents(uid)):
            changed = clone(dependent)
            refs = [r for r in as_list(changed["metadata"].get("ownerReferences")) if dig(r, "uid") != uid]
            changed["metadata"]["ownerReferences"] = refs
            if not refs:
                del changed["metadata"]["ownerReferences"]
            self.objects.save(resource, changed, dependent)

    # kube.api.KubeCluster: resource names instead of types, and copies in both directions

    def get(self, resource: str, namespace: str | None, name: str) -> Obj | None:
        found = self.find(self.resource_type(resource), namespace or "", name)
        return clone(found) if found is not None else None

    def list(self, resource: str, namespace: str | None = None, label_selector: str | None = None) -> list[Obj]:
        return clone(self.list_objects(self.resource_type(resource), namespace, label_selector or ""))

    def create(self, resource: str, obj: Obj) -> Obj:
        namespace = as_str(dig(obj, "metadata", "namespace"))
        return clone(self.create_object(self.resource_type(resource), namespace, obj))

    def replace(self, resource: str, obj: Obj) -> Obj:
        namespace, name = as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))
        return clone(self.update_object(self.resource_type(resource), namespace, name, obj))

    def delete(self, resource: str, namespace: str | None, name: str) -> Obj | None:
        rt = self.resource_type(resource)
        if self.find(rt, namespace or "", name) is None:
            return None
        return clone(self.delete_object(rt, namespace or "", name, DeleteOptions()))

    def subscribe(self, callback: Callable[[str, str, Obj], None]) -> Callable[[], None]:
        def deliver(event_type: str, obj: Obj) -> None:
            rt = self.type_of(obj)
            if rt is not None:
                callback(event_type, resource_name(rt), clone(obj))

        return self.hub.listen(deliver)

    # internals

    def _decode(self, rt: ResourceType, body: Obj) -> Obj:
        """A copy of the body with apiVersion/kind checked (or filled in) against the URL's resource."""
        obj = clone(body)
        api_version, kind = obj.setdefault("apiVersion", rt.api_version), obj.setdefault("kind", rt.kind)
        if api_version != rt.api_version:
            expected = f"does not match the expected API version ({rt.api_version})"
            raise bad_request(f"the API version in the data ({api_version}) {expected}")
        if kind != rt.kind:
            raise bad_request(f"{kind} in version {json.dumps(rt.version)} cannot be handled as a {rt.kind}")
        if not isinstance(obj.get("metadata"), dict):
            obj["metadata"] = {}
        for key in ("labels", "annotations"):  # ObjectMeta's omitempty maps: a patch removing the last key drops them
            if obj["metadata"].get(key) == {}:
                del obj["metadata"][key]
        return obj

    @staticmethod
    def _place(rt: ResourceType, meta: Obj, namespace: str) -> None:
        if not rt.namespaced:
            meta.pop("namespace", None)
            return
        sent = meta.get("namespace")
        if sent and namespace and sent != namespace:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        if namespace:
            meta["namespace"] = namespace

    def _check_namespace(self, rt: ResourceType, obj: Obj) -> None:
        namespace_type = self.resource_type("namespaces")
        name = as_str(dig(obj, "metadata", "namespace"))
        found = self.find(namespace_type, "", name)
        if found is None:
            raise not_found(namespace_type, name)
        if dig(found, "metadata", "deletionTimestamp"):
            raise namespace_terminating(rt, as_str(dig(obj, "metadata", "name")), name)

    def _check_preconditions(self, rt: ResourceType, obj: Obj, preconditions: Obj) -> None:
        meta = obj["metadata"]
        for key, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            wanted = preconditions.get(key)
            if wanted and wanted != meta.get(key):
                why = f"Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {meta.get(key)}"
                raise conflict(rt, as_str(meta.get("name")), why)

    def _admit(self, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
        for hook in self._admission.get(rt.kind, ()):
            hook(self, rt, obj, old)

    def _own(self, rt: ResourceType, old: Obj | None, new: Obj, manager: FieldManager | None) -> None:
        """managedFields: an update's manager takes the fields it changed; a server-side apply has set them
        already; the in-process writers (no manager) keep the stored ones and create objects without."""
        if manager is None and old is None:
            new["metadata"].pop("managedFields", None)
        elif manager is not None and manager.operation == UPDATE:
            record_update(self.field_scope(rt), old, new, manager, self.now())


def namespace_terminating(rt: ResourceType, name: str, namespace: str) -> KubeApiError:
    """403 from the NamespaceLifecycle admission plugin."""
    why = f"unable to create new content in namespace {namespace} because it is being terminated"
    cause = {"reason": "NamespaceTerminating", "message": why, "field": "metadata.namespace"}
    error = forbidden(rt.group, rt.plural, user="", verb="create", name=name)
    error.status["message"] = f"{rt.group_resource} {json.dumps(name)} is forbidden: {why}"
    error.status["details"]["causes"] = [cause]
    return error


def clone(value: J) -> J:
    """A deep copy of decoded JSON (dicts, lists, scalars): several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return cast(J, {key: clone(item) for key, item in value.items()})
    if isinstance(value, list):
        return cast(J, [clone(item) for item in value])
    return value


def _spec_of(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def _runs_on_node(pod: Obj) -> bool:
    return bool(dig(pod, "spec", "nodeName")) and dig(pod, "status", "phase") not in ("Succeeded", "Failed")


def _grace_period(pod: Obj, requested: int | None) -> int:
    if requested is not None:
        return max(requested, 0)
    value = dig(pod, "spec", "terminationGracePeriodSeconds")
    return value if isinstance(value, int) and value >= 0 else 30
