"""Admission for pods and workloads: the service-account token volume and the update rules.

* The ServiceAccount plugin gives every pod (unless ``automountServiceAccountToken: false`` on the pod or its
  account) the projected ``kube-api-access-<5>`` volume mounted at the well-known path in every container; the
  kubelet materialises it like any other projected volume.
* ValidatePodUpdate: a pod's spec may change only in container images, ``activeDeadlineSeconds``,
  ``terminationGracePeriodSeconds`` and added tolerations (``kubectl apply`` with a new image patches it).
* A Deployment's or ReplicaSet's ``spec.selector`` is immutable in apps/v1, and so is a binding's ``roleRef``.
"""

from __future__ import annotations

import copy

from podid.sandbox.kube.controllers.lifecycle import ROOT_CA_CONFIGMAP
from podid.sandbox.kube.identity.tokens import KUBELET_LIFETIME
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.status import GoText, forbidden_field, invalid, invalid_value
from podid.sandbox.kube.storage.cluster import Cluster

TOKEN_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
_POD_UPDATE = (
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


_NAMESPACE_FIELD = {"apiVersion": "v1", "fieldPath": "metadata.namespace"}


def token_volume(name: str) -> Obj:
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": KUBELET_LIFETIME, "path": "token"}},
                {"configMap": {"name": ROOT_CA_CONFIGMAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {
                    "downwardAPI": {
                        "items": [
                            {"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}
                        ]
                    }
                },
            ],
        },
    }


def _automount(cluster: Cluster, pod: Obj) -> bool:
    spec = as_dict(pod.get("spec"))
    if isinstance(spec.get("automountServiceAccountToken"), bool):
        return bool(spec["automountServiceAccountToken"])
    account = cluster.find(
        cluster.resource_type("serviceaccounts"),
        as_str(dig(pod, "metadata", "namespace")),
        as_str(spec.get("serviceAccountName")),
    )
    return dig(account, "automountServiceAccountToken") is not False


def admit_pod(cluster: Cluster, rt: ResourceType, pod: Obj, old: Obj | None) -> None:
    if old is not None:
        _check_pod_update(rt, pod, old)
        return
    if not _automount(cluster, pod):
        return
    spec = pod["spec"]
    containers = [as_dict(c) for c in as_list(spec.get("containers")) + as_list(spec.get("initContainers"))]
    if any(as_dict(m).get("mountPath") == TOKEN_MOUNT for c in containers for m in as_list(c.get("volumeMounts"))):
        return
    name = f"kube-api-access-{cluster.random_suffix()}"
    spec.setdefault("volumes", []).append(token_volume(name))
    for container in containers:
        container.setdefault("volumeMounts", []).append({"name": name, "readOnly": True, "mountPath": TOKEN_MOUNT})


def _mutable_parts_from(spec: Obj, source: Obj) -> Obj:
    """``spec`` with the fields a pod update may change taken from ``source``."""
    merged = copy.deepcopy(spec)
    for field in ("containers", "initContainers"):
        images = {as_str(c.get("name")): c.get("image") for c in (as_dict(c) for c in as_list(source.get(field)))}
        for container in (as_dict(c) for c in as_list(merged.get(field))):
            if as_str(container.get("name")) in images:
                container["image"] = images[as_str(container.get("name"))]
    for field in ("activeDeadlineSeconds", "terminationGracePeriodSeconds", "tolerations"):
        merged.pop(field, None)
        if field in source:
            merged[field] = source[field]
    return merged


def _check_pod_update(rt: ResourceType, pod: Obj, old: Obj) -> None:
    new_spec, old_spec = as_dict(pod.get("spec")), as_dict(old.get("spec"))
    if _mutable_parts_from(new_spec, old_spec) != old_spec:
        raise invalid(rt, as_str(dig(pod, "metadata", "name")), [forbidden_field("spec", _POD_UPDATE)])


def admit_workload(_cluster: Cluster, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
    if old is None:
        return
    selector = dig(obj, "spec", "selector")
    if selector != dig(old, "spec", "selector"):
        error = invalid_value("spec.selector", selector, "field is immutable")
        raise invalid(rt, as_str(dig(obj, "metadata", "name")), [error])


def admit_binding(_cluster: Cluster, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
    ref = as_dict(obj.get("roleRef"))
    if old is None or ref == as_dict(old.get("roleRef")):
        return
    fields = (as_str(ref.get(key)) for key in ("apiGroup", "kind", "name"))
    value = GoText('rbac.RoleRef{{APIGroup:"{}", Kind:"{}", Name:"{}"}}'.format(*fields))
    raise invalid(rt, as_str(dig(obj, "metadata", "name")), [invalid_value("roleRef", value, "cannot change roleRef")])


def install(cluster: Cluster) -> None:
    cluster.add_admission("Pod", admit_pod)
    cluster.add_admission("Deployment", admit_workload)
    cluster.add_admission("ReplicaSet", admit_workload)
    cluster.add_admission("RoleBinding", admit_binding)
    cluster.add_admission("ClusterRoleBinding", admit_binding)
