"""Create/update validation with the field paths and texts of k8s.io/kubernetes/pkg/apis/*/validation.

Covers what a sandbox user can get wrong: object names (RFC 1123 subdomain for most kinds, RFC 1123 label for
namespaces, DNS-1035 label for services), label keys and values, annotation keys, pod containers, deployment
and replica set selectors, service ports; custom resources are checked against their structural schema.
Defaulting (``protocol: TCP``, ``type: ClusterIP``, ``restartPolicy: Always``) is the server's job, so fields
that would be defaulted are only checked when present.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from podid.sandbox.kube.machinery.names import (
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_path_segment_name,
    is_qualified_name,
    is_valid_label_value,
)
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_int, as_list, as_str, dig
from podid.sandbox.kube.machinery.resources import RBAC_GROUP, ResourceType
from podid.sandbox.kube.machinery.selectors import SelectorError, selector_from_object
from podid.sandbox.kube.machinery.status import (
    FieldError,
    GoText,
    duplicate,
    invalid,
    invalid_value,
    not_supported,
    required,
)
from podid.sandbox.kube.validation.pruning import schema_errors
from podid.sandbox.kube.validation.rbac import rbac_errors

NameCheck = Callable[[str], list[str]]
_NAME_CHECKS: dict[str, NameCheck] = {
    "Namespace": is_dns1123_label,
    "Service": is_dns1035_label,
    **dict.fromkeys(("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"), is_path_segment_name),
}
_PROTOCOLS = ("SCTP", "TCP", "UDP")
_RESTART_POLICIES = ("Always", "Never", "OnFailure")
_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
_PORT_RANGE = "must be between 1 and 65535, inclusive"


def validate(obj: Obj, rt: ResourceType) -> None:
    """Raise a 422 Invalid ``KubeApiError`` listing every problem of ``obj``."""
    errors = validation_errors(obj, rt)
    if errors:
        raise invalid(rt, as_str(dig(obj, "metadata", "name")), errors)


def validation_errors(obj: Obj, rt: ResourceType) -> list[FieldError]:
    errors = _metadata_errors(as_dict(obj.get("metadata")), rt)
    if rt.custom:
        return errors + schema_errors(obj, rt.kind)
    if rt.group == RBAC_GROUP:
        return errors + rbac_errors(obj, rt.kind)
    kind_check = _KIND_CHECKS.get(rt.kind)
    return errors + (kind_check(as_dict(obj.get("spec"))) if kind_check else [])


def _metadata_errors(meta: Obj, rt: ResourceType) -> list[FieldError]:
    errors: list[FieldError] = []
    name = as_str(meta.get("name"))
    if not name:
        errors.append(required("metadata.name", "name or generateName is required"))
    check = _NAME_CHECKS.get(rt.kind, is_dns1123_subdomain)
    errors += [invalid_value("metadata.name", name, m) for m in (check(name) if name else [])]
    namespace = as_str(meta.get("namespace"))
    if rt.namespaced and not namespace:
        errors.append(required("metadata.namespace"))
    errors += [
        invalid_value("metadata.namespace", namespace, m) for m in (is_dns1123_label(namespace) if namespace else [])
    ]
    errors += label_errors(as_dict(meta.get("labels")), "metadata.labels")
    for key in sorted(as_dict(meta.get("annotations"))):
        errors += [invalid_value("metadata.annotations", key, m) for m in is_qualified_name(key.lower())]
    return errors


def label_errors(labels: Obj, path: str) -> list[FieldError]:
    """ValidateLabels: every key a qualified name, every value a label value."""
    errors: list[FieldError] = []
    for key in sorted(labels):
        errors += [invalid_value(path, key, m) for m in is_qualified_name(key)]
        value = labels[key]
        if not isinstance(value, str):
            errors.append(invalid_value(path, value, "label values must be strings"))
            continue
        errors += [invalid_value(path, value, m) for m in is_valid_label_value(value)]
    return errors


# --- pods ---------------------------------------------------------------------------------------------------------


def pod_spec_errors(spec: Obj, path: str = "spec") -> list[FieldError]:
    """ValidatePodSpec, for the fields the sandbox uses."""
    errors: list[FieldError] = []
    containers = as_list(spec.get("containers"))
    if not containers:
        errors.append(required(f"{path}.containers"))
    seen: set[str] = set()
    errors += _container_errors(as_list(spec.get("initContainers")), f"{path}.initContainers", seen)
    errors += _container_errors(containers, f"{path}.containers", seen)
    policy = spec.get("restartPolicy")
    if policy is not None and policy not in _RESTART_POLICIES:
        errors.append(not_supported(f"{path}.restartPolicy", policy, _RESTART_POLICIES))
    volume_names: set[str] = set()
    for i, volume in enumerate(as_list(spec.get("volumes"))):
        errors += _unique_label(as_dict(volume).get("name"), f"{path}.volumes[{i}].name", volume_names)
    return errors


def _container_errors(containers: list[Any], path: str, seen: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, raw in enumerate(containers):
        container, at = as_dict(raw), f"{path}[{i}]"
        errors += _unique_label(container.get("name"), f"{at}.name", seen)
        if not container.get("image"):
            errors.append(required(f"{at}.image"))
        for j, port in enumerate(as_list(container.get("ports"))):
            errors += _port_errors(as_dict(port), f"{at}.ports[{j}]", "containerPort")
        for j, env in enumerate(as_list(container.get("env"))):
            if not as_dict(env).get("name"):
                errors.append(required(f"{at}.env[{j}].name"))
    return errors


def _unique_label(name: Any, path: str, seen: set[str]) -> list[FieldError]:
    """A required, unique RFC 1123 label (container, volume and port names)."""
    if not name:
        return [required(path)]
    if not isinstance(name, str):
        return [invalid_value(path, name, "must be a string")]
    errors = [invalid_value(path, name, m) for m in is_dns1123_label(name)]
    if name in seen:
        errors.append(duplicate(path, name))
    seen.add(name)
    return errors


def _port_errors(port: Obj, path: str, number_field: str) -> list[FieldError]:
    errors: list[FieldError] = []
    number = port.get(number_field)
    if not (isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= 65535):
        errors.append(invalid_value(f"{path}.{number_field}", number if number is not None else 0, _PORT_RANGE))
    protocol = port.get("protocol")
    if protocol is not None and protocol not in _PROTOCOLS:
        errors.append(not_supported(f"{path}.protocol", protocol, _PROTOCOLS))
    return errors


# --- deployments and replica sets ---------------------------------------------------------------------------------


def _workload_errors(spec: Obj) -> list[FieldError]:
    """ValidateDeploymentSpec / ValidateReplicaSetSpec (they share the selector and template rules)."""
    errors: list[FieldError] = []
    replicas = spec.get("replicas")
    if replicas is not None and as_int(replicas, -1) < 0:
        errors.append(invalid_value("spec.replicas", replicas, "must be greater than or equal to 0"))
    raw_selector = spec.get("selector")
    if raw_selector is None:
        errors.append(required("spec.selector"))
    elif not as_dict(raw_selector).get("matchLabels") and not as_dict(raw_selector).get("matchExpressions"):
        shown = _empty_selector_literal(as_dict(raw_selector))
        errors.append(invalid_value("spec.selector", shown, "empty selector is invalid for deployment"))
    try:
        selector = selector_from_object(raw_selector)
    except SelectorError:
        return [*errors, invalid_value("spec.selector", raw_selector, "invalid label selector")]
    template = as_dict(spec.get("template"))
    labels = as_dict(dig(template, "metadata", "labels"))
    if not selector.empty and not selector.matches(labels):
        detail = "`selector` does not match template `labels`"
        errors.append(invalid_value("spec.template.metadata.labels", labels, detail))
    errors += label_errors(labels, "spec.template.metadata.labels")
    pod_spec = as_dict(template.get("spec"))
    errors += pod_spec_errors(pod_spec, "spec.template.spec")
    policy = pod_spec.get("restartPolicy")
    if policy is not None and policy != "Always":
        errors.append(not_supported("spec.template.spec.restartPolicy", policy, ["Always"]))
    return errors


def _empty_selector_literal(selector: Obj) -> GoText:
    """How Go's ``%#v`` shows an empty metav1.LabelSelector (nil and empty collections differ)."""
    labels = "map[string]string(nil)" if selector.get("matchLabels") is None else "map[string]string{}"
    no_exprs = selector.get("matchExpressions") is None
    exprs = "[]v1.LabelSelectorRequirement(nil)" if no_exprs else "[]v1.LabelSelectorRequirement{}"
    return GoText(f"v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{exprs}}}")


