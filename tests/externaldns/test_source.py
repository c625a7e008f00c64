"""Services and Ingresses (camelCase API dicts) -> desired endpoints.

Covers: LoadBalancer ingress IPs/hostnames and spec.externalIPs; the A/AAAA/CNAME split; annotations read
under the one prefix given, never another; hostname list parsing; invalid hostnames skipped with one log
line; target and ttl annotations (seconds, Go durations, range, one warning when invalid); the controller
annotation; services without hostname or without an LB address; merging identical endpoints across
services; Ingress hosts from rules, TLS and annotation with ingress-hostname-source; KubernetesSource
selecting kinds.
"""

import logging

import pytest

from podid.workloads.externaldns.endpoint import Endpoint
from podid.workloads.externaldns.source import (
    KubernetesSource,
    hostname_error,
    ingress_endpoints,
    merge_endpoints,
    service_endpoints,
)

from .fakes import LEGACY, NEW, Lister, ep, ingress, service

SVC = "service/default/nginx"


def hostname(value: str, prefix: str = LEGACY, **more: str) -> dict[str, str]:
    return {prefix + "hostname": value, **{prefix + key: v for key, v in more.items()}}


def test_load_balancer_ip_gives_an_a_record_labelled_with_the_service():
    svc = service("nginx", hostname("app.example.com"), ips=("20.1.2.3",))
    assert service_endpoints(svc, LEGACY) == [Endpoint("app.example.com", "A", ("20.1.2.3",), 0, {"resource": SVC})]


def test_targets_split_into_a_aaaa_and_cname():
    svc = service("nginx", hostname("app.example.com"), ips=("2001:db8::1", "20.1.2.3"), hostnames=("lb.cloud.net",))
    assert service_endpoints(svc, LEGACY) == [
        ep("app.example.com", "A", "20.1.2.3", resource=SVC),
        ep("app.example.com", "AAAA", "2001:db8::1", resource=SVC),
        ep("app.example.com", "CNAME", "lb.cloud.net", resource=SVC),
    ]


def test_external_ips_win_over_the_load_balancer_status():
    svc = service("nginx", hostname("app.example.com"), ips=("20.1.2.3",), external_ips=("1.1.1.1",))
    assert [e.targets for e in service_endpoints(svc, LEGACY)] == [("1.1.1.1",)]


def test_no_endpoint_without_hostname_annotation_or_without_an_address_yet():
    assert service_endpoints(service("nginx", ips=("20.1.2.3",)), LEGACY) == []
    assert service_endpoints(service("nginx", hostname("app.example.com")), LEGACY) == []
    assert service_endpoints(service("nginx", hostname("app.example.com"), type_="ClusterIP"), LEGACY) == []


def test_hostname_list_spaces_and_trailing_dots():
    svc = service("nginx", hostname(" a.example.com., b.example.com ,"), ips=("20.1.2.3",))
    assert [e.dns_name for e in service_endpoints(svc, LEGACY)] == ["a.example.com", "b.example.com"]


def test_only_the_prefix_given_is_read():
    both = service("nginx", {**hostname("old.example.com"), **hostname("new.example.com", NEW)}, ips=("20.1.2.3",))
    assert [e.dns_name for e in service_endpoints(both, LEGACY)] == ["old.example.com"]
    assert [e.dns_name for e in service_endpoints(both, NEW)] == ["new.example.com"]
    alpha_only = service("nginx", hostname("old.example.com", ttl="60"), ips=("20.1.2.3",))
    assert service_endpoints(alpha_only, NEW) == []
    custom = service("nginx", hostname("c.example.com", "internal.example.io/"), ips=("20.1.2.3",))
    assert [e.dns_name for e in service_endpoints(custom, "internal.example.io/")] == ["c.example.com"]


@pytest.mark.parametrize(
    "bad",
    ["under_score.example.com", "-dash.example.com", f"{'x' * 64}.example.com", ".".join(["abcdefgh"] * 29)],
)
def test_invalid_hostname_is_skipped_with_one_log_line(bad, caplog):
    svc = service("nginx", hostname(f"{bad},ok.example.com"), ips=("20.1.2.3",))
    with caplog.at_level(logging.WARNING):
        assert [e.dns_name for e in service_endpoints(svc, LEGACY)] == ["ok.example.com"]
    assert [r.getMessage() for r in caplog.records] == [
        f"Skipping invalid hostname {bad!r} from {SVC}: {hostname_error(bad)}"
    ]


def test_wildcard_hostname_is_valid():
    assert hostname_error("*.example.com") is None
    assert hostname_error("a.*.example.com") is not None


