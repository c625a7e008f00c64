"""Desired endpoints from Services and Ingresses (external-dns `source/service.go`, `source/ingress.go`).

Objects are plain dicts exactly as the Kubernetes API serves them (camelCase JSON). Annotations are read
under one prefix, as external-dns does (`source/annotations/annotations.go`): the release's default
(`external-dns.alpha.kubernetes.io/` up to v0.21, `external-dns.kubernetes.io/` from v0.22.0) or
`--annotation-prefix` (v0.20.0+); an annotation under any other prefix is not seen:

- `hostname`: comma-separated FQDNs; an invalid one (not RFC 1123, too long) is skipped with one log line;
- `target`: overrides the computed targets;
- `ttl`: int seconds or a Go duration, valid 1..2^31-1; anything else means "unset" plus one warning;
- `controller`: present and not `dns-controller` means the object belongs to another controller.

Targets split into one A (IPv4), one AAAA (IPv6) and one CNAME (names) endpoint per hostname, labelled
`resource=service/<ns>/<name>`. Identical endpoints of several Services merge; the lexically first keeps the label.
"""

import ipaddress
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Protocol, TypedDict

from .duration import parse_duration
from .endpoint import AAAA, CNAME, RESOURCE_LABEL, TTL_UNSET, A, Endpoint, sorted_targets

log = logging.getLogger(__name__)

CONTROLLER_VALUE = "dns-controller"
TTL_MIN, TTL_MAX = 1, 2**31 - 1
SOURCE_KINDS = ("service", "ingress")

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?\d+")


class ObjectMeta(TypedDict, total=False):
    name: str
    namespace: str
    annotations: dict[str, str]


class LoadBalancerIngress(TypedDict, total=False):
    ip: str
    hostname: str


class LoadBalancerStatus(TypedDict, total=False):
    ingress: list[LoadBalancerIngress]


class Status(TypedDict, total=False):
    loadBalancer: LoadBalancerStatus


class ServiceSpec(TypedDict, total=False):
    type: str
    externalIPs: list[str]
    externalName: str


class Service(TypedDict, total=False):
    metadata: ObjectMeta
    spec: ServiceSpec
    status: Status


class IngressRule(TypedDict, total=False):
    host: str


class IngressTLS(TypedDict, total=False):
    hosts: list[str]


class IngressSpec(TypedDict, total=False):
    rules: list[IngressRule]
    tls: list[IngressTLS]


class Ingress(TypedDict, total=False):
    metadata: ObjectMeta
    spec: IngressSpec
    status: Status


class Source(Protocol):
    def endpoints(self) -> list[Endpoint]: ...


class ObjectLister(Protocol):
    """What a source needs from the API server; a watch-backed cache in the pod, a list in tests."""

    def list_services(self) -> list[Service]: ...

    def list_ingresses(self) -> list[Ingress]: ...


def annotation(metadata: ObjectMeta, prefix: str, key: str) -> str | None:
    return (metadata.get("annotations") or {}).get(prefix + key)


def split_names(value: str) -> list[str]:
    """A comma-separated annotation: spaces removed, trailing dots trimmed, empty entries dropped."""
    return [name.removesuffix(".") for name in value.replace(" ", "").split(",") if name.removesuffix(".")]


def hostname_error(hostname: str) -> str | None:
    """Why `hostname` is not a valid RFC 1123 name (a leading `*` label is allowed), or None."""
    if len(hostname) > 253:
        return "longer than 253 characters"
    labels = hostname.split(".")
    for index, label in enumerate(labels):
        if len(label) > 63:
            return f"label {label} is longer than 63 characters"
        if not (_LABEL.fullmatch(label) or (index == 0 and label == "*")):
            return f"label {label!r} is not a valid RFC 1123 label"
    return None


def _parse_ttl(value: str) -> int:
    try:
        return int(parse_duration(value))
    except ValueError:
        if _INTEGER.fullmatch(value):
            return int(value)
        raise


def ttl_from_annotation(metadata: ObjectMeta, prefix: str, resource: str) -> int:
    value = annotation(metadata, prefix, "ttl")
    if value is None:
        return TTL_UNSET
    try:
        ttl = _parse_ttl(value)
    except ValueError as err:
        log.warning("%s: %r is not a valid TTL value: %s", resource, value, err)
        return TTL_UNSET
    if not TTL_MIN <= ttl <= TTL_MAX:
        log.warning("%s: TTL value %d must be between [%d, %d]", resource, ttl, TTL_MIN, TTL_MAX)
        return TTL_UNSET
    return ttl


def _is_ours(metadata: ObjectMeta, prefix: str, resource: str) -> bool:
    controller = annotation(metadata, prefix, "controller")
    if controller is not None and controller != CONTROLLER_VALUE:
        log.debug(
            "Skipping %s because controller value does not match, found: %s, required: %s",
            resource,
            controller,
            CONTROLLER_VALUE,
        )
        return False
    return True


