"""Workload identity federation at Entra's token endpoint, through azure-identity's WorkloadIdentityCredential.

Covers: a TokenRequest token (audience ``api://AzureADTokenExchange``) for the ServiceAccount an identity's
federated credential names is exchanged for an ARM token of that identity, which works against ARM
(azure-mgmt-msi, with Reader on the group). Entra's errors, as ClientAuthenticationError: AADSTS70021 naming
the assertion's issuer, subject and audience for a wrong audience, subject or issuer (the missing trailing
slash included) and for an app registration, which has no federated credentials (the raw response: 400
``invalid_request``, ``error_codes [70021]``); AADSTS700016 for an unknown client id; AADSTS50027 for a token
that is not a JWT; AADSTS90061 for an issuer the sandbox does not serve; AADSTS50013 for a token signed with
another key, whether it names the cluster's key id or an unknown one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import WorkloadIdentityCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from cryptography.hazmat.primitives.asymmetric import rsa

from podid.sandbox import Endpoints
from tests.aks.conftest import grant
from tests.conftest import ARM_SCOPE, ServicePrincipalLogin, mgmt_client
from tests.workloadidentity.conftest import AUDIENCE, FederatedIdentity, WiCluster, service_account_token

Credential = Callable[[str, str], WorkloadIdentityCredential]


def subject(namespace: str, account: str) -> str:
    return f"system:serviceaccount:{namespace}:{account}"


def refusal(credential: WorkloadIdentityCredential) -> str:
    with pytest.raises(ClientAuthenticationError) as error:
        credential.get_token(ARM_SCOPE)
    return str(error.value.message)


def no_match(issuer: str, sub: str, audience: str) -> str:
    return (
        "AADSTS70021: No matching federated identity record found for presented assertion. "
        f"Assertion Issuer: '{issuer}'. Assertion Subject: '{sub}'. Assertion Audience: '{audience}'."
    )


def foreign_token(claims: dict[str, Any], kid: str) -> str:
    """A JWT signed with a key that no issuer the sandbox knows publishes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    return jwt.encode({"iat": now, "nbf": now, "exp": now + 3600, **claims}, key, "RS256", headers={"kid": kid})


def test_a_service_account_token_becomes_a_working_arm_token(
    wi_cluster: WiCluster,
    namespace: str,
    federated_identity: Callable[..., FederatedIdentity],
    workload_credential: Credential,
    authorization: AuthorizationManagementClient,
    endpoints: Endpoints,
) -> None:
    identity = federated_identity(subject(namespace, "workload"))
    group_scope = f"/subscriptions/{endpoints.subscription_id}/resourceGroups/{wi_cluster.group}"
    grant(authorization, endpoints, "Reader", group_scope, identity.principal_id)
    credential = workload_credential(
        identity.client_id, service_account_token(wi_cluster.api, namespace, "workload", [AUDIENCE])
    )

    claims = jwt.decode(credential.get_token(ARM_SCOPE).token, options={"verify_signature": False})
    assert (claims["oid"], claims["appid"]) == (identity.principal_id, identity.client_id)
    assert claims["xms_mirid"].lower() == identity.id.lower()
    listed = mgmt_client(ManagedServiceIdentityClient, endpoints, credential).user_assigned_identities
    assert identity.id.lower() in {item.id.lower() for item in listed.list_by_resource_group(wi_cluster.group)}


def test_the_wrong_audience_has_no_matching_record(
    wi_cluster: WiCluster,
    namespace: str,
    federated_identity: Callable[..., FederatedIdentity],
    workload_credential: Credential,
) -> None:
    identity = federated_identity(subject(namespace, "workload"))
    assertion = service_account_token(wi_cluster.api, namespace, "workload", ["api://SomethingElse"])
    message = refusal(workload_credential(identity.client_id, assertion))
    assert no_match(wi_cluster.issuer, subject(namespace, "workload"), "api://SomethingElse") in message


def test_the_wrong_subject_has_no_matching_record(
    wi_cluster: WiCluster,
    namespace: str,
    federated_identity: Callable[..., FederatedIdentity],
    workload_credential: Credential,
) -> None:
    identity = federated_identity(subject(namespace, "external-dns"))
    assertion = service_account_token(wi_cluster.api, namespace, "other", [AUDIENCE])
    message = refusal(workload_credential(identity.client_id, assertion))
    assert no_match(wi_cluster.issuer, subject(namespace, "other"), AUDIENCE) in message


