"""Issue 5 acceptance 1-4: external-dns as a Deployment in a sandbox AKS cluster, bound to its DNS identity
through aad-pod-identity, keeping the zone example.internal in step with the cluster's Services.

The module runs its own sandbox, so the zone `example.internal` is the only one of that name. The tutorial's
setup: a cluster with the pod identity add-on, the zone in the cluster's resource group, a user-assigned
identity holding DNS Zone Contributor on the zone plus a custom role with only `Microsoft.Network/dnsZones/read`
on the group, bound as pod identity `external-dns` in `kube-addons`; external-dns' RBAC, its azure.json Secret
(`useManagedIdentityExtension`, `userAssignedIdentityID`) and Deployment (pods labelled
`aadpodidbinding: external-dns`, `--events`).

Covers: (1) a LoadBalancer Service annotated hello.example.internal gets its A and TXT ownership records, and
dnspython and dig, asking the sandbox's DNS server, return its external IP; deleting the Service removes both under
sync and keeps both under upsert-only. (2) A hand-made record is never changed or deleted, and a second
external-dns with another owner id does not take over the first one's records. (3) The Deployment without the
aadpodidbinding label gets NMI's 404 for its identity's token and writes nothing; bound to an identity with only
the zone-scoped grant, listing zones fails with the 403 AuthorizationFailed in the log while the pod keeps running;
run as a ServiceAccount that no ClusterRole is bound to, it cannot list Services (Kubernetes RBAC's 403). (4) An
invalid hostname, a hostname outside the domain filter and an out-of-range TTL are skipped with one log line each,
the other Services still published; a Secret without azure.json is one fatal log line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
import requests

from podid.sandbox.testing import pod_session
from tests.conftest import start_sandbox
from tests.e2e.edns import NOERROR, NXDOMAIN, PREFIX, eventually, resolve
from tests.e2e.edns_tutorial import (
    NAMESPACE,
    SECRET_WITHOUT_AZURE_JSON,
    Tutorial,
    create_service,
    external_dns,
    log_of,
    set_up_tutorial,
    wait_for_log,
)
from tests.podidentity.conftest import wait_for

pytestmark = pytest.mark.slow

GROUP, ZONE, ZONE_ONLY = "dgraph-test", "example.internal", "external-dns-zone-only"
TTL = PREFIX + "ttl"


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutorial]:
    """A sandbox of the module's own (so `example.internal` is the only zone of that name), set up as the
    tutorial does."""
    sandbox, endpoints = start_sandbox(tmp_path_factory.mktemp("edns-cloud"))
    yield set_up_tutorial(endpoints, tmp_path_factory.mktemp("kube"), GROUP, ZONE, ZONE_ONLY)
    sandbox.stop()


def args(*extra: str, owner: str = "aks", policy: str = "sync") -> list[str]:
    return [
        "--source=service",
        f"--domain-filter={ZONE}",
        "--provider=azure",
        f"--azure-resource-group={GROUP}",
        f"--txt-owner-id={owner}",
        f"--policy={policy}",
        "--events",
        *extra,
    ]


def dig(t: Tutorial, name: str, rdtype: str = "A") -> list[str]:
    host, port = t.endpoints.dns_host, str(t.endpoints.dns_port)
    result = subprocess.run(
        ["dig", f"@{host}", "-p", port, name, rdtype, "+short"], capture_output=True, text=True, timeout=30, check=True
    )
    return result.stdout.split()


def txt_value(owner: str, name: str) -> str:
    return f'"heritage=external-dns,external-dns/owner={owner},external-dns/resource=service/default/{name}"'


def test_hello_gets_its_records_and_resolves_then_sync_removes_them(tutorial: Tutorial) -> None:
    with external_dns(tutorial, "external-dns", args()) as pod:
        wait_for_log(tutorial, pod, "All records are already up to date")
        ip = create_service(tutorial, "hello", f"hello.{ZONE}")
        assert eventually(lambda: resolve(tutorial.endpoints, f"hello.{ZONE}") == (NOERROR, [ip]), timeout=30)
        if shutil.which("dig"):
            assert dig(tutorial, f"hello.{ZONE}") == [ip]
        expected = {("hello", "A"): [ip], ("a-hello", "TXT"): [txt_value("aks", "hello")]}
        assert eventually(lambda: tutorial.admin.record_sets() == expected)
        assert resolve(tutorial.endpoints, f"a-hello.{ZONE}", "TXT") == (
            NOERROR,
            [json.dumps(txt_value("aks", "hello"))],
        )

        tutorial.cluster.core.delete_namespaced_service("hello", "default")
        assert eventually(lambda: resolve(tutorial.endpoints, f"hello.{ZONE}")[0] == NXDOMAIN, timeout=30)
        assert eventually(lambda: tutorial.admin.record_sets() == {}, timeout=30)
        logged = log_of(tutorial, pod)
    assert ("info", f"Updating A record named 'hello' to '{ip}' for Azure DNS zone '{ZONE}'.") in logged
    assert ("info", f"Deleting TXT record named 'a-hello' for Azure DNS zone '{ZONE}'.") in logged
    assert ("info", "Using managed identity extension to retrieve access token for Azure API.") in logged
    assert not [entry for entry in logged if entry[0] in ("error", "fatal")]


def up_to_date_cycles(t: Tutorial, pod: str) -> int:
    return sum(message == "All records are already up to date" for _, message in log_of(t, pod))


def test_upsert_only_keeps_the_records_of_a_deleted_service(tutorial: Tutorial) -> None:
    with external_dns(tutorial, "external-dns-upsert", args(owner="upsert", policy="upsert-only")) as pod:
        ip = create_service(tutorial, "kept", f"kept.{ZONE}")
        assert eventually(lambda: resolve(tutorial.endpoints, f"kept.{ZONE}") == (NOERROR, [ip]), timeout=30)
        assert eventually(lambda: ("a-kept", "TXT") in tutorial.admin.record_sets())
        before = up_to_date_cycles(tutorial, pod)
        tutorial.cluster.core.delete_namespaced_service("kept", "default")
        wait_for(lambda: up_to_date_cycles(tutorial, pod) > before, "a cycle after the deletion")
    records = tutorial.admin.record_sets()
    assert records[("kept", "A")] == [ip] and records[("a-kept", "TXT")] == [txt_value("upsert", "kept")]
    assert resolve(tutorial.endpoints, f"kept.{ZONE}") == (NOERROR, [ip])


def test_hand_made_records_and_another_owners_records_are_left_alone(tutorial: Tutorial) -> None:
    tutorial.admin.add_a_record("manual", "10.9.9.9")
    with external_dns(tutorial, "external-dns", args()) as first:
        ip = create_service(tutorial, "shared", f"shared.{ZONE}")
        create_service(tutorial, "claims-manual", f"manual.{ZONE}")
        assert eventually(lambda: resolve(tutorial.endpoints, f"shared.{ZONE}") == (NOERROR, [ip]), timeout=30)
        with external_dns(tutorial, "external-dns-other", args(owner="other")) as second:
            wait_for_log(tutorial, second, "All records are already up to date")
            tutorial.cluster.core.patch_namespaced_service("shared", "default", {"spec": {"externalIPs": ["20.5.5.5"]}})
            assert eventually(lambda: resolve(tutorial.endpoints, f"shared.{ZONE}") == (NOERROR, ["20.5.5.5"]))
            wait_for_log(tutorial, second, "All records are already up to date")
            others = log_of(tutorial, second)
        firsts = log_of(tutorial, first)
    records = tutorial.admin.record_sets()
    assert records[("manual", "A")] == ["10.9.9.9"] and ("a-manual", "TXT") not in records
    assert records[("a-shared", "TXT")] == [txt_value("aks", "shared")]
    assert not [message for _, message in others if "Updating" in message or "Deleting" in message]
    assert not [message for _, message in firsts if "'manual'" in message]
    for name in ("shared", "claims-manual"):
        tutorial.cluster.core.delete_namespaced_service(name, "default")


def test_without_the_binding_label_nmi_refuses_the_token_and_nothing_is_written(tutorial: Tutorial) -> None:
    """NMI (managed mode) answers the unbound pod's token request with 404 "no azure identity found …" in text at
    once. azure-identity retries a 404 from IMDS for about 24 s before external-dns logs the failure, whose text
    (azure-identity's for that answer) test_dns_access.py checks without retries: here the pod has chosen its
    credential, gets NMI's 404 from its address, and has written nothing."""
    before = tutorial.admin.record_sets()
    create_service(tutorial, "unbound", f"unbound.{ZONE}")
    with external_dns(tutorial, "external-dns-unbound", args(), binding=None) as pod:
        logged = wait_for_log(tutorial, pod, "Resolving to user assigned identity, client id is ")
        [chosen] = [message for _, message in logged if message.startswith("Resolving to user assigned identity")]
        client_id = chosen.removeprefix("Resolving to user assigned identity, client id is ").removesuffix(".")
        response = token_as_pod(tutorial, pod, client_id)
        redacted = f"{client_id[:4]}##### REDACTED #####{client_id[-4:]}"
        assert (response.status_code, response.text) == (
            404,
            f"no azure identity found for request clientID {redacted}\n",
        )
        assert not [message for _, message in log_of(tutorial, pod) if "Failed to do run once" in message]
        stop_at_once(tutorial, "external-dns-unbound", pod)
    assert tutorial.admin.record_sets() == before
    tutorial.cluster.core.delete_namespaced_service("unbound", "default")


def stop_at_once(tutorial: Tutorial, deployment: str, pod: str) -> None:
    """No replica, and the pod killed without its grace period: it sits in azure-identity's retries, which a
    SIGTERM does not cut short."""
    tutorial.apps.patch_namespaced_deployment_scale(deployment, NAMESPACE, {"spec": {"replicas": 0}})
    tutorial.cluster.core.delete_namespaced_pod(pod, NAMESPACE, grace_period_seconds=0)


def token_as_pod(tutorial: Tutorial, pod: str, client_id: str) -> requests.Response:
    """A token request for the client id from the pod's address, which NMI tells pods apart by."""
    ip = tutorial.cluster.core.read_namespaced_pod(pod, NAMESPACE).status.pod_ip
    with pod_session(ip) as session:
        return session.get(
            tutorial.endpoints.imds_url + "/metadata/identity/oauth2/token",
            params={"api-version": "2018-02-01", "resource": "https://management.azure.com", "client_id": client_id},
            headers={"Metadata": "true"},
            timeout=10,
        )


def test_a_service_account_without_its_cluster_role_cannot_list_services(tutorial: Tutorial) -> None:
    tutorial.cluster.core.create_namespaced_service_account(NAMESPACE, {"metadata": {"name": "no-rbac"}})
    with external_dns(tutorial, "external-dns-no-rbac", args(), account="no-rbac") as pod:
        logged = wait_for_log(tutorial, pod, "Failed to watch *v1.Service")
    failure = next(message for _, message in logged if "Failed to watch" in message)
    user = f"system:serviceaccount:{NAMESPACE}:no-rbac"
    assert failure == (
        f'Failed to watch *v1.Service: failed to list *v1.Service: services is forbidden: User "{user}" cannot list '
        'resource "services" in API group "" at the cluster scope'
    )


def test_zone_scoped_grant_alone_logs_the_403_and_keeps_running(tutorial: Tutorial) -> None:
    argv = args("--interval=2s")
    with external_dns(tutorial, "external-dns-zone-only", argv, f"azure-config-{ZONE_ONLY}", ZONE_ONLY) as pod:
        logged = wait_for_log(tutorial, pod, "(consecutive soft errors: 2)")
        restarts = tutorial.cluster.core.read_namespaced_pod(pod, NAMESPACE).status.container_statuses[0].restart_count
    failures = [message for level, message in logged if level == "error"]
    assert "RESPONSE 403: 403 Forbidden\nERROR CODE: AuthorizationFailed\n" in failures[0]
    assert "perform action 'Microsoft.Network/dnsZones/read' over scope" in failures[0]
    assert f"/resourceGroups/{GROUP}/providers/Microsoft.Network'" in failures[0]
    assert restarts == 0


def test_bad_input_is_skipped_with_one_line_each(tutorial: Tutorial) -> None:
    good = create_service(tutorial, "good", f"good.{ZONE}")
    create_service(tutorial, "invalid", f"in_valid.{ZONE}")
    create_service(tutorial, "elsewhere", "app.elsewhere.internal")
    ttl_ip = create_service(tutorial, "ttl", f"ttl.{ZONE}", **{TTL: "2147483648"})
    with external_dns(tutorial, "external-dns", args("--log-level=debug")) as pod:
        logged = wait_for_log(tutorial, pod, "Updating A record named 'ttl'")
    assert resolve(tutorial.endpoints, f"good.{ZONE}") == (NOERROR, [good])
    assert resolve(tutorial.endpoints, f"ttl.{ZONE}") == (NOERROR, [ttl_ip])
    assert tutorial.admin.dns.record_sets.get(GROUP, ZONE, "ttl", "A").ttl == 300
    about = {
        word: [entry for entry in logged if word in entry[1] and not entry[1].startswith(("Updating", "Found"))]
        for word in ("in_valid", "app.elsewhere.internal", "default/ttl")
    }
    assert about == {
        "in_valid": [
            (
                "warning",
                f"Skipping invalid hostname 'in_valid.{ZONE}' from service/default/invalid: "
                "label 'in_valid' is not a valid RFC 1123 label",
            )
        ],
        "app.elsewhere.internal": [
            ("debug", "ignoring record app.elsewhere.internal that does not match domain filter")
        ],
        "default/ttl": [("warning", "service/default/ttl: TTL value 2147483648 must be between [1, 2147483647]")],
    }


def test_a_secret_without_azure_json_is_one_fatal_line(tutorial: Tutorial) -> None:
    with external_dns(tutorial, "external-dns-misconfigured", args(), SECRET_WITHOUT_AZURE_JSON) as pod:
        logged = wait_for_log(tutorial, pod, "failed to read Azure config file")
    path = "/etc/kubernetes/azure.json"
    assert [entry for entry in logged if entry[0] in ("error", "fatal")] == [
        ("fatal", f"failed to read Azure config file '{path}': " * 2 + f"open {path}: no such file or directory")
    ]
