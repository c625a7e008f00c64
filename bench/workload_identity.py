"""Workload identity benchmark: Entra's token exchange of a service-account token for an ARM token.

A sandbox with one AKS cluster (OIDC issuer and workload identity enabled) and ``--identities`` user-assigned
identities, one of them federated with the ServiceAccount ``bench/workload``. A TokenRequest token for that
account is the client assertion; ``--clients`` HTTPS clients, in a process of their own, post the exchange
WorkloadIdentityCredential makes (``POST {authority}/{tenant}/oauth2/v2.0/token``) back to back for
``--seconds``. Every request goes the whole way: client lookup, federated credential match, the issuer's
JWKS, the RS256 signature. One client measures the latency a pod sees (a pod exchanges once per token
lifetime); more clients show throughput, their latency is mostly queueing on the sandbox's one event loop.

Target: p99 <= 10 ms with one client (p50 reported alongside).

Run: ``.venv/bin/python bench/workload_identity.py [--clients 1] [--seconds 5] [--identities 100]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import ssl
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import FederatedIdentityCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from podid.sandbox import Endpoints
from podid.sandbox.testing import ARM_SCOPE, credential_for, mgmt_client, start_sandbox

AUDIENCE = "api://AzureADTokenExchange"
NAMESPACE, ACCOUNT, GROUP, LOCATION = "bench", "workload", "bench-rg", "westus2"
TARGETS = {"p50 ms": None, "p99 ms": 10.0}


def provision(endpoints: Endpoints, identities: int) -> tuple[str, str]:
    """(client id of the federated identity, a service-account token to exchange)."""
    credential = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
    mgmt_client(ResourceManagementClient, endpoints, credential).resource_groups.create_or_update(
        GROUP, {"location": LOCATION}
    )
    aks = mgmt_client(ContainerServiceClient, endpoints, credential)
    body = {
        "location": LOCATION,
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "dnsPrefix": "bench",
            "agentPoolProfiles": [{"name": "nodepool1", "count": 1, "mode": "System", "osType": "Linux"}],
            "oidcIssuerProfile": {"enabled": True},
            "securityProfile": {"workloadIdentity": {"enabled": True}},
        },
    }
    cluster = aks.managed_clusters.begin_create_or_update(GROUP, "bench", body).result()
    msi = mgmt_client(ManagedServiceIdentityClient, endpoints, credential)
    for index in range(identities - 1):  # bystanders: the lookups must not grow with them
        msi.user_assigned_identities.create_or_update(GROUP, f"other-{index}", {"location": LOCATION})
    identity = msi.user_assigned_identities.create_or_update(GROUP, "bench-identity", {"location": LOCATION})
    fic = FederatedIdentityCredential(
        issuer=cluster.oidc_issuer_profile.issuer_url,
        subject=f"system:serviceaccount:{NAMESPACE}:{ACCOUNT}",
        audiences=[AUDIENCE],
    )
    msi.federated_identity_credentials.create_or_update(GROUP, "bench-identity", "bench", fic)
    kubeconfig = aks.managed_clusters.list_cluster_admin_credentials(GROUP, "bench").kubeconfigs[0].value
    core = k8s.CoreV1Api(k8s_config.new_client_from_config_dict(yaml.safe_load(kubeconfig)))
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=NAMESPACE)))
    core.create_namespaced_service_account(NAMESPACE, k8s.V1ServiceAccount(metadata=k8s.V1ObjectMeta(name=ACCOUNT)))
    spec = k8s.V1TokenRequestSpec(audiences=[AUDIENCE], expiration_seconds=86400)
    request = core.create_namespaced_service_account_token(
        ACCOUNT, NAMESPACE, k8s.AuthenticationV1TokenRequest(spec=spec)
    )
    return identity.client_id, request.status.token


async def load(url: str, ca_bundle: str, form: dict[str, str], clients: int, seconds: float) -> tuple[list[float], int]:
    """Every client exchanges in a loop for ``seconds``; returns the latencies of the 200s and the failures."""
    tls = ssl.create_default_context(cafile=ca_bundle)
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal failures
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls, limit=1)) as session:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.post(url, data=form) as response:
                    await response.read()
                    if response.status == 200:
                        latencies.append(time.perf_counter() - started)
                    else:
                        failures += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, failures


def run_load(*args: Any) -> tuple[list[float], int]:
    """``load`` in a process of its own, so the clients share no GIL with the sandbox."""
    return asyncio.run(load(*args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--identities", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sandbox, endpoints = start_sandbox(Path(tmp) / "sandbox")
        try:
            client_id, assertion = provision(endpoints, args.identities)
            form = {
                "client_assertion": assertion,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_id": client_id,
                "grant_type": "client_credentials",
                "scope": ARM_SCOPE,
            }
            url = f"{endpoints.authority}/{endpoints.tenant_id}/oauth2/v2.0/token"
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                pool.submit(run_load, url, endpoints.ca_bundle, form, 1, 0.5).result()  # warm up
                job = pool.submit(run_load, url, endpoints.ca_bundle, form, args.clients, args.seconds)
                latencies, failures = job.result()
        finally:
            sandbox.stop()
    if not latencies:
        raise SystemExit(f"no exchange succeeded ({failures} failed)")
    latencies.sort()
    print(f"{args.clients} clients, {len(latencies)} exchanges in {args.seconds:g} s, {failures} failed")
    print(f"{'exchanges/s':>12}: {len(latencies) / args.seconds:10.1f}")
    for key, value in (
        ("p50 ms", statistics.median(latencies) * 1000),
        ("p99 ms", latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000),
    ):
        target = TARGETS[key]
        verdict = f"target <= {target:g}   {'ok' if value <= target else 'MISSED'}" if target else ""
        print(f"{key:>12}: {value:10.2f}   {verdict}")


if __name__ == "__main__":
    main()
