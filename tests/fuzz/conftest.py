"""What the hostile-input tests share: one keep-alive HTTPS session, tokens, a Kubernetes cluster, the request
budget per surface, and the check that every reply is a 4xx (or success) in its API's own error envelope.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential

from podid.sandbox import Endpoints, Sandbox
from podid.sandbox.kube import ClusterAccess
from tests.conftest import ARM_SCOPE, GRAPH_SCOPE
from tests.kube.conftest import cluster_spec

# requests per surface; together at least 4,000 (DNS counts UDP and TCP messages)
BUDGET = {"arm": 1100, "graph": 500, "entra": 500, "imds": 400, "kube": 900, "dns_udp": 400, "dns_tcp": 300}
assert sum(BUDGET.values()) >= 4000

Envelope = Callable[[requests.Response], bool]


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _strings(document: Any, *keys: str) -> bool:
    return isinstance(document, dict) and all(isinstance(document.get(key), str) for key in keys)


def arm_envelope(response: requests.Response) -> bool:
    """ARM: ``{"error": {"code", "message"}}``."""
    document = _json(response)
    return isinstance(document, dict) and _strings(document.get("error"), "code", "message")


def graph_envelope(response: requests.Response) -> bool:
    """Microsoft Graph: ``{"error": {"code", "message", "innerError": {...}}}``."""
    document = _json(response)
    error = document.get("error") if isinstance(document, dict) else None
    return _strings(error, "code", "message") and isinstance(error.get("innerError"), dict)


def entra_envelope(response: requests.Response) -> bool:
    """Entra ID's OAuth2 error: ``{"error", "error_description", "error_codes", ...}``."""
    return _strings(_json(response), "error", "error_description")


def kube_envelope(response: requests.Response) -> bool:
    """Kubernetes: a ``Status`` whose code is the HTTP status."""
    document = _json(response)
    return (
        _strings(document, "kind", "message")
        and document["kind"] == "Status"
        and (document.get("code") == response.status_code)
    )


@dataclass
class Tally:
    """The replies of one surface, by status, and the first few that broke the rules."""

    statuses: dict[int, int] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)

    def record(self, response: requests.Response, envelope: Envelope, what: str, allowed_5xx: bool = False) -> None:
        status = response.status_code
        self.statuses[status] = self.statuses.get(status, 0) + 1
        enveloped = status < 400 or response.request.method == "HEAD" or envelope(response)
        if (status >= 500 and not allowed_5xx) or not enveloped:
            self.broken.append(f"{what} -> {status} {response.headers.get('Content-Type')} {response.text[:300]!r}")

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def check(self, minimum: int, outcomes: int = 3) -> None:
        assert not self.broken, f"{len(self.broken)} replies broke the rules, e.g.:\n" + "\n".join(self.broken[:10])
        assert self.total >= minimum, self.statuses
        assert len(self.statuses) >= outcomes, self.statuses  # different outcomes, not one early rejection


@pytest.fixture(scope="module")
def session(endpoints: Endpoints) -> Iterator[requests.Session]:
    with requests.Session() as opened:
        opened.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would replace ``verify``
        opened.verify = endpoints.ca_bundle
        yield opened


@pytest.fixture(scope="module")
def arm_token(operator_credential: ClientSecretCredential) -> str:
    return str(operator_credential.get_token(ARM_SCOPE).token)


@pytest.fixture(scope="module")
def graph_token(operator_credential: ClientSecretCredential) -> str:
    return str(operator_credential.get_token(GRAPH_SCOPE).token)


@pytest.fixture(scope="module")
def kube_access(sandbox: Sandbox, endpoints: Endpoints) -> ClusterAccess:
    assert sandbox.cloud is not None
    return sandbox.cloud.kube.ensure_cluster(cluster_spec(endpoints, "fuzzed"))


def describe(method: str, url: str, body: bytes | None, **extra: Any) -> str:
    shown = body if body is None or len(body) <= 80 else body[:80] + b"...(%d bytes)" % len(body)
    return f"{method} {url} {json.dumps(extra, default=str)} {shown!r}"