@pytest.mark.parametrize(
    "wrong_issuer",
    [
        lambda issuer: issuer.rstrip("/"),  # the classic: no trailing slash
        lambda issuer: issuer.upper().replace("HTTPS://", "https://"),
        lambda issuer: "https://kubernetes.default.svc.cluster.local",
    ],
    ids=["no-trailing-slash", "other-case", "default-issuer"],
)
def test_a_credential_for_another_issuer_has_no_matching_record(
    wrong_issuer: Callable[[str], str],
    wi_cluster: WiCluster,
    namespace: str,
    federated_identity: Callable[..., FederatedIdentity],
    workload_credential: Credential,
) -> None:
    identity = federated_identity(subject(namespace, "workload"), issuer=wrong_issuer(wi_cluster.issuer))
    assertion = service_account_token(wi_cluster.api, namespace, "workload", [AUDIENCE])
    message = refusal(workload_credential(identity.client_id, assertion))
    assert no_match(wi_cluster.issuer, subject(namespace, "workload"), AUDIENCE) in message


def test_the_raw_refusal_is_entras_invalid_request(
    wi_cluster: WiCluster, namespace: str, federated_identity: Callable[..., FederatedIdentity], endpoints: Endpoints
) -> None:
    identity = federated_identity(subject(namespace, "external-dns"))
    response = requests.post(
        f"{endpoints.authority}/{endpoints.tenant_id}/oauth2/v2.0/token",
        data={
            "client_assertion": service_account_token(wi_cluster.api, namespace, "other", [AUDIENCE]),
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_id": identity.client_id,
            "grant_type": "client_credentials",
            "scope": ARM_SCOPE,
        },
        verify=endpoints.ca_bundle,
        timeout=30,
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["error"], body["error_codes"]) == ("invalid_request", [70021])
    assert body["error_description"].startswith(no_match(wi_cluster.issuer, subject(namespace, "other"), AUDIENCE))


def test_an_app_registration_has_no_federated_credentials(
    wi_cluster: WiCluster,
    namespace: str,
    make_service_principal: Callable[[str], ServicePrincipalLogin],
    workload_credential: Credential,
    unique: str,
) -> None:
    app = make_service_principal(f"{unique}-app")
    assertion = service_account_token(wi_cluster.api, namespace, "workload", [AUDIENCE])
    message = refusal(workload_credential(app.app_id, assertion))
    assert no_match(wi_cluster.issuer, subject(namespace, "workload"), AUDIENCE) in message


def test_an_unknown_client_id_is_not_found(
    wi_cluster: WiCluster, namespace: str, workload_credential: Credential, endpoints: Endpoints
) -> None:
    assertion = service_account_token(wi_cluster.api, namespace, "workload", [AUDIENCE])
    client_id = "00000000-0000-4000-8000-00000000dead"
    message = refusal(workload_credential(client_id, assertion))
    assert f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory" in message


def test_a_token_that_is_not_a_jwt_is_malformed(
    federated_identity: Callable[..., FederatedIdentity], workload_credential: Credential
) -> None:
    identity = federated_identity("system:serviceaccount:default:workload")
    message = refusal(workload_credential(identity.client_id, "not-a-jwt"))
    assert "AADSTS50027: JWT token is invalid or malformed." in message


def test_an_issuer_the_sandbox_does_not_serve_cannot_be_fetched(
    federated_identity: Callable[..., FederatedIdentity], workload_credential: Credential
) -> None:
    issuer, sub = "https://token.actions.githubusercontent.com", "repo:octo/app:ref:refs/heads/main"
    identity = federated_identity(sub, issuer=issuer)
    assertion = foreign_token({"iss": issuer, "sub": sub, "aud": AUDIENCE}, kid="github")
    message = refusal(workload_credential(identity.client_id, assertion))
    assert "AADSTS90061: Request to External OIDC endpoint failed." in message


def test_a_token_signed_with_another_key_fails_signature_validation(
    wi_cluster: WiCluster,
    namespace: str,
    federated_identity: Callable[..., FederatedIdentity],
    workload_credential: Credential,
) -> None:
    identity = federated_identity(subject(namespace, "workload"))
    genuine = service_account_token(wi_cluster.api, namespace, "workload", [AUDIENCE])
    cluster_kid = jwt.get_unverified_header(genuine)["kid"]
    claims = {"iss": wi_cluster.issuer, "sub": subject(namespace, "workload"), "aud": [AUDIENCE]}

    forged = refusal(workload_credential(identity.client_id, foreign_token(claims, kid=cluster_kid)))
    assert "AADSTS50013: Assertion failed signature validation. [Reason - The provided signature value" in forged
    unknown = refusal(workload_credential(identity.client_id, foreign_token(claims, kid="not-published")))
    assert "[Reason - The key was not found., Thumbprint of key used by client: 'not-published']" in unknown
