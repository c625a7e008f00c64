"""Tokens are judged by the sandbox clock (which /_sandbox/clock moves forward), not the wall clock: a token minted
two hours ahead of the wall clock carries nbf and iat two hours ahead, and ARM, Graph and a cluster's Kubernetes
API (a service-account token from the TokenRequest API) accept it."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.conftest import ARM_SCOPE, GRAPH_SCOPE, control_call, credential_for, start_sandbox
from tests.kube.conftest import cluster_spec

AHEAD = 2 * 3600


def test_tokens_minted_ahead_of_the_wall_clock_are_valid(tmp_path: Path) -> None:
    sandbox, endpoints = start_sandbox(tmp_path / "sandbox")  # its own: the session's clock stays put
    try:
        moved = control_call(endpoints, "POST", "/clock", json={"advanceSeconds": AHEAD})
        assert moved.status_code == 200, moved.text
        operator = credential_for(endpoints, endpoints.operator.client_id, endpoints.operator.client_secret)
        base = endpoints.arm_url.rstrip("/")
        for url, scope in (
            (f"{base}/subscriptions/{endpoints.subscription_id}/resourcegroups?api-version=2021-04-01", ARM_SCOPE),
            (f"{base}/v1.0/applications", GRAPH_SCOPE),
        ):
            token = operator.get_token(scope).token
            response = requests.get(
                url, headers={"Authorization": f"Bearer {token}"}, verify=endpoints.ca_bundle, timeout=30
            )
            assert response.status_code == 200, response.text
        assert sandbox.cloud is not None
        access = sandbox.cloud.kube.ensure_cluster(cluster_spec(endpoints, "clocked"))
        account = f"{access.server_url}/api/v1/namespaces/default/serviceaccounts/default"
        issued = requests.post(
            f"{account}/token",
            json={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
            headers={"Authorization": f"Bearer {access.admin_token}"},
            verify=endpoints.ca_cert,
            timeout=30,
        )
        assert issued.status_code == 201, issued.text
        token = issued.json()["status"]["token"]
        own = requests.get(account, headers={"Authorization": f"Bearer {token}"}, verify=endpoints.ca_cert, timeout=30)
        assert own.status_code == 403  # authenticated (a 401 otherwise), and not allowed to read accounts
        assert "system:serviceaccount:default:default" in own.json()["message"]
    finally:
        sandbox.stop()