def test_target_annotation_overrides_computed_targets():
    svc = service("nginx", hostname("app.example.com", target="gw.example.net.,5.6.7.8"), ips=("20.1.2.3",))
    assert [(e.record_type, e.targets) for e in service_endpoints(svc, LEGACY)] == [
        ("A", ("5.6.7.8",)),
        ("CNAME", ("gw.example.net",)),
    ]


@pytest.mark.parametrize(
    ("value", "ttl"),
    [("600", 600), ("1m", 60), ("1h30m", 5400), ("1.5s", 1), ("2147483647", 2**31 - 1), ("+10", 10)],
)
def test_ttl_annotation(value, ttl, caplog):
    svc = service("nginx", hostname("app.example.com", ttl=value), ips=("20.1.2.3",))
    assert [e.ttl for e in service_endpoints(svc, LEGACY)] == [ttl]
    assert caplog.records == []


@pytest.mark.parametrize("value", ["0", "-5", "2147483648", "abc", "10x", "", "1_0"])
def test_invalid_ttl_means_unset_and_one_warning(value, caplog):
    svc = service("nginx", hostname("a.example.com,b.example.com", ttl=value), ips=("20.1.2.3",))
    with caplog.at_level(logging.WARNING):
        assert [e.ttl for e in service_endpoints(svc, LEGACY)] == [0, 0]
    assert len(caplog.records) == 1
    assert caplog.records[0].levelno == logging.WARNING
    assert SVC in caplog.records[0].getMessage()


def test_controller_annotation():
    ours = service("nginx", hostname("app.example.com", controller="dns-controller"), ips=("20.1.2.3",))
    theirs = service("nginx", hostname("app.example.com", controller="someone-else"), ips=("20.1.2.3",))
    assert len(service_endpoints(ours, LEGACY)) == 1
    assert service_endpoints(theirs, LEGACY) == []


def test_identical_endpoints_of_several_services_merge_and_the_first_resource_keeps_the_label():
    web = service("web", hostname("app.example.com"), ips=("20.0.0.2",))
    api = service("api", hostname("app.example.com"), ips=("20.0.0.1", "20.0.0.2"))
    other_ttl = service("zzz", hostname("app.example.com", ttl="60"), ips=("20.0.0.3",))
    merged = merge_endpoints(
        service_endpoints(web, LEGACY) + service_endpoints(api, LEGACY) + service_endpoints(other_ttl, LEGACY)
    )
    assert merged == [
        ep("app.example.com", "A", "20.0.0.1", "20.0.0.2", resource="service/default/api"),
        ep("app.example.com", "A", "20.0.0.3", ttl=60, resource="service/default/zzz"),
    ]


def test_ingress_hosts_from_rules_tls_and_annotation():
    ing = ingress(
        "site",
        hosts=("a.example.com", ""),
        annotations=hostname("c.example.com", ttl="120"),
        ips=("20.1.2.3",),
        tls_hosts=("a.example.com", "b.example.com"),
    )
    assert ingress_endpoints(ing, LEGACY) == [
        ep(name, "A", "20.1.2.3", ttl=120, resource="ingress/default/site")
        for name in ("a.example.com", "b.example.com", "c.example.com")
    ]


@pytest.mark.parametrize(
    ("source", "names"),
    [("defined-hosts-only", ["a.example.com"]), ("annotation-only", ["c.example.com"])],
)
def test_ingress_hostname_source(source, names):
    annotations = hostname("c.example.com", **{"ingress-hostname-source": source})
    ing = ingress("site", hosts=("a.example.com",), annotations=annotations, ips=("20.1.2.3",))
    assert [e.dns_name for e in ingress_endpoints(ing, LEGACY)] == names


def test_ingress_without_address_gives_nothing():
    assert ingress_endpoints(ingress("site", hosts=("a.example.com",)), LEGACY) == []


def test_kubernetes_source_uses_only_the_configured_kinds():
    lister = Lister(
        services=[service("nginx", hostname("svc.example.com"), ips=("20.1.2.3",))],
        ingresses=[ingress("site", hosts=("ing.example.com",), ips=("20.1.2.4",))],
    )
    assert [e.dns_name for e in KubernetesSource(lister, ["service"], LEGACY).endpoints()] == ["svc.example.com"]
    assert [e.dns_name for e in KubernetesSource(lister, ["ingress"], LEGACY).endpoints()] == ["ing.example.com"]
    assert len(KubernetesSource(lister, ["service", "ingress"], LEGACY).endpoints()) == 2