# --- services -----------------------------------------------------------------------------------------------------


def _service_errors(spec: Obj) -> list[FieldError]:
    errors: list[FieldError] = []
    service_type = spec.get("type")
    if service_type is not None and service_type not in _SERVICE_TYPES:
        errors.append(not_supported("spec.type", service_type, _SERVICE_TYPES))
    ports = as_list(spec.get("ports"))
    headless = spec.get("clusterIP") == "None"
    if not ports and not headless and service_type != "ExternalName":
        errors.append(required("spec.ports"))
    names: set[str] = set()
    for i, raw in enumerate(ports):
        port, at = as_dict(raw), f"spec.ports[{i}]"
        if len(ports) > 1 or port.get("name"):
            errors += _unique_label(port.get("name"), f"{at}.name", names)
        errors += _port_errors(port, at, "port")
        target = port.get("targetPort")
        if isinstance(target, int) and not 1 <= target <= 65535:
            errors.append(invalid_value(f"{at}.targetPort", target, _PORT_RANGE))
    return errors


# --- leases -------------------------------------------------------------------------------------------------------


def _lease_errors(spec: Obj) -> list[FieldError]:
    """ValidateLeaseSpec (pkg/apis/coordination/validation); strategy and preferredHolder never get here, since
    they are dropped while CoordinatedLeaderElection is off (validation.defaults)."""
    errors: list[FieldError] = []
    duration, transitions = spec.get("leaseDurationSeconds"), spec.get("leaseTransitions")
    if isinstance(duration, int) and duration <= 0:
        errors.append(invalid_value("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    if isinstance(transitions, int) and transitions < 0:
        errors.append(invalid_value("spec.leaseTransitions", transitions, "must be greater than or equal to 0"))
    return errors


_KIND_CHECKS: dict[str, Callable[[Obj], list[FieldError]]] = {
    "Pod": pod_spec_errors,
    "Deployment": _workload_errors,
    "ReplicaSet": _workload_errors,
    "Service": _service_errors,
    "Lease": _lease_errors,
}
