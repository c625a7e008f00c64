"""Table rows of the built-in kinds other than Pod, ported from k8s.io/kubernetes/pkg/printers/internalversion.

The apiserver always sends the wide cells (priority-1 columns); kubectl hides them unless ``-o wide``. Cells keep
Go's types: replica and data counts are integers, everything else is text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from podid.sandbox.kube.events.versions import EVENTS_API_VERSION, to_core
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig, labels_of, parse_time
from podid.sandbox.kube.printing.columns import (
    AGE,
    NAME,
    NAME_DESCRIPTION,
    TEMPLATE_COLUMNS,
    Column,
    Printer,
    age,
    created,
    first_three,
    human_duration,
    name_of,
    or_none,
    template_cells,
    wide,
)
from podid.sandbox.kube.printing.controllers import CONTROLLER_PRINTERS
from podid.sandbox.kube.printing.pods import POD_PRINTER


def _lb_addresses(status: Any) -> str:
    addresses = {as_str(dig(i, "ip")) or as_str(dig(i, "hostname")) for i in as_list(dig(status, "ingress"))}
    return ",".join(sorted(a for a in addresses if a))


def _external_ip(service: Obj) -> str:
    spec = as_dict(service.get("spec"))
    external = [as_str(ip) for ip in as_list(spec.get("externalIPs"))]
    kind = spec.get("type", "ClusterIP")
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        balancer = _lb_addresses(dig(service, "status", "loadBalancer"))
        return ",".join([a for a in balancer.split(",") if a] + external) or "<pending>"
    if kind == "ExternalName":
        return as_str(spec.get("externalName"))
    return "<unknown>"


def _ports_text(ports: list[Any]) -> str:
    texts = []
    for port in (as_dict(p) for p in ports):
        node_port, protocol = as_int(port.get("nodePort")), as_str(port.get("protocol")) or "TCP"
        middle = f":{node_port}" if node_port > 0 else ""
        texts.append(f"{as_int(port.get('port'))}{middle}/{protocol}")
    return ",".join(texts)


def _service_row(service: Obj, now: datetime) -> list[Any]:
    spec = as_dict(service.get("spec"))
    cluster_ip = as_str(dig(spec, "clusterIPs", 0)) or as_str(spec.get("clusterIP")) or "<none>"
    selector = ",".join(f"{k}={v}" for k, v in sorted(as_dict(spec.get("selector")).items()))
    ports = _ports_text(as_list(spec.get("ports"))) or "<none>"
    kind = as_str(spec.get("type")) or "ClusterIP"
    return [name_of(service), kind, cluster_ip, _external_ip(service), ports, created(service, now), or_none(selector)]


def _endpoints_row(endpoints: Obj, now: datetime) -> list[Any]:
    found: list[str] = []
    for subset in (as_dict(s) for s in as_list(endpoints.get("subsets"))):
        ips = [as_str(dig(a, "ip")) for a in as_list(subset.get("addresses"))]
        ports = [as_int(dig(p, "port")) for p in as_list(subset.get("ports"))]
        found += [f"[{ip}]:{p}" if ":" in ip else f"{ip}:{p}" for p in ports for ip in ips] if ports else ips
    text = first_three(found, len(found)) if endpoints.get("subsets") else "<none>"
    return [name_of(endpoints), text, created(endpoints, now)]


def _ingress_row(ingress: Obj, now: datetime) -> list[Any]:
    spec = as_dict(ingress.get("spec"))
    rules = as_list(spec.get("rules"))
    hosts: list[str] = []
    for rule in rules:
        if len(hosts) < 3 and as_str(dig(rule, "host")):
            hosts.append(as_str(dig(rule, "host")))
    host_text = "*" if not hosts else first_three(hosts, len(rules))
    address = _lb_addresses(dig(ingress, "status", "loadBalancer"))
    ports = "80, 443" if spec.get("tls") else "80"
    class_name = as_str(spec.get("ingressClassName")) or "<none>"
    return [name_of(ingress), class_name, host_text, address, ports, created(ingress, now)]


# --- workloads ----------------------------------------------------------------------------------------------------


def _deployment_row(deployment: Obj, now: datetime) -> list[Any]:
    spec, status = as_dict(deployment.get("spec")), as_dict(deployment.get("status"))
    ready = f"{as_int(status.get('readyReplicas'))}/{as_int(spec.get('replicas'), 1)}"
    counts = [as_int(status.get("updatedReplicas")), as_int(status.get("availableReplicas"))]
    return [name_of(deployment), ready, *counts, created(deployment, now), *template_cells(spec)]


def _replicaset_row(replicaset: Obj, now: datetime) -> list[Any]:
    spec, status = as_dict(replicaset.get("spec")), as_dict(replicaset.get("status"))
    counts = [as_int(spec.get("replicas"), 1), as_int(status.get("replicas")), as_int(status.get("readyReplicas"))]
    set_based = replicaset.get("kind") != "ReplicationController"
    return [name_of(replicaset), *counts, created(replicaset, now), *template_cells(spec, set_based)]


def _daemonset_row(daemonset: Obj, now: datetime) -> list[Any]:
    spec, status = as_dict(daemonset.get("spec")), as_dict(daemonset.get("status"))
    fields = ("desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled")
    counts = [as_int(status.get(name)) for name in (*fields, "numberAvailable")]
    node_selector = as_dict(dig(spec, "template", "spec", "nodeSelector"))
    selector_text = ",".join(f"{k}={v}" for k, v in sorted(node_selector.items())) or "<none>"  # labels.FormatLabels
    return [name_of(daemonset), *counts, selector_text, created(daemonset, now), *template_cells(spec)]


def _job_status(job: Obj) -> str:
    held = {as_str(dig(c, "type")) for c in as_list(dig(job, "status", "conditions")) if dig(c, "status") == "True"}
    for condition, shown in (("Complete", "Complete"), ("Failed", "Failed")):
        if condition in held:
            return shown
    if dig(job, "metadata", "deletionTimestamp"):
        return "Terminating"
    return next((c for c in ("Suspended", "FailureTarget", "SuccessCriteriaMet") if c in held), "Running")


def _job_row(job: Obj, now: datetime) -> list[Any]:
    spec, status = as_dict(job.get("spec")), as_dict(job.get("status"))
    succeeded, parallelism = as_int(status.get("succeeded")), as_int(spec.get("parallelism"))
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{as_int(spec.get('completions'))}"
    else:
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    start, end = parse_time(status.get("startTime")), parse_time(status.get("completionTime"))
    duration = "" if start is None else human_duration(((end or now) - start).total_seconds())
    return [name_of(job), _job_status(job), completions, duration, created(job, now), *template_cells(spec)]


# --- nodes, namespaces, events, config ----------------------------------------------------------------------------


def _node_row(node: Obj, now: datetime) -> list[Any]:
    status, info = as_dict(node.get("status")), as_dict(dig(node, "status", "nodeInfo"))
    ready = [as_dict(c) for c in as_list(status.get("conditions")) if dig(c, "type") == "Ready"]
    states = [("Ready" if ready[-1].get("status") == "True" else "NotReady") if ready else "Unknown"]
    if dig(node, "spec", "unschedulable") is True:
        states.append("SchedulingDisabled")
    roles = {
        k.removeprefix("node-role.kubernetes.io/") for k in labels_of(node) if k.startswith("node-role.kubernetes.io/")
    }
    roles |= {v for k, v in labels_of(node).items() if k == "kubernetes.io/role" and v}
    addresses = [as_dict(a) for a in as_list(status.get("addresses"))]
    internal = next((as_str(a.get("address")) for a in addresses if a.get("type") == "InternalIP"), "<none>")
    external = next((as_str(a.get("address")) for a in addresses if a.get("type") == "ExternalIP"), "<none>")
    system = [as_str(info.get(k)) or "<unknown>" for k in ("osImage", "kernelVersion", "containerRuntimeVersion")]
    cells = [name_of(node), ",".join(states), ",".join(sorted(r for r in roles if r)) or "<none>"]
    return [*cells, created(node, now), as_str(info.get("kubeletVersion")), internal, external, *system]


def _event_row(event: Obj, now: datetime) -> list[Any]:
    if event.get("apiVersion") == EVENTS_API_VERSION:  # one printer for both versions, as upstream's internal type
        event = to_core(event)
    first = age(event.get("firstTimestamp") or event.get("eventTime"), now)
    last = age(event["lastTimestamp"], now) if event.get("lastTimestamp") else first
    count = as_int(event.get("count")) or 1  # singleton events of the events.k8s.io API carry no count
    series = event.get("series")
    if isinstance(series, dict):
        last, count = age(series.get("lastObservedTime"), now), as_int(series.get("count"))
    involved = as_dict(event.get("involvedObject"))
    kind, name = as_str(involved.get("kind")).lower(), as_str(involved.get("name"))
    component = as_str(dig(event, "source", "component")) or as_str(event.get("reportingController"))
    instance = as_str(dig(event, "source", "host")) or as_str(event.get("reportingInstance"))
    source = f"{component}, {instance}" if instance else component
    cells = [last, as_str(event.get("type")), as_str(event.get("reason")), f"{kind}/{name}" if name else kind]
    extra = [as_str(involved.get("fieldPath")), source, as_str(event.get("message")).strip(), first]
    return [*cells, *extra, count, name_of(event)]


def _namespace_row(namespace: Obj, now: datetime) -> list[Any]:
    return [name_of(namespace), as_str(dig(namespace, "status", "phase")), created(namespace, now)]


def _apiservice_row(service: Obj, now: datetime) -> list[Any]:
    """k8s.io/kube-aggregator pkg/registry/apiservice/etcd/etcd.go ConvertToTable: no service is ``Local``; the
    ``Available`` condition's status, with its reason unless True, else ``Unknown``."""
    backend = dig(service, "spec", "service")
    where = f"{as_str(dig(backend, 'namespace'))}/{as_str(dig(backend, 'name'))}" if backend is not None else "Local"
    conditions = [as_dict(c) for c in as_list(dig(service, "status", "conditions"))]
    available = next((c for c in conditions if c.get("type") == "Available"), None)
    status = "Unknown"
    if available is not None:
        status, reason = as_str(available.get("status")), as_str(available.get("reason"))
        status = f"{status} ({reason})" if status != "True" and reason else status
    return [name_of(service), where, status, created(service, now)]


