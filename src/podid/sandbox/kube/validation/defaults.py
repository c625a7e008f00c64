"""Server-side defaults, as the apiserver's defaulting functions and admission plugins apply them.

``kubectl get -o yaml`` after an apply shows these fields on a real cluster (``restartPolicy: Always``,
``protocol: TCP``, ``imagePullPolicy``...), and controllers read them (a Deployment's ``replicas`` of 1).
Defaulting runs on every decoded body, creates and updates alike; the initial status is set on create only.
Every function here mutates the (already copied) object it is given.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig

_DEFAULT_MODE = 420  # 0644
_DEFAULT_TOLERATION_SECONDS = 300
_NODE_PROBLEMS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def _setdefaults(target: Obj, **values: Any) -> None:
    for key, value in values.items():
        target.setdefault(key, value)


def _image_pull_policy(image: str) -> str:
    """Always for ``:latest`` or untagged images, else IfNotPresent (SetDefaults_Container)."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _container(container: Obj) -> None:
    _setdefaults(
        container,
        terminationMessagePath="/dev/termination-log",
        terminationMessagePolicy="File",
        imagePullPolicy=_image_pull_policy(as_str(container.get("image"))),
        resources={},
    )
    for port in as_list(container.get("ports")):
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")


def _volume(volume: Obj) -> None:
    for source in ("secret", "configMap", "projected", "downwardAPI"):
        if isinstance(volume.get(source), dict):
            volume[source].setdefault("defaultMode", _DEFAULT_MODE)


def pod_spec(spec: Obj) -> None:
    """SetDefaults_PodSpec and the container/volume defaults (pods and pod templates)."""
    _setdefaults(
        spec,
        restartPolicy="Always",
        terminationGracePeriodSeconds=30,
        dnsPolicy="ClusterFirst",
        securityContext={},
        schedulerName="default-scheduler",
        enableServiceLinks=True,
    )
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    for container in as_list(spec.get("containers")) + as_list(spec.get("initContainers")):
        if isinstance(container, dict):
            _container(container)
    for volume in as_list(spec.get("volumes")):
        if isinstance(volume, dict):
            _volume(volume)


def qos_class(spec: Obj) -> str:
    """BestEffort without any request or limit; Guaranteed when every container's limits equal its requests."""
    containers = [as_dict(c) for c in as_list(spec.get("containers")) + as_list(spec.get("initContainers"))]
    resources = [as_dict(c.get("resources")) for c in containers]
    if not any(as_dict(r.get("requests")) or as_dict(r.get("limits")) for r in resources):
        return "BestEffort"
    for r in resources:
        limits = as_dict(r.get("limits"))
        requests = {**limits, **as_dict(r.get("requests"))}
        if not all(k in limits for k in ("cpu", "memory")) or requests != limits:
            return "Burstable"
    return "Guaranteed"


