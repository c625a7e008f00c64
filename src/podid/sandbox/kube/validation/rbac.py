"""Validation of Roles, ClusterRoles and their bindings, with the texts of k8s.io/kubernetes/pkg/apis/rbac/validation.

(Object names are checked with the other metadata: RBAC names are path segments, ``system:discovery`` is one.)
"""

from __future__ import annotations

from podid.sandbox.kube.machinery.names import is_dns1123_subdomain, is_path_segment_name
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str
from podid.sandbox.kube.machinery.resources import RBAC_GROUP
from podid.sandbox.kube.machinery.status import FieldError, invalid_value, not_supported, required

_ROLE_KINDS = {"RoleBinding": ("Role", "ClusterRole"), "ClusterRoleBinding": ("ClusterRole",)}
_SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def rbac_errors(obj: Obj, kind: str) -> list[FieldError]:
    if kind in _ROLE_KINDS:
        return _role_ref_errors(as_dict(obj.get("roleRef")), kind) + _subjects_errors(obj, kind == "RoleBinding")
    if kind == "ClusterRole" and obj.get("aggregationRule"):
        return []
    rules = [as_dict(rule) for rule in as_list(obj.get("rules"))]
    return [error for i, rule in enumerate(rules) for error in _rule_errors(rule, f"rules[{i}]", kind == "Role")]


def _role_ref_errors(ref: Obj, kind: str) -> list[FieldError]:
    errors = []
    if as_str(ref.get("apiGroup")) != RBAC_GROUP:
        errors.append(not_supported("roleRef.apiGroup", as_str(ref.get("apiGroup")), [RBAC_GROUP]))
    if as_str(ref.get("kind")) not in _ROLE_KINDS[kind]:
        errors.append(not_supported("roleRef.kind", as_str(ref.get("kind")), _ROLE_KINDS[kind]))
    name = as_str(ref.get("name"))
    if not name:
        errors.append(required("roleRef.name"))
    errors += [invalid_value("roleRef.name", name, message) for message in is_path_segment_name(name) if name]
    return errors


def _subjects_errors(binding: Obj, namespaced: bool) -> list[FieldError]:
    errors = []
    for i, subject in enumerate(as_dict(s) for s in as_list(binding.get("subjects"))):
        at, kind, name = f"subjects[{i}]", as_str(subject.get("kind")), as_str(subject.get("name"))
        if not name:
            errors.append(required(f"{at}.name"))
        if kind == "ServiceAccount":
            errors += [invalid_value(f"{at}.name", name, message) for message in is_dns1123_subdomain(name) if name]
            if as_str(subject.get("apiGroup")):
                errors.append(not_supported(f"{at}.apiGroup", as_str(subject.get("apiGroup")), [""]))
            if not namespaced and not as_str(subject.get("namespace")):
                errors.append(required(f"{at}.namespace"))
        elif kind in _SUBJECT_KINDS:
            if as_str(subject.get("apiGroup")) != RBAC_GROUP:
                errors.append(not_supported(f"{at}.apiGroup", as_str(subject.get("apiGroup")), [RBAC_GROUP]))
        else:
            errors.append(not_supported(f"{at}.kind", kind, _SUBJECT_KINDS))
    return errors


def _rule_errors(rule: Obj, at: str, namespaced: bool) -> list[FieldError]:
    errors = [] if as_list(rule.get("verbs")) else [required(f"{at}.verbs", "verbs must contain at least one value")]
    urls = as_list(rule.get("nonResourceURLs"))
    if urls:
        if namespaced:
            namespaced_urls = "namespaced rules cannot apply to non-resource URLs"
            errors.append(invalid_value(f"{at}.nonResourceURLs", urls, namespaced_urls))
        if any(as_list(rule.get(field)) for field in ("apiGroups", "resources", "resourceNames")):
            both = "rules cannot apply to both regular resources and non-resource URLs"
            errors.append(invalid_value(f"{at}.nonResourceURLs", urls, both))
        return errors
    if not as_list(rule.get("apiGroups")):
        errors.append(required(f"{at}.apiGroups", "resource rules must supply at least one api group"))
    if not as_list(rule.get("resources")):
        errors.append(required(f"{at}.resources", "resource rules must supply at least one resource"))
    return errors