def _configmap_row(configmap: Obj, now: datetime) -> list[Any]:
    data = len(as_dict(configmap.get("data"))) + len(as_dict(configmap.get("binaryData")))
    return [name_of(configmap), data, created(configmap, now)]


def _secret_row(secret: Obj, now: datetime) -> list[Any]:
    data = len(as_dict(secret.get("data")))
    return [name_of(secret), as_str(secret.get("type")), data, created(secret, now)]


def _lease_row(lease: Obj, now: datetime) -> list[Any]:
    return [name_of(lease), as_str(dig(lease, "spec", "holderIdentity")), created(lease, now)]


def _serviceaccount_row(account: Obj, now: datetime) -> list[Any]:
    return [name_of(account), len(as_list(account.get("secrets"))), created(account, now)]


PRINTERS: Mapping[str, Printer] = {
    "Pod": POD_PRINTER,
    "Service": Printer(
        (
            NAME,
            Column("Type", description="type determines how the Service is exposed."),
            Column("Cluster-IP", description="clusterIP is the IP address of the service."),
            Column("External-IP", description="externalIPs is a list of IP addresses accepted for this service."),
            Column("Port(s)", description="The list of ports that are exposed by this service."),
            AGE,
            wide("Selector", "Route service traffic to pods with label keys and values matching this selector."),
        ),
        _service_row,
    ),
    "Deployment": Printer(
        (
            NAME,
            Column("Ready", description="Number of the pod with ready state"),
            Column("Up-to-date", description="Total number of non-terminated pods that have the desired template."),
            Column("Available", description="Total number of available pods targeted by this deployment."),
            AGE,
            *TEMPLATE_COLUMNS,
            wide("Selector", "Label selector for pods."),
        ),
        _deployment_row,
    ),
    "ReplicaSet": Printer(
        (
            NAME,
            Column("Desired", "integer", "Replicas is the number of desired replicas."),
            Column("Current", "integer", "Replicas is the most recently observed number of replicas."),
            Column("Ready", "integer", "The number of ready replicas for this replica set."),
            AGE,
            *TEMPLATE_COLUMNS,
            wide("Selector", "Selector is a label query over pods that should match the replica count."),
        ),
        _replicaset_row,
    ),
    "ReplicationController": Printer(
        (
            NAME,
            Column("Desired", "integer", "Replicas is the number of desired replicas."),
            Column("Current", "integer", "Replicas is the most recently observed number of replicas."),
            Column("Ready", "integer", "The number of ready replicas for this replication controller."),
            AGE,
            *TEMPLATE_COLUMNS,
            wide("Selector", "Selector is a label query over pods that should match the Replicas count."),
        ),
        _replicaset_row,
    ),
    "DaemonSet": Printer(
        (
            NAME,
            Column("Desired", "integer", "The total number of nodes that should be running the daemon pod."),
            Column("Current", "integer", "The number of nodes that are running at least 1 daemon pod."),
            Column(
                "Ready",
                "integer",
                "The number of nodes that should be running the daemon pod and have one or more ready.",
            ),
            Column("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
            Column(
                "Available",
                "integer",
                "The number of nodes that should be running the daemon pod and have one or more available.",
            ),
            Column(
                "Node Selector",
                description="NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            AGE,
            *TEMPLATE_COLUMNS,
            wide("Selector", "A label query over pods that are managed by the daemon set."),
        ),
        _daemonset_row,
    ),
    "Job": Printer(
        (
            NAME,
            Column("Status", description="Status of the job."),
            Column("Completions", description="The completion status of the job."),
            Column("Duration", description="Time required to complete the job."),
            AGE,
            *TEMPLATE_COLUMNS,
            wide("Selector", "A label query over pods that should match the pod count."),
        ),
        _job_row,
    ),
    "Node": Printer(
        (
            NAME,
            Column("Status", description="The status of the node"),
            Column("Roles", description="The roles of the node"),
            AGE,
            Column("Version", description="Kubelet Version reported by the node."),
            wide("Internal-IP", "List of addresses reachable to the node."),
            wide("External-IP", "List of addresses reachable to the node."),
            wide("OS-Image", "OS Image reported by the node from /etc/os-release."),
            wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r'."),
            wide("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API."),
        ),
        _node_row,
    ),
    "Namespace": Printer((NAME, Column("Status", description="The status of the namespace"), AGE), _namespace_row),
    "APIService": Printer(
        (
            NAME,
            Column("Service", description="The reference to the service that hosts the API endpoint."),
            Column("Available", description="Whether this service is available."),
            AGE,
        ),
        _apiservice_row,
    ),
    "Event": Printer(
        (
            Column("Last Seen", description="The time at which the most recent occurrence of this event was recorded."),
            Column("Type", description="Type of this event (Normal, Warning), new types could be added in the future"),
            Column("Reason", description="A short, machine understandable string that gives the reason."),
            Column("Object", description="The object that this event is about."),
            wide("Subobject", "If referring to a piece of an object, a JSON/Go field access statement."),
            wide("Source", "The component reporting this event. Should be a short machine understandable string."),
            Column("Message", description="A human-readable description of the status of this operation."),
            wide("First Seen", "The time at which the event was first recorded."),
            wide("Count", "The number of times this event has occurred."),
            Column("Name", format="name", description=NAME_DESCRIPTION, priority=1),
        ),
        _event_row,
    ),
    "ConfigMap": Printer(
        (NAME, Column("Data", description="Data contains the configuration data."), AGE), _configmap_row
    ),
    "Secret": Printer(
        (
            NAME,
            Column("Type", description="Used to facilitate programmatic handling of secret data."),
            Column("Data", description="Data contains the secret data."),
            AGE,
        ),
        _secret_row,
    ),
    "ServiceAccount": Printer(
        (NAME, Column("Secrets", description="Secrets is a list of the secrets pods of this account may use."), AGE),
        _serviceaccount_row,
    ),
    "Lease": Printer(
        (
            NAME,
            Column(
                "Holder",
                description="holderIdentity contains the identity of the holder of a current lease. If Coordinated "
                "Leader Election is used, the holder identity must be equal to the elected "
                "LeaseCandidate.metadata.name field.",
            ),
            AGE,
        ),
        _lease_row,
    ),
    "Endpoints": Printer(
        (NAME, Column("Endpoints", description="The set of all endpoints is the union of all subsets."), AGE),
        _endpoints_row,
    ),
    "Ingress": Printer(
        (
            NAME,
            Column("Class", description="The name of the IngressClass resource used for additional configuration"),
            Column("Hosts", description="Hosts that incoming requests are matched against before the ingress rule"),
            Column("Address", description="Address is a list containing ingress points for the load-balancer"),
            Column("Ports", description="Ports of TLS configurations that open"),
            AGE,
        ),
        _ingress_row,
    ),
    **CONTROLLER_PRINTERS,
}