def _valid(hostnames: Iterable[str], resource: str) -> list[str]:
    valid = []
    for hostname in dict.fromkeys(hostnames):
        error = hostname_error(hostname)
        if error is None:
            valid.append(hostname)
        else:
            log.warning("Skipping invalid hostname %r from %s: %s", hostname, resource, error)
    return valid


def _record_type(target: str) -> str:
    try:
        return A if ipaddress.ip_address(target).version == 4 else AAAA
    except ValueError:
        return CNAME


def endpoints_for_hostname(hostname: str, targets: Iterable[str], ttl: int, resource: str) -> list[Endpoint]:
    by_type: dict[str, list[str]] = {A: [], AAAA: [], CNAME: []}
    for target in targets:
        by_type[_record_type(target)].append(target)
    return [
        Endpoint(hostname, record_type, sorted_targets(found), ttl, {RESOURCE_LABEL: resource})
        for record_type, found in by_type.items()
        if found
    ]


def _load_balancer_targets(status: Status) -> list[str]:
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    return [value for entry in ingress for value in (entry.get("ip"), entry.get("hostname")) if value]


def _service_targets(service: Service) -> list[str]:
    spec = service.get("spec") or {}
    external_ips = list(spec.get("externalIPs") or [])
    if spec.get("type") == "LoadBalancer":
        return external_ips or _load_balancer_targets(service.get("status") or {})
    if spec.get("type") == "ExternalName":
        return external_ips or [name for name in [spec.get("externalName", "")] if name]
    return []  # ClusterIP/NodePort/headless need flags this workload does not implement


def _resource(kind: str, metadata: ObjectMeta) -> str:
    return f"{kind}/{metadata.get('namespace', 'default')}/{metadata.get('name', '')}"


def _endpoints(
    kind: str, metadata: ObjectMeta, prefix: str, hostnames: list[str], computed: Callable[[], list[str]]
) -> list[Endpoint]:
    resource = _resource(kind, metadata)
    if not hostnames or not _is_ours(metadata, prefix, resource):
        return []
    target_annotation = annotation(metadata, prefix, "target")
    targets = split_names(target_annotation) if target_annotation else computed()
    if not targets:
        log.debug("No endpoints could be generated from %s", resource)
        return []
    ttl = ttl_from_annotation(metadata, prefix, resource)
    return [ep for name in _valid(hostnames, resource) for ep in endpoints_for_hostname(name, targets, ttl, resource)]


def service_endpoints(service: Service, prefix: str) -> list[Endpoint]:
    metadata = service.get("metadata") or {}
    hostnames = split_names(annotation(metadata, prefix, "hostname") or "")
    return _endpoints("service", metadata, prefix, hostnames, lambda: _service_targets(service))


def _ingress_hostnames(ingress: Ingress, prefix: str) -> list[str]:
    metadata = ingress.get("metadata") or {}
    spec = ingress.get("spec") or {}
    hostname_source = annotation(metadata, prefix, "ingress-hostname-source")
    names: list[str] = []
    if hostname_source != "annotation-only":
        names += [rule.get("host", "") for rule in spec.get("rules") or []]
        names += [host for tls in spec.get("tls") or [] for host in tls.get("hosts") or []]
    if hostname_source != "defined-hosts-only":
        names += split_names(annotation(metadata, prefix, "hostname") or "")
    return [name for name in names if name]


def ingress_endpoints(ingress: Ingress, prefix: str) -> list[Endpoint]:
    metadata = ingress.get("metadata") or {}
    status = ingress.get("status") or {}
    hostnames = _ingress_hostnames(ingress, prefix)
    return _endpoints("ingress", metadata, prefix, hostnames, lambda: _load_balancer_targets(status))


def merge_endpoints(endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    """Merge endpoints with equal (name, type, set identifier, TTL) from several Services."""
    merged: dict[tuple[str, str, str, int], Endpoint] = {}
    for ep in sorted(endpoints, key=lambda ep: ep.labels.get(RESOURCE_LABEL, "")):
        key = (ep.dns_name, ep.record_type, ep.set_identifier, ep.ttl)
        first = merged.setdefault(key, ep)
        if first is not ep:
            merged[key] = replace(first, targets=sorted_targets(first.targets + ep.targets))
    return sorted(merged.values(), key=lambda ep: ep.key())


class KubernetesSource:
    """`--source=service` and/or `--source=ingress` (see SOURCE_KINDS) over whatever lists the objects, reading
    annotations under `prefix`."""

    def __init__(self, lister: ObjectLister, kinds: Iterable[str], prefix: str) -> None:
        self._lister = lister
        self._kinds = frozenset(kinds)
        self._prefix = prefix

    def endpoints(self) -> list[Endpoint]:
        endpoints: list[Endpoint] = []
        services, ingresses = self._lister.list_services, self._lister.list_ingresses
        if "service" in self._kinds:
            endpoints += merge_endpoints(ep for svc in services() for ep in service_endpoints(svc, self._prefix))
        if "ingress" in self._kinds:
            endpoints += [ep for ing in ingresses() for ep in ingress_endpoints(ing, self._prefix)]
        return endpoints
