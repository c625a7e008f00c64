"""NMI's and IMDS's decisions (pure): request parsing, the wait loop's verdicts, picking the identity,
exceptions, IMDS's choice among a node's identities, and the exact reply bodies.

Covers: unencoded query values and mi_res_id; standard mode: Assigned found at once; nothing bound (CREATED
message after 16 attempts, the requested client id first); Created only (keep waiting); client_id compared
case-insensitively while waiting but exactly when picked; managed mode: the pod's binding in its namespace,
ids compared exactly, an empty selector for a pod without the label; 404, or 503 and Retry-After; redaction;
namespaced filter; exception matching (key exact, value case-insensitive); IMDS default and explicit
identities, multiple identities, unknown ones; Go http.Error and IMDS JSON shapes; token bodies.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from podid.sandbox.core.tokens import TOKEN_LIFETIME, IssuedToken
from podid.sandbox.podidentity import nmi
from podid.sandbox.podidentity.nmi import Found, Missing, NodeIdentity, TokenRequest
from tests.podidentity.builders import azure_identity, binding, pod

ARM = "https://management.azure.com/"


def assignment(status: str, client_id: str = "Client-1", namespace: str = "my-app") -> dict[str, Any]:
    return {
        "spec": {
            "pod": "demo",
            "podNamespace": "my-app",
            "azureIdentityRef": azure_identity(namespace=namespace, client_id=client_id),
        },
        "status": {"status": status},
    }


def test_parse_reads_every_id_parameter() -> None:
    parsed = TokenRequest.parse({"resource": ARM, "client_id": "c", "mi_res_id": "/r", "object_id": "o"})
    assert parsed == TokenRequest(ARM, "c", "/r", "o")
    assert TokenRequest.parse({"resource": ARM, "msi_res_id": "/m", "mi_res_id": "/r"}).resource_id == "/m"
    assert not TokenRequest.parse({"resource": ARM, "object_id": "o"}).identity_specified


def test_assigned_identity_is_found_at_once() -> None:
    outcome = nmi.lookup_attempt([assignment("Assigned")], TokenRequest(ARM), 0, "my-app", "demo")
    assert isinstance(outcome, Found) and outcome.identities[0]["metadata"]["name"] == "id1"


def test_nothing_bound_fails_after_the_created_attempts() -> None:
    assert nmi.lookup_attempt([], TokenRequest(ARM), 15, "my-app", "demo") is None
    outcome = nmi.lookup_attempt([], TokenRequest(ARM), 16, "my-app", "demo")
    assert outcome == Missing(
        "getting assigned identities for pod my-app/demo in CREATED state failed after 16 attempts, retry duration "
        "[5]s, error: <nil>. Check MIC pod logs for identity assignment errors"
    )


def test_created_keeps_waiting_and_then_fails_as_not_assigned() -> None:
    assert nmi.lookup_attempt([assignment("Created")], TokenRequest(ARM), 19, "my-app", "demo") is None
    assert nmi.not_assigned("my-app", "demo").message.startswith(
        "getting assigned identities for pod my-app/demo in ASSIGNED state failed after 20 attempts"
    )


def test_client_id_matches_case_insensitively_while_waiting_but_exactly_when_picked() -> None:
    request = TokenRequest(ARM, client_id="client-1")
    outcome = nmi.lookup_attempt([assignment("Assigned")], request, 0, "my-app", "demo")
    assert isinstance(outcome, Found)
    picked = nmi.pick_identity(outcome, request, "my-app")
    assert picked == Missing("no azure identity found for request clientID clie##### REDACTED #####nt-1")
    exact = nmi.pick_identity(outcome, TokenRequest(ARM, client_id="Client-1"), "my-app")
    assert isinstance(exact, dict) and exact["spec"]["clientID"] == "Client-1"


def test_another_client_id_is_not_the_pods() -> None:
    request = TokenRequest(ARM, client_id="someone-else")
    outcome = nmi.lookup_attempt([assignment("Assigned")], request, 16, "my-app", "demo")
    assert isinstance(outcome, Missing) and outcome.message.startswith(
        "clientID in request: some##### REDACTED #####else, getting assigned identities for pod my-app/demo in "
        "CREATED state failed after 16 attempts"
    )


def managed_pod(label: str | None = "sel") -> dict[str, Any]:
    return pod("demo", label=label)


def test_managed_mode_finds_the_pods_identity_through_its_binding() -> None:
    identities = [azure_identity("id0", client_id="c0"), azure_identity("id1", client_id="c1")]
    bindings = [binding("b0", identity="id0", selector="other"), binding("b1", identity="id1")]
    found = nmi.managed_identity(managed_pod(), bindings, identities, TokenRequest(ARM))
    assert isinstance(found, dict) and found["metadata"]["name"] == "id1"
    by_client = nmi.managed_identity(managed_pod(), bindings, identities, TokenRequest(ARM, client_id="c1"))
    assert by_client == identities[1]
    by_resource = nmi.managed_identity(
        managed_pod(), bindings, identities, TokenRequest(ARM, resource_id=identities[1]["spec"]["resourceID"])
    )
    assert by_resource == identities[1]


def test_managed_mode_compares_ids_exactly_and_stays_in_the_namespace() -> None:
    identities = [azure_identity(client_id="Client-1"), azure_identity(namespace="default", client_id="c2")]
    bindings = [binding(), binding(namespace="default")]
    missing = nmi.managed_identity(managed_pod(), bindings, identities, TokenRequest(ARM, client_id="client-1"))
    assert missing == Missing("no azure identity found for request clientID clie##### REDACTED #####nt-1")
    other = nmi.managed_identity(managed_pod(), bindings, identities, TokenRequest(ARM, client_id="c2"))
    assert other == Missing("no azure identity found for request clientID c2")
    unlabelled = nmi.managed_identity(managed_pod(None), bindings, identities, TokenRequest(ARM))
    assert unlabelled == Missing("no azure identity found for request clientID ")


def test_a_pod_without_the_label_matches_a_binding_with_an_empty_selector() -> None:
    found = nmi.managed_identity(managed_pod(None), [binding(selector="")], [azure_identity()], TokenRequest(ARM))
    assert isinstance(found, dict) and found["metadata"]["name"] == "id1"


def test_no_identity_is_404_or_503_with_retry_after() -> None:
    assert nmi.no_identity("gone", retry_after=False) == nmi.go_error(404, "gone")
    reply = nmi.no_identity("gone", retry_after=True)
    assert (reply.status, reply.body, reply.headers["Retry-After"]) == (503, b"gone\n", "20")


def test_resource_id_requests_match_the_identity() -> None:
    identity = azure_identity(client_id="Client-1")
    request = TokenRequest(ARM, resource_id=identity["spec"]["resourceID"])
    outcome = nmi.lookup_attempt([assignment("Assigned")], request, 0, "my-app", "demo")
    assert isinstance(outcome, Found)
    assert nmi.pick_identity(outcome, request, "my-app") == identity


def test_identities_of_other_namespaces_are_dropped() -> None:
    found = Found([azure_identity(namespace="default")])
    reply = nmi.pick_identity(found, TokenRequest(ARM), "my-app")
    assert isinstance(reply, nmi.Reply) and reply.status == 500


def test_redact() -> None:
    assert nmi.redact("12345678-aaaa-bbbb-cccc-1234567890ab") == "1234##### REDACTED #####90ab"


@pytest.mark.parametrize(
    ("labels", "excepted"),
    [
        ({"app": "Probe"}, True),
        ({"app": "other"}, False),
        ({"App": "probe"}, False),
        ({}, False),
        ({"team": "x", "app": "probe"}, True),
    ],
)
def test_exception_matching(labels: dict[str, str], excepted: bool) -> None:
    exceptions = [{"spec": {"podLabels": {"app": "probe", "tier": "never"}}}]
    assert nmi.is_excepted(labels, exceptions) is excepted


KUBELET = NodeIdentity("/sub/rg/kubelet", "kubelet-client", "kubelet-oid")
DNS = NodeIdentity("/sub/rg/dns", "dns-client", "dns-oid")


def test_imds_defaults_to_the_kubelet_identity_and_finds_others_by_any_id() -> None:
    attached = [DNS, KUBELET]
    assert nmi.node_identity(TokenRequest(ARM), attached, KUBELET.resource_id) == KUBELET
    assert nmi.node_identity(TokenRequest(ARM, client_id="DNS-CLIENT"), attached, None) == DNS
    assert nmi.node_identity(TokenRequest(ARM, resource_id="/SUB/rg/dns"), attached, None) == DNS
    assert nmi.node_identity(TokenRequest(ARM, object_id="dns-oid"), attached, None) == DNS


def test_imds_refusals() -> None:
    unknown = nmi.node_identity(TokenRequest(ARM, client_id="nope"), [KUBELET], None)
    assert isinstance(unknown, nmi.Reply) and unknown.status == 400
    assert json.loads(unknown.body) == {"error": "invalid_request", "error_description": "Identity not found"}
    several = nmi.node_identity(TokenRequest(ARM), [KUBELET, DNS], None)
    assert isinstance(several, nmi.Reply) and b"Multiple user assigned identities exist" in several.body
    assert nmi.node_identity(TokenRequest(ARM), [DNS], None) == DNS


def test_go_error_shape() -> None:
    reply = nmi.go_error(500, nmi.POD_LIST_EMPTY)
    assert reply.body == b"pod list is empty\n"
    assert reply.headers == {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"}


def test_metadata_header_reply() -> None:
    reply = nmi.metadata_header_missing()
    assert reply.status == 400
    assert reply.body == b'{"error":"invalid_request","error_description":"Required metadata header not specified"}\n'


def test_token_bodies_have_string_values() -> None:
    token = IssuedToken("jwt", 5000 + TOKEN_LIFETIME, TOKEN_LIFETIME)
    body = json.loads(nmi.nmi_token(token, ARM).body)
    assert body == {
        "access_token": "jwt",
        "refresh_token": "",
        "expires_in": str(TOKEN_LIFETIME),
        "expires_on": str(5000 + TOKEN_LIFETIME),
        "not_before": "5000",
        "resource": ARM,
        "token_type": "Bearer",
    }
    imds = json.loads(nmi.imds_token(token, "cid", ARM).body)
    assert imds["client_id"] == "cid" and imds["ext_expires_in"] == str(TOKEN_LIFETIME)
    assert all(isinstance(value, str) for value in imds.values())
