"""Least privilege on the DNS zone, acting as pods through NMI (issue 4, acceptance 2 and 3).

Covers: a pod bound to the DNS identity writes an A record through azure-mgmt-dns; a pod bound to another
identity is refused with 403 AuthorizationFailed; a pod matching an exception gets the kubelet identity's token,
which the zone refuses too; an unbound pod gets no token at all; and, on a cluster without the add-on, any pod
gets the node's (kubelet) identity from IMDS: the anti-pattern the tutorial removes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import CredentialUnavailableError

from podid.sandbox import Endpoints
from tests.podidentity.conftest import (
    LOCATION,
    Clients,
    Cluster,
    add_exception,
    add_identity,
    as_pod,
    create_cluster,
    grant,
    pod_credential,
    pod_dns_client,
    run_pod,
    update_profile,
)

ZONE, NAMESPACE, ARM_SCOPE = "example.internal", "dns", "https://management.azure.com/.default"


@dataclass(frozen=True)
class Zone:
    group: str
    dns_identity: Any
    vm_identity: Any


@pytest.fixture(scope="module")
def zone(clients: Clients, endpoints: Endpoints, addon_cluster: Cluster) -> Zone:
    """The zone, the DNS identity with DNS Zone Contributor on it only, another identity, and the bindings."""
    group = f"dns-{os.getpid()}"
    clients.resources.resource_groups.create_or_update(group, {"location": LOCATION})
    created = clients.dns.zones.create_or_update(group, ZONE, {"location": "global"})
    dns_identity = clients.msi.user_assigned_identities.create_or_update(group, "dns-identity", {"location": LOCATION})
    vm_identity = clients.msi.user_assigned_identities.create_or_update(group, "vm-identity", {"location": LOCATION})
    grant(clients, endpoints, "DNS Zone Contributor", created.id, dns_identity.principal_id)

    def bind(profile: dict[str, Any]) -> None:
        add_identity(dns_identity, NAMESPACE, "external-dns")(profile)
        add_identity(vm_identity, NAMESPACE, "vm-reader")(profile)
        add_exception(NAMESPACE, "probe", {"app": "probe"})(profile)

    update_profile(clients, addon_cluster.group, addon_cluster.name, bind)
    return Zone(group, dns_identity, vm_identity)


def write_record(endpoints: Endpoints, credential: Any, group: str, name: str) -> Any:
    client = pod_dns_client(endpoints, credential)
    body = {"ttl": 300, "a_records": [{"ipv4_address": "10.1.2.3"}]}
    return client.record_sets.create_or_update(group, ZONE, name, "A", body)


def token_claims(credential: Any) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(credential.get_token(ARM_SCOPE).token, options={"verify_signature": False})
    return claims


def test_the_dns_identitys_pod_writes_a_record(
    addon_cluster: Cluster, zone: Zone, endpoints: Endpoints, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    ip = run_pod(addon_cluster, NAMESPACE, "external-dns", {"aadpodidbinding": "external-dns"})
    with as_pod(ip, endpoints, monkeypatch):
        credential = pod_credential(zone.dns_identity.client_id)
        assert token_claims(credential)["oid"] == zone.dns_identity.principal_id
        write_record(endpoints, credential, zone.group, "hello")
    record = clients.dns.record_sets.get(zone.group, ZONE, "hello", "A")
    assert [item.ipv4_address for item in record.a_records] == ["10.1.2.3"]


def test_another_identitys_pod_is_refused(
    addon_cluster: Cluster, zone: Zone, endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    ip = run_pod(addon_cluster, NAMESPACE, "vm-reader", {"aadpodidbinding": "vm-reader"})
    with as_pod(ip, endpoints, monkeypatch):
        credential = pod_credential(zone.vm_identity.client_id)
        with pytest.raises(HttpResponseError) as caught:
            write_record(endpoints, credential, zone.group, "intruder")
    assert caught.value.status_code == 403
    assert caught.value.error is not None and caught.value.error.code == "AuthorizationFailed"
    assert zone.vm_identity.principal_id in caught.value.error.message


def test_an_exception_pod_gets_the_kubelet_identity_which_the_zone_refuses(
    addon_cluster: Cluster, zone: Zone, endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    ip = run_pod(addon_cluster, NAMESPACE, "probe", {"app": "probe"})
    with as_pod(ip, endpoints, monkeypatch):
        credential = pod_credential()
        assert token_claims(credential)["oid"] == addon_cluster.kubelet.object_id
        with pytest.raises(HttpResponseError) as caught:
            write_record(endpoints, credential, zone.group, "probe")
    assert caught.value.status_code == 403
    assert caught.value.error is not None and caught.value.error.code == "AuthorizationFailed"


def test_an_unbound_pod_gets_no_token(
    addon_cluster: Cluster, zone: Zone, endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NMI's 404 is text, which azure-identity cannot parse: it reports the identity as unavailable (without
    retries here: with its default five, the same error comes 24 s later)."""
    ip = run_pod(addon_cluster, NAMESPACE, "stranger", {"app": "stranger"})
    with as_pod(ip, endpoints, monkeypatch), pytest.raises(CredentialUnavailableError) as caught:
        pod_credential(zone.dns_identity.client_id, retry_total=0).get_token(ARM_SCOPE)
    assert str(caught.value) == "ManagedIdentityCredential authentication unavailable."
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)


def test_without_the_addon_every_pod_gets_the_node_identity(
    clients: Clients, endpoints: Endpoints, zone: Zone, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plain = create_cluster(clients, f"plain-{os.getpid()}", "plain", tmp_path)
    ip = run_pod(plain, "default", "anyone", {})
    with as_pod(ip, endpoints, monkeypatch):
        assert token_claims(pod_credential())["oid"] == plain.kubelet.object_id
        assert token_claims(pod_credential(plain.kubelet.client_id))["oid"] == plain.kubelet.object_id
        with pytest.raises(CredentialUnavailableError) as caught:
            pod_credential(zone.dns_identity.client_id).get_token(ARM_SCOPE)
    assert "Identity not found" in str(caught.value)