def _pod(pod: Obj, creating: bool) -> None:
    """Pod defaults plus the admission plugins every cluster runs (ServiceAccount, DefaultTolerationSeconds...)."""
    spec = pod.setdefault("spec", {})
    pod_spec(spec)
    spec.setdefault("serviceAccountName", "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    _setdefaults(spec, priority=0, preemptionPolicy="PreemptLowerPriority")
    tolerations = spec.setdefault("tolerations", [])
    present = {as_str(as_dict(t).get("key")) for t in tolerations}
    for key in _NODE_PROBLEMS:
        if key not in present:
            toleration = {"key": key, "operator": "Exists", "effect": "NoExecute"}
            tolerations.append({**toleration, "tolerationSeconds": _DEFAULT_TOLERATION_SECONDS})
    if creating:
        pod["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}


def _template_spec(obj: Obj) -> None:
    pod_spec(as_dict(obj.get("spec")).setdefault("template", {}).setdefault("spec", {}))


def _deployment(deployment: Obj, _creating: bool) -> None:
    spec = deployment.setdefault("spec", {})
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        _setdefaults(strategy.setdefault("rollingUpdate", {}), maxSurge="25%", maxUnavailable="25%")
    _setdefaults(spec, replicas=1, revisionHistoryLimit=10, progressDeadlineSeconds=600)
    _template_spec(deployment)
    deployment.setdefault("status", {})


def _replicaset(replicaset: Obj, _creating: bool) -> None:
    replicaset.setdefault("spec", {}).setdefault("replicas", 1)
    _template_spec(replicaset)
    replicaset.setdefault("status", {"replicas": 0})


def _replicationcontroller(controller: Obj, _creating: bool) -> None:
    """SetDefaults_ReplicationController: the selector and labels default to the template's labels."""
    spec = controller.setdefault("spec", {})
    template_labels = as_dict(dig(spec, "template", "metadata", "labels"))
    if template_labels:
        if not as_dict(spec.get("selector")):
            spec["selector"] = dict(template_labels)
        if not as_dict(controller["metadata"].get("labels")):
            controller["metadata"]["labels"] = dict(template_labels)
    spec.setdefault("replicas", 1)
    _template_spec(controller)
    controller.setdefault("status", {"replicas": 0})


def _daemonset(daemonset: Obj, _creating: bool) -> None:
    spec = daemonset.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        _setdefaults(strategy.setdefault("rollingUpdate", {}), maxUnavailable=1, maxSurge=0)
    _setdefaults(spec, revisionHistoryLimit=10)
    _template_spec(daemonset)
    counts = ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady")
    daemonset.setdefault("status", dict.fromkeys(counts, 0))


def _job(job: Obj, _creating: bool) -> None:
    """SetDefaults_Job: one completion at a time unless told otherwise, six retries."""
    spec = job.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _setdefaults(spec, parallelism=1, backoffLimit=6, completionMode="NonIndexed", suspend=False)
    _setdefaults(spec, podReplacementPolicy="TerminatingOrFailed")
    _template_spec(job)
    job.setdefault("status", {})


def _cronjob(cronjob: Obj, _creating: bool) -> None:
    """SetDefaults_CronJob (pkg/apis/batch/v1/defaults.go); the job template's JobSpec gets no Job defaults, its
    pod template the pod's."""
    spec = cronjob.setdefault("spec", {})
    _setdefaults(spec, concurrencyPolicy="Allow", suspend=False, successfulJobsHistoryLimit=3)
    _setdefaults(spec, failedJobsHistoryLimit=1)
    _template_spec(spec.setdefault("jobTemplate", {}))
    cronjob.setdefault("status", {})


def _statefulset(statefulset: Obj, _creating: bool) -> None:
    """SetDefaults_StatefulSet (pkg/apis/apps/v1/defaults.go), PVC retention included (on by default since 1.27)."""
    spec = statefulset.setdefault("spec", {})
    _setdefaults(spec, replicas=1, podManagementPolicy="OrderedReady", revisionHistoryLimit=10)
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        _setdefaults(strategy.setdefault("rollingUpdate", {}), partition=0)
    retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    _setdefaults(retention, whenDeleted="Retain", whenScaled="Retain")
    _template_spec(statefulset)
    statefulset.setdefault("status", {"replicas": 0, "availableReplicas": 0})


def _hpa(hpa: Obj, _creating: bool) -> None:
    """SetDefaults_HorizontalPodAutoscaler (pkg/apis/autoscaling/v2/defaults.go): one replica at least, and 80% CPU
    utilization when no metric is named."""
    spec = hpa.setdefault("spec", {})
    spec.setdefault("minReplicas", 1)
    if not spec.get("metrics"):
        utilization = {"type": "Utilization", "averageUtilization": 80}
        spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": utilization}}]
    hpa.setdefault("status", {})


def _service(service: Obj, _creating: bool) -> None:
    """SetDefaults_Service; the cluster IP and node ports are allocated by the cluster."""
    spec = service.setdefault("spec", {})
    _setdefaults(spec, type="ClusterIP", sessionAffinity="None", internalTrafficPolicy="Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    for port in as_list(spec.get("ports")):
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    service.setdefault("status", {"loadBalancer": {}})


def _namespace(namespace: Obj, creating: bool) -> None:
    name = as_str(namespace["metadata"].get("name"))
    namespace["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    namespace.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    if creating:
        namespace["status"] = {"phase": "Active"}


def _lease(lease: Obj, _creating: bool) -> None:
    """The lease strategy's PrepareForCreate/PrepareForUpdate drop the coordinated leader election fields while
    the CoordinatedLeaderElection feature gate is off, as it is by default and on AKS
    (pkg/registry/coordination/lease/strategy.go)."""
    for key in ("strategy", "preferredHolder"):
        as_dict(lease.get("spec")).pop(key, None)


def _secret(secret: Obj, _creating: bool) -> None:
    """``stringData`` is write-only: it is merged into ``data`` (base64) and dropped."""
    secret.setdefault("type", "Opaque")
    strings = as_dict(secret.pop("stringData", None))
    if strings:
        data = secret.setdefault("data", {})
        for key, value in strings.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


DEFAULTERS: dict[str, Callable[[Obj, bool], None]] = {
    "Pod": _pod,
    "Deployment": _deployment,
    "ReplicaSet": _replicaset,
    "ReplicationController": _replicationcontroller,
    "DaemonSet": _daemonset,
    "Job": _job,
    "Service": _service,
    "Namespace": _namespace,
    "Secret": _secret,
    "CronJob": _cronjob,
    "StatefulSet": _statefulset,
    "HorizontalPodAutoscaler": _hpa,
    "Lease": _lease,
}


def apply_defaults(obj: Obj, kind: str, *, creating: bool) -> None:
    defaulter = DEFAULTERS.get(kind)
    if defaulter is not None:
        defaulter(obj, creating)
