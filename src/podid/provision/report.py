"""What ``podid up`` shows when it is done: the podIdentityProfile in the tutorial's shape, who holds which
role (``az role assignment list … -o table``), and the DNS answer for the hello name."""

from __future__ import annotations

import socket
from typing import Any

import dns.exception
import dns.message
import dns.query
import dns.rdatatype

from podid.provision import rbac
from podid.provision.errors import translated
from podid.provision.shape import az_json
from podid.provision.state import State
from podid.provision.steps.cluster import kube_for
from podid.provision.wait import wait_for

DNS_TIMEOUT = 90.0


def pod_identity_profile(state: State) -> dict[str, Any]:
    """``podid aks show … --query "{podIdentityProfile:podIdentityProfile}"``."""
    design = state.design
    with translated():
        cluster = state.clients.aks.managed_clusters.get(design.group, design.cluster)
    return {"podIdentityProfile": az_json(cluster).get("podIdentityProfile")}


def principals(state: State) -> dict[str, str]:
    """principal id → a readable name for the identities this system involves."""
    # a copy first: `podid up` reports while verify reloads the identities
    names = {str(identity.principal_id): name for name, identity in list(state.identities.items())}
    if state.kubelet is not None and state.kubelet.get("objectId"):
        names[state.kubelet["objectId"]] = f"{state.design.cluster}-agentpool (kubelet)"
    cluster = getattr(getattr(state.cluster, "identity", None), "principal_id", None)
    if cluster:
        names[str(cluster)] = f"{state.design.cluster} (cluster)"
    return names


def role_assignments(state: State) -> list[dict[str, str]]:
    """Every role assignment held by those identities: Principal, Role, Scope (the tutorial's table)."""
    authorization, design = state.clients.authorization, state.design
    with translated():
        role_names = {
            rbac.guid_of(str(definition.id)): str(definition.role_name)
            for definition in authorization.role_definitions.list(design.group_id)
        }
        rows = []
        for principal, name in principals(state).items():
            for item in authorization.role_assignments.list_for_subscription(filter=f"principalId eq '{principal}'"):
                role = role_names.get(rbac.guid_of(item.role_definition_id or ""), item.role_definition_id or "")
                rows.append({"Principal": name, "Role": role, "Scope": str(item.scope)})
    return sorted(rows, key=lambda row: (row["Principal"], row["Scope"], row["Role"]))


def service_address(state: State, namespace: str = "default", name: str = "hello") -> str | None:
    kube = kube_for(state)
    service = kube.get("Service", namespace, name) if kube is not None else None
    ingress = ((service or {}).get("status", {}).get("loadBalancer", {}) or {}).get("ingress") or []
    return next((str(item["ip"]) for item in ingress if item.get("ip")), None)


def name_server(state: State) -> tuple[str, int]:
    """Where the zone's records can be asked for: the target's DNS server, else the zone's first name server."""
    if state.clients.target.dns_server is not None:
        return state.clients.target.dns_server
    with translated():
        zone = state.clients.dns.zones.get(state.design.group, state.design.domain)
    first = (zone.name_servers or ["localhost"])[0]
    return socket.gethostbyname(first.rstrip(".")), 53


def resolve(host: str, server: tuple[str, int]) -> list[str]:
    query = dns.message.make_query(host, dns.rdatatype.A)
    try:
        response = dns.query.udp(query, server[0], port=server[1], timeout=2.0)
    except (OSError, dns.exception.DNSException):
        return []
    return sorted(str(item) for answer in response.answer if answer.rdtype == dns.rdatatype.A for item in answer)


def dns_answer(state: State, timeout: float = DNS_TIMEOUT) -> dict[str, Any]:
    """The A records for hello.<domain>, once external-dns has published the Service's address."""
    host, server = state.design.hello_host, name_server(state)
    kubectl = f"kubectl --kubeconfig {state.kubeconfig} --context {state.design.cluster}"
    expected = wait_for(
        lambda: service_address(state),
        "the hello Service's load balancer address",
        timeout,
        hint=f"check the Service: `{kubectl} get service hello`",
    )
    addresses = wait_for(
        lambda: found if expected in (found := resolve(host, server)) else None,
        f"{host} to resolve to {expected}",
        timeout,
        first_delay=0.02,
        max_delay=0.1,  # a question to a name server is cheap, and the answer is what `up` waits for
        hint=f"check what external-dns says: `{kubectl} -n kube-addons logs deployment/external-dns`",
    )
    return {
        "name": host,
        "type": "A",
        "addresses": addresses,
        "server": f"{server[0]}:{server[1]}",
        "expected": expected,
    }
